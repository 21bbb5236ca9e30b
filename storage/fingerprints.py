"""Content fingerprints: the normalized form of extracted content and its hash.

The content hash decides whether a page changed. It is computed from extracted
title and text, never from raw HTML, so boilerplate changes cannot reach it.
Near-duplicates across sources are found by storage.dedup, not here. Pure functions only.
"""

from __future__ import annotations

import hashlib
import re
import unicodedata
from dataclasses import dataclass

_WORD = re.compile(r"\w+", re.UNICODE)
_INVISIBLE = "\u200b\u200c\u200d\u2060\ufeff\u00ad"


def normalize_text(text: str) -> str:
    """Return `text` in NFKC form with invisible characters dropped and whitespace collapsed."""
    text = unicodedata.normalize("NFKC", text)
    # searching for each rare character is C-fast; str.translate looked every character up in a dict
    for char in _INVISIBLE:
        if char in text:
            text = text.replace(char, "")
    # str.split() splits on exactly the characters regex \s matches (str.isspace), and drops the ends
    return " ".join(text.split())


@dataclass(frozen=True)
class Fingerprint:
    """What recording compares: the content hash of a page, and its word count."""

    content_hash: str
    word_count: int


def fingerprint(title: str, text: str) -> Fingerprint:
    """Return the content hash and word count of a page, normalizing its text once.

    The crawler computes this in its extraction workers, so the process that records pages does not.
    """
    normalized = normalize_text(text)
    digest = hashlib.sha256((normalize_text(title) + "\n" + normalized).encode("utf-8")).hexdigest()
    return Fingerprint(content_hash=digest, word_count=len(_WORD.findall(normalized)))


def content_hash(title: str, text: str) -> str:
    """Return the SHA-256 hex digest of the normalized title and text."""
    normalized = normalize_text(title) + "\n" + normalize_text(text)
    return hashlib.sha256(normalized.encode("utf-8")).hexdigest()


def to_signed64(value: int) -> int:
    """Return an unsigned 64-bit value as the signed integer a BIGINT column holds."""
    return value - (1 << 64) if value >= 1 << 63 else value
