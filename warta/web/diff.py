"""A word-level diff of two revisions, as segments a template marks up with <ins> and <del>.

Pure functions on strings. Words and punctuation are tokenized the way the feeds'
edit notes are (warta.feeds.diffs), so both describe the same edit the same way.
"""

from __future__ import annotations

from dataclasses import dataclass
from difflib import SequenceMatcher
from typing import Literal

from warta.feeds.diffs import join_tokens, tokenize

# punctuation written without a space before it (as join_tokens does)
_ATTACHES_LEFT = frozenset(",.;:!?)]}%”’")


@dataclass(frozen=True)
class DiffSegment:
    """A run of words that is unchanged, inserted or deleted; `space_before` separates it from the previous one."""

    kind: Literal["equal", "insert", "delete"]
    text: str
    space_before: bool


def word_diff(old: str, new: str) -> list[DiffSegment]:
    """Return the segments that turn `old` into `new`, in reading order (a replacement is a delete, then an insert)."""
    old_words, new_words = tokenize(old), tokenize(new)
    matcher = SequenceMatcher(None, old_words, new_words, autojunk=False)
    segments: list[DiffSegment] = []
    for tag, i1, i2, j1, j2 in matcher.get_opcodes():
        if tag == "equal":
            segments.append(_segment("equal", new_words[j1:j2], bool(segments)))
            continue
        if tag in ("delete", "replace"):
            segments.append(_segment("delete", old_words[i1:i2], bool(segments)))
        if tag in ("insert", "replace"):
            segments.append(_segment("insert", new_words[j1:j2], bool(segments)))
    return segments


def changed_words(segments: list[DiffSegment]) -> tuple[list[str], list[str]]:
    """Return the deleted and the inserted texts, in order."""
    deleted = [segment.text for segment in segments if segment.kind == "delete"]
    inserted = [segment.text for segment in segments if segment.kind == "insert"]
    return deleted, inserted


def _segment(kind: Literal["equal", "insert", "delete"], tokens: list[str], follows: bool) -> DiffSegment:
    return DiffSegment(kind, join_tokens(tokens), follows and tokens[0] not in _ATTACHES_LEFT)
