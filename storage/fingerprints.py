"""Content fingerprints: the normalized form of extracted content, its hash, and its SimHash.

The content hash decides whether a page changed; the SimHash finds near-duplicate
stories across sources. Both are computed from extracted title and text, never
from raw HTML, so boilerplate changes cannot reach them. Pure functions only.
"""

from __future__ import annotations

import hashlib
import re
import unicodedata
from dataclasses import dataclass

_WHITESPACE = re.compile(r"\s+")
_WORD = re.compile(r"\w+", re.UNICODE)
_INVISIBLE = dict.fromkeys(map(ord, "\u200b\u200c\u200d\u2060\ufeff\u00ad"))
SIMHASH_BITS = 64
SIMHASH_BANDS = 4
SHINGLE_WORDS = 3
_LANE_BITS = 32
_LANE_MASK = (1 << _LANE_BITS) - 1
# _BYTE_LANES[b] holds bit i of byte b in lane i (lanes of _LANE_BITS bits).
_BYTE_LANES = tuple(sum(1 << (_LANE_BITS * i) for i in range(8) if byte >> i & 1) for byte in range(256))


def normalize_text(text: str) -> str:
    """Return `text` in NFKC form with invisible characters dropped and whitespace collapsed."""
    text = unicodedata.normalize("NFKC", text).translate(_INVISIBLE)
    return _WHITESPACE.sub(" ", text).strip()


@dataclass(frozen=True)
class Fingerprint:
    """What recording compares: the content hash and SimHash of a page, and its word count."""

    content_hash: str
    simhash: int
    word_count: int


def fingerprint(title: str, text: str) -> Fingerprint:
    """Return the content hash, SimHash and word count of a page, normalizing its text once.

    The crawler computes this in its extraction workers, so the process that records pages does not.
    """
    normalized = normalize_text(text)
    tokens = _WORD.findall(normalized.casefold())
    digest = hashlib.sha256((normalize_text(title) + "\n" + normalized).encode("utf-8")).hexdigest()
    return Fingerprint(content_hash=digest, simhash=_simhash(tokens), word_count=len(tokens))


def content_hash(title: str, text: str) -> str:
    """Return the SHA-256 hex digest of the normalized title and text."""
    normalized = normalize_text(title) + "\n" + normalize_text(text)
    return hashlib.sha256(normalized.encode("utf-8")).hexdigest()


def words(text: str) -> list[str]:
    """Return the lowercased words of `text`."""
    return _WORD.findall(normalize_text(text).casefold())


def simhash(text: str) -> int:
    """Return the 64-bit SimHash of the text's word 3-shingles as a signed integer."""
    return _simhash(words(text))


def _simhash(tokens: list[str]) -> int:
    shingles = [" ".join(tokens[i : i + SHINGLE_WORDS]) for i in range(max(1, len(tokens) - SHINGLE_WORDS + 1))]
    # Bit b of the fingerprint is set when more than half the shingle hashes have bit b set. The set
    # bits are counted eight at a time: per hash byte, a table turns the byte into an integer with one
    # 32-bit lane per bit, and the lanes add up in C. A Python loop over 64 bits per shingle was the
    # largest cost of recording a page (~25 ms for a 1,000-word article).
    counts = [0] * 8  # per byte of the hash, most significant first
    table = _BYTE_LANES
    for shingle in shingles:
        b0, b1, b2, b3, b4, b5, b6, b7 = hashlib.blake2b(shingle.encode("utf-8"), digest_size=8).digest()
        counts[0] += table[b0]
        counts[1] += table[b1]
        counts[2] += table[b2]
        counts[3] += table[b3]
        counts[4] += table[b4]
        counts[5] += table[b5]
        counts[6] += table[b6]
        counts[7] += table[b7]
    fingerprint = 0
    for bit in range(SIMHASH_BITS):
        byte_lanes = counts[7 - bit // 8]
        if 2 * ((byte_lanes >> (_LANE_BITS * (bit % 8))) & _LANE_MASK) > len(shingles):
            fingerprint |= 1 << bit
    return to_signed64(fingerprint)


def to_signed64(value: int) -> int:
    """Return an unsigned 64-bit value as the signed integer a BIGINT column holds."""
    return value - (1 << 64) if value >= 1 << 63 else value


def hamming_distance(first: int, second: int) -> int:
    """Return the number of differing bits between two 64-bit fingerprints."""
    return ((first ^ second) & ((1 << 64) - 1)).bit_count()


def simhash_bands(fingerprint: int) -> tuple[int, int, int, int]:
    """Return the fingerprint's four 16-bit bands; two hashes within distance 3 share at least one."""
    unsigned = fingerprint & ((1 << 64) - 1)
    band0, band1, band2, band3 = ((unsigned >> (16 * band)) & 0xFFFF for band in range(SIMHASH_BANDS))
    return band0, band1, band2, band3
