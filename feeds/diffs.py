"""A short, readable word-level description of a story's latest edit, shown at the top of the entry.

Only the changed words are shown, never the whole text, e.g.
`Edited: '…akhir pekan ini…' → '…Sabtu, 28 November…'`. Pure functions on strings.
"""

from __future__ import annotations

import re
from difflib import SequenceMatcher

MAX_CHANGES = 3
MAX_WORDS_PER_SIDE = 12


# Punctuation is its own token, so "ini." → "November." is shown as "ini" → "November".
_TOKEN = re.compile(r"\w[\w'’-]*|[^\w\s]")
_ATTACHES_LEFT = frozenset(",.;:!?)]}%”’")
_ATTACHES_RIGHT = frozenset("([{“‘")


def tokenize(text: str) -> list[str]:
    """Return the words and punctuation marks of `text`, in order."""
    return _TOKEN.findall(text)


def join_tokens(tokens: list[str]) -> str:
    """Return tokens joined as text: spaces between words, none before closing punctuation."""
    text = ""
    for token in tokens:
        if text and token not in _ATTACHES_LEFT and text[-1] not in _ATTACHES_RIGHT:
            text += " "
        text += token
    return text


def _quote(tokens: list[str]) -> str:
    # one ellipsis each side says "part of the text", also when the run of words is cut short
    return f"'…{join_tokens(tokens[:MAX_WORDS_PER_SIDE])}…'"


def describe_word_changes(old: str, new: str, max_changes: int = MAX_CHANGES) -> list[str]:
    """Return one short phrase per changed run of words between `old` and `new`, in reading order."""
    old_words, new_words = tokenize(old), tokenize(new)
    matcher = SequenceMatcher(None, old_words, new_words, autojunk=False)
    changes = []
    for tag, i1, i2, j1, j2 in matcher.get_opcodes():
        if tag == "replace":
            changes.append(f"{_quote(old_words[i1:i2])} → {_quote(new_words[j1:j2])}")
        elif tag == "delete":
            changes.append(f"removed {_quote(old_words[i1:i2])}")
        elif tag == "insert":
            changes.append(f"added {_quote(new_words[j1:j2])}")
    if len(changes) > max_changes:
        hidden = len(changes) - max_changes
        changes = [*changes[:max_changes], f"and {hidden} more change{'s' if hidden > 1 else ''}"]
    return changes


def describe_edit(old_title: str | None, old_text: str | None, new_title: str, new_text: str) -> str | None:
    """Return e.g. "Edited: '…akhir pekan ini…' → '…Sabtu, 28 November…'", or None when there is no earlier text."""
    if old_title is None or old_text is None:
        return None
    parts = []
    if old_title.split() != new_title.split():
        parts.append(f"title '{' '.join(old_title.split())}' → '{' '.join(new_title.split())}'")
    parts.extend(describe_word_changes(old_text, new_text))
    if not parts:
        return "Edited: whitespace or formatting only."
    return "Edited: " + "; ".join(parts)
