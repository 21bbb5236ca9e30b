"""Near-duplicate detection: a story's MinHash band keys, and the exact check of two stories.

Two stories are compared by their word shingles, line by line (storage.shingling).
Candidates come from MinHash with LSH: BANDS bands of ROWS MinHash values each;
two stories whose shingle sets have Jaccard similarity J share at least one band
key with probability 1 - (1 - J**ROWS)**BANDS (0.997 at J = 0.5, 0.002 at
J = 0.01). A copy cut to its first paragraphs can fall to J = 0.25, so a story's
first long lines are keys too (band LEAD_BAND). Each candidate is then checked
exactly on the two shingle sets:

- coverage: the shingles the two share, as a share of the smaller set. A copy cut
  to its first paragraphs, or with lines added, still shares nearly all of the
  smaller one; a day-two report that repeats one paragraph of the festival does not.
- agreement: over the lines of one story that the other also tells (a fifth of
  their shingles or more are in the other), the share of their shingles found in
  the other; taken in the direction where it is higher. A copy adds or cuts whole
  lines (or sentences), so the shorter side's lines are all in the other: 1.0.
  Two announcements of one series differ inside the same lines (date, venue,
  performers), in both directions.

A lookup can meet hundreds of candidates on a site whose stories share a template,
so before counting the shingles two stories share it reads an upper bound of that
count (`coverage_bound`) from their shingles counted into buckets, and skips the
candidates that cannot reach the coverage.

Pure functions only: storage.clusters stores the band keys and runs the lookup.
The title is not compared: syndication rewords headlines.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TypeAlias

import numpy as np

from warta.config.schema import DedupSettings
from warta.storage.fingerprints import to_signed64
from warta.storage.shingling import Shingles

BANDS = 20
ROWS = 2
PERMUTATIONS = BANDS * ROWS
# the first LEAD_LINES lines of at least LEAD_LINE_SHINGLES shingles are keys too, all in band LEAD_BAND
LEAD_BAND = BANDS
LEAD_LINES = 3
LEAD_LINE_SHINGLES = 8
# a line that shares at least this share of its shingles with the other story is one both tell
TOUCHING_LINE_SHARE = 0.2

_rng = np.random.default_rng(20261204)
# MinHash permutations h -> (h XOR mask) * multiplier (mod 2**64), multipliers odd: each a bijection
_MASKS = _rng.integers(0, 2**63, size=PERMUTATIONS, dtype=np.uint64) * np.uint64(2) + np.uint64(1)
_MULTIPLIERS = _rng.integers(0, 2**63, size=PERMUTATIONS, dtype=np.uint64) * np.uint64(2) + np.uint64(1)


# The exact check's thresholds, to join a cluster and (looser) for an edited member to stay in it:
# the config's [dedup] table itself.
DedupThresholds: TypeAlias = DedupSettings
# the defaults of [dedup], for recording without a config
DEFAULT_THRESHOLDS = DedupSettings()


@dataclass(frozen=True)
class Similarity:
    """How much two stories share (see the module docstring)."""

    coverage: float
    agreement: float

    def passes(self, min_coverage: float, min_agreement: float) -> bool:
        """Return True when both measures reach their thresholds."""
        return self.coverage >= min_coverage and self.agreement >= min_agreement


def band_keys(story: Shingles) -> list[tuple[int, int]]:
    """Return the story's LSH keys as (band, key): one per band of its MinHash signature, and its lead lines'.

    Keys are signed 64-bit integers, as a BIGINT column holds them; a story without shingles has none.
    """
    if story.is_empty:
        return []
    hashes = np.fromiter(story.all, dtype=np.uint64, count=len(story.all))
    # (shingles x permutations) in uint64 arithmetic, which wraps modulo 2**64 as the permutations need
    permuted = (hashes[:, None] ^ _MASKS[None, :]) * _MULTIPLIERS[None, :]
    signature = permuted.min(axis=0).reshape(BANDS, ROWS)
    keys = [(number, _key(band.tobytes() + bytes([number]))) for number, band in enumerate(signature)]
    # A copy cut to its first paragraphs can share too few shingles for the bands to meet (Jaccard
    # 0.25 when the cut paragraphs were the long ones), but it keeps the lead: its first long lines.
    leads = [line for line in story.lines if len(line) >= LEAD_LINE_SHINGLES][:LEAD_LINES]
    keys += sorted({(LEAD_BAND, _key(np.array(sorted(line), dtype=np.uint64).tobytes())) for line in leads})
    return keys


def _key(data: bytes) -> int:
    return to_signed64(int.from_bytes(hashlib.blake2b(data, digest_size=8).digest(), "big"))


def similarity(first: Shingles, second: Shingles) -> Similarity:
    """Return the coverage and agreement of two stories."""
    return Similarity(coverage(first, second), agreement(first, second))


def coverage(first: Shingles, second: Shingles) -> float:
    """Return the shingles two stories share, as a share of the smaller story's (0 when one has none).

    A quarter of the cost of `similarity`: a lookup checks it first and measures the agreement only
    of the candidates it lets through.
    """
    if first.is_empty or second.is_empty:
        return 0.0
    return len(first.all & second.all) / min(len(first.all), len(second.all))


def coverage_bound(first: Shingles, second: Shingles) -> float:
    """Return a bound that `coverage(first, second)` never exceeds, in a few big-integer operations a level.

    A shingle the two share falls into the same bucket in both, so a bucket holds at most the
    smaller of its two counts of shared shingles, and the sum of those smaller counts bounds the
    shared total. The smaller of two counts is the number of levels both exceed: one popcount of
    the two bitmaps a level. Divided by the same size as `coverage`, it stays at or above it.
    """
    if first.is_empty or second.is_empty:
        return 0.0
    # past the shorter list of levels, one of the two counts is exceeded nowhere
    levels = zip(first.bucket_levels, second.bucket_levels, strict=False)
    shared_at_most = sum((mine & theirs).bit_count() for mine, theirs in levels)
    return shared_at_most / min(len(first.all), len(second.all))


def agreement(first: Shingles, second: Shingles) -> float:
    """Return the agreement of two stories, taken in the direction where it is higher (0 when one has none)."""
    if first.is_empty or second.is_empty:
        return 0.0
    return max(_line_agreement(first.lines, second.all), _line_agreement(second.lines, first.all))


def is_near_duplicate(first: Shingles, second: Shingles, thresholds: DedupThresholds) -> bool:
    """Return True when two stories are one story (the thresholds to join a cluster)."""
    return similarity(first, second).passes(thresholds.min_coverage, thresholds.min_agreement)


def _line_agreement(lines: Sequence[frozenset[int]], other: frozenset[int]) -> float:
    """Return the share of shingles found in `other`, over the lines that share at least TOUCHING_LINE_SHARE."""
    shared = total = 0
    for line in lines:
        found = len(line & other)
        if found >= TOUCHING_LINE_SHARE * len(line):
            shared += found
            total += len(line)
    return shared / total if total else 0.0
