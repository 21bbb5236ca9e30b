"""The search syntax readers type, parsed into words and phrases and written out for each database.

A query is words, all of which must match (`AND` between them is allowed and
changes nothing); `"quoted phrases"`; `-word` or `-"a phrase"` to leave stories
out; and `OR` between two words or phrases to accept either. A word joined to
another by punctuation (`ondel-ondel`, `title:festival`) is a phrase of both.
Everything else (FTS5 operators such as `NEAR(`, `*`, `^`, `:`, brackets, stray
quotes) is punctuation: a word is only its letters and digits,
so no character of the reader's text ever reaches the database as syntax. An
unbalanced quote runs to the end of the query, as in web search engines.

This module is pure: it parses and writes strings. storage.search runs them.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from warta.storage.errors import SearchQueryError

MAX_QUERY_CHARACTERS = 500
MAX_QUERY_WORDS = 32
# On SQLite, a word this long or longer (not a number) also matches with an Indonesian suffix
# ("budaya" finds "budayanya"): FTS5 stems English only.
SUFFIX_MIN_CHARACTERS = 4
# Particles, possessives, derivations and their usual combinations. An explicit list rather than
# a prefix query (budaya*): FTS5 answers a prefix by merging the postings of every word it starts,
# all of them, on every evaluation, so a common word cost 10 ms per query at 100,000 stories
# however rare the other words; and a prefix finds unrelated words ("seni" -> "senin", "kota" -> "kotak").
INDONESIAN_SUFFIXES = (
    "nya",
    "lah",
    "kah",
    "pun",
    "ku",
    "mu",
    "kan",
    "an",
    "i",
    "wan",
    "wati",
    "kannya",
    "annya",
    "inya",
    "nyalah",
    "nyakah",
    "kanlah",
    "kankah",
    "anlah",
    "ilah",
    "kanku",
    "kanmu",
    "anku",
    "anmu",
)
_WORD = re.compile(r"[^\W_]+")
_ITEM = re.compile(r'(-?)"([^"]*)(?:"|$)|(\S+)')


@dataclass(frozen=True)
class Phrase:
    """Words that must appear in this order (one word is a phrase of one)."""

    words: tuple[str, ...]


@dataclass(frozen=True)
class ParsedQuery:
    """A query as groups that must all match (each group: alternatives joined by OR) and phrases to exclude."""

    groups: tuple[tuple[Phrase, ...], ...]
    excluded: tuple[Phrase, ...] = ()


def parse_query(text: str) -> ParsedQuery:
    """Return the query in `text` as words and phrases; raise SearchQueryError when there is nothing to search."""
    if len(text) > MAX_QUERY_CHARACTERS:
        raise SearchQueryError(
            f"the query is {len(text):,} characters long; search with at most {MAX_QUERY_CHARACTERS} "
            "characters (a few distinctive words or a short phrase)"
        )
    groups: list[list[Phrase]] = []
    excluded: list[Phrase] = []
    joining = False
    for match in _ITEM.finditer(text):
        negated, quoted, bare = match.group(1) == "-", match.group(2), match.group(3)
        if bare is not None and bare.upper() == "OR":
            joining = bool(groups)
            continue
        if bare == "AND":  # every word must match anyway
            continue
        if bare is not None and bare.startswith("-") and len(bare) > 1:
            negated, bare = True, bare[1:]
        phrase = Phrase(tuple(_WORD.findall(quoted if bare is None else bare)))
        if not phrase.words:
            continue
        if negated:
            excluded.append(phrase)
        elif joining:
            groups[-1].append(phrase)
        else:
            groups.append([phrase])
        joining = False
    _check_size(groups, excluded)
    return ParsedQuery(tuple(tuple(group) for group in groups), tuple(excluded))


def _check_size(groups: list[list[Phrase]], excluded: list[Phrase]) -> None:
    """Raise SearchQueryError for a query with nothing to find or too many words."""
    if not groups:
        hint = "add a word to find, not only words to leave out" if excluded else "type at least one word to find"
        raise SearchQueryError(f"the query has no word to search for: {hint}")
    words = sum(len(phrase.words) for group in groups for phrase in group) + sum(len(p.words) for p in excluded)
    if words > MAX_QUERY_WORDS:
        raise SearchQueryError(f"the query has {words} words; search with at most {MAX_QUERY_WORDS}")


def fts5_match(query: ParsedQuery) -> str:
    """Return the query as an SQLite FTS5 MATCH expression, every word quoted."""
    groups = [_fts5_group(group, with_suffixes=True) for group in query.groups]
    expression = " AND ".join(groups)
    if query.excluded:
        expression = f"({expression}) NOT {_fts5_group(query.excluded, with_suffixes=False)}"
    return expression


def _fts5_group(phrases: tuple[Phrase, ...] | list[Phrase], with_suffixes: bool) -> str:
    """Return phrases joined by OR, in brackets when there are several."""
    written = [_fts5_phrase(phrase, with_suffixes) for phrase in phrases]
    return written[0] if len(written) == 1 else "(" + " OR ".join(written) + ")"


def _fts5_phrase(phrase: Phrase, with_suffixes: bool) -> str:
    """Return the phrase quoted; a single longer word as it is or with any Indonesian suffix."""
    # words hold only letters and digits, so quoting them needs no escaping
    (word, *more) = phrase.words
    if more or not with_suffixes or len(word) < SUFFIX_MIN_CHARACTERS or word.isdigit():
        return '"' + " ".join(phrase.words) + '"'
    return "(" + " OR ".join(f'"{word}{suffix}"' for suffix in ("", *INDONESIAN_SUFFIXES)) + ")"


def websearch_phrase(phrase: Phrase) -> str:
    """Return one phrase quoted for PostgreSQL's websearch_to_tsquery (storage.search combines the phrases)."""
    return '"' + " ".join(phrase.words) + '"'
