"""Topic matching: which configured topics a document's title and text belong to.

A topic matches when at least one `any` term, every `all` term and no `none`
term occur in the title or text as whole words or phrases. Matching ignores
case and accents (both sides are NFKD-normalized, stripped of combining marks
and casefolded) and treats any run of whitespace in the text as one space, so a
phrase matches across line breaks. `sources` and `languages` narrow a topic.

Membership rows are written by storage.memberships, when feeds are built:
revisions recorded since the last build are matched once, and the whole archive
again after the topic definitions change. This module does not decide when.
"""

from __future__ import annotations

import hashlib
import json
import logging
import re
import unicodedata
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import delete
from sqlalchemy.orm import Session

from warta.config import WartaConfig
from warta.storage.models import TopicMembership

logger = logging.getLogger(__name__)

# Bump when the matching rules change, so stored memberships are recomputed.
MATCHER_VERSION = "1"

# \w is Unicode-aware, so a term never matches inside a longer word in any script
# (WCCF is not in WCCFoo, "film" is not in "filmnya").
_AFTER = r"(?!\w)"


class _WithoutCombiningMarks(dict[int, int | None]):
    """A str.translate table that drops combining marks, filled one character at a time as it meets them.

    str.translate strips accents with it several times faster than a regex or a generator, and
    filling it lazily spares every process the scan of all of Unicode at import (~50 ms).
    """

    def __missing__(self, code: int) -> int | None:
        kept = None if unicodedata.combining(chr(code)) else code
        self[code] = kept
        return kept


_COMBINING_MARKS = _WithoutCombiningMarks()


def normalize_text(value: str) -> str:
    """Return `value` casefolded and without accents, for accent- and case-insensitive matching."""
    if value.isascii():
        return value.casefold()
    return unicodedata.normalize("NFKD", value).translate(_COMBINING_MARKS).casefold()


@dataclass(frozen=True)
class CompiledTerm:
    """One term as a whole-word pattern, with its longest word as a cheap substring pre-check."""

    key: str
    pattern: re.Pattern[str]

    @classmethod
    def compile(cls, term: str) -> CompiledTerm:
        """Return the compiled term; raise ValueError for a term without words."""
        words = normalize_text(term).split()
        if not words:
            raise ValueError(f"topic term {term!r} has no words; write a word or phrase")
        first = re.escape(words[0])
        # The boundary before the term is checked by a lookbehind *after* its first word, so the
        # pattern starts with a literal and the regex engine can jump to candidate positions.
        source = first + rf"(?<!\w{first})" + "".join(rf"\s+{re.escape(word)}" for word in words[1:]) + _AFTER
        return cls(max(words, key=len), re.compile(source))

    def occurs_in(self, normalized: str) -> bool:
        """Return True when the term occurs in normalized text as a whole word or phrase."""
        # Most terms are absent from most documents; `in` rules them out without the regex engine.
        return self.key in normalized and self.pattern.search(normalized) is not None


@dataclass(frozen=True)
class TopicRule:
    """One topic's definition in plain values: terms, and the sources and languages it is limited to."""

    id: str
    any: tuple[str, ...] = ()
    all: tuple[str, ...] = ()
    none: tuple[str, ...] = ()
    sources: tuple[str, ...] = ()
    languages: tuple[str, ...] = ()


@dataclass(frozen=True)
class CompiledTopic:
    """A topic rule with its terms compiled once."""

    rule: TopicRule
    any_terms: tuple[CompiledTerm, ...]
    all_terms: tuple[CompiledTerm, ...]
    none_terms: tuple[CompiledTerm, ...]
    sources: frozenset[str] = field(default_factory=frozenset)
    languages: frozenset[str] = field(default_factory=frozenset)

    @classmethod
    def compile(cls, rule: TopicRule) -> CompiledTopic:
        """Return the rule with its terms compiled."""

        def terms(values: Sequence[str]) -> tuple[CompiledTerm, ...]:
            return tuple(CompiledTerm.compile(term) for term in dict.fromkeys(values))

        return cls(
            rule=rule,
            any_terms=terms(rule.any),
            all_terms=terms(rule.all),
            none_terms=terms(rule.none),
            sources=frozenset(rule.sources),
            languages=frozenset(primary_language(language) for language in rule.languages),
        )

    def matches(self, normalized: str, source_id: str, language: str | None) -> bool:
        """Return True when normalized title+text of a document from `source_id` in `language` matches."""
        if self.sources and source_id not in self.sources:
            return False
        if self.languages and (language is None or primary_language(language) not in self.languages):
            return False
        if self.any_terms and not any(term.occurs_in(normalized) for term in self.any_terms):
            return False
        if not all(term.occurs_in(normalized) for term in self.all_terms):
            return False
        return not any(term.occurs_in(normalized) for term in self.none_terms)


def primary_language(tag: str) -> str:
    """Return the primary subtag of a language tag, lowercased ('id-ID' -> 'id')."""
    return tag.strip().replace("_", "-").split("-", 1)[0].lower()


class TopicMatcher:
    """Decides which topics a document belongs to and keeps its membership rows up to date."""

    def __init__(self, rules: Iterable[TopicRule], source_languages: Mapping[str, str] | None = None) -> None:
        self.rules = tuple(rules)
        self.topics = tuple(CompiledTopic.compile(rule) for rule in self.rules)
        # A page without a language of its own is taken to be in its source's configured language.
        self.source_languages = dict(source_languages or {})

    @classmethod
    def from_config(cls, cfg: WartaConfig) -> TopicMatcher:
        """Return a matcher for the config's [[topics]], with the sources' languages as fallback."""
        rules = [
            TopicRule(
                id=topic.id,
                any=tuple(topic.any),
                all=tuple(topic.all),
                none=tuple(topic.none),
                sources=tuple(topic.sources),
                languages=tuple(topic.languages),
            )
            for topic in cfg.topics
        ]
        languages = {source.id: source.language for source in cfg.sources if source.language}
        return cls(rules, languages)

    @property
    def topic_ids(self) -> tuple[str, ...]:
        """Return the ids of the topics, in config order."""
        return tuple(rule.id for rule in self.rules)

    @property
    def fingerprint(self) -> str:
        """Return a hash of everything that decides membership; it changes when a rematch is needed."""
        definition = {
            "version": MATCHER_VERSION,
            "topics": [
                {
                    "id": rule.id,
                    "any": sorted(rule.any),
                    "all": sorted(rule.all),
                    "none": sorted(rule.none),
                    "sources": sorted(rule.sources),
                    "languages": sorted(rule.languages),
                }
                for rule in sorted(self.rules, key=lambda rule: rule.id)
            ],
            "source_languages": dict(sorted(self.source_languages.items())),
        }
        encoded = json.dumps(definition, sort_keys=True, ensure_ascii=False).encode("utf-8")
        return hashlib.sha256(encoded).hexdigest()

    def match(self, title: str, text: str, source_id: str, language: str | None) -> list[str]:
        """Return the ids of the topics that a document with this title, text, source and language matches."""
        if not self.topics:
            return []
        normalized = normalize_text(f"{title}\n{text}")
        language = language or self.source_languages.get(source_id)
        return [topic.rule.id for topic in self.topics if topic.matches(normalized, source_id, language)]


def replace_memberships(session: Session, matches: Mapping[int, tuple[Sequence[str], datetime]]) -> None:
    """Replace the memberships of the given documents: {document id: (topic ids, document updated_at)}.

    `matched_at` holds the document's updated_at, so a topic's newest entries come
    from one indexed range scan of (topic_id, matched_at) instead of the whole archive.
    """
    if not matches:
        return
    session.execute(delete(TopicMembership).where(TopicMembership.document_id.in_(list(matches))))
    add_memberships(session, matches)


def add_memberships(session: Session, matches: Mapping[int, tuple[Sequence[str], datetime]]) -> None:
    """Add memberships of documents that have none yet: {document id: (topic ids, document updated_at)}."""
    rows = [
        {"topic_id": topic_id, "document_id": document_id, "matched_at": at}
        for document_id, (topic_ids, at) in matches.items()
        for topic_id in dict.fromkeys(topic_ids)
    ]
    if rows:
        session.execute(TopicMembership.__table__.insert(), rows)  # type: ignore[attr-defined]
