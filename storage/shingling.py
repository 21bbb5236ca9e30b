"""A story's word shingles: what near-duplicate detection (storage.dedup) compares.

Two stories are compared by the word 3-shingles of their text, taken line by line
(a paragraph is a line), so a line inserted between two paragraphs ("Baca juga:"
links, a photo caption, an attribution) adds its own shingles and breaks none of
the others. Lines that syndication adds (attribution, related links, captions)
and the dateline a wire prefixes are dropped before shingling.

Pure Python, apart from the buckets `storage.dedup.coverage_bound` reads: a crawl
shingles every page in its extraction workers (crawler.extractor_pool), which
import this module and not numpy, pydantic or SQLAlchemy.
"""

from __future__ import annotations

import functools
import hashlib
import re
from collections.abc import Iterable
from dataclasses import dataclass

from warta.storage.fingerprints import normalize_text

SHINGLE_WORDS = 3
# the buckets of `Shingles.bucket_levels`: two unrelated stories of a few hundred shingles rarely share one
BOUND_BUCKETS = 4096

_WORD = re.compile(r"\w+", re.UNICODE)
# lines a syndicating site adds around a story: attribution, related links, photo credits and captions
_ADDED_LINE = re.compile(
    r"^\s*(baca juga|simak juga|lihat juga|artikel terkait|berita terkait|sumber|pewarta|editor|penulis|"
    r"reporter|redaktur|penerjemah|foto|keterangan foto|caption|copyright|hak cipta|read also|see also|"
    r"source|photo|reporting by|editing by|writer|translator)\b\s*[:|-]",
    re.IGNORECASE,
)
# a wire dateline that prefixes the first line: "JAKARTA (ANTARA) -", "Jakarta, Kompas.com --", "JAKARTA, KOMPAS.com -"
_DATELINE = re.compile(r"^\s*[A-Z][\w.]*(?:[ ,]+[\w.]+){0,4}\s*(?:\([^)]{1,40}\))?\s*[-\u2013\u2014]{1,2}\s+")


@dataclass(frozen=True)
class Shingles:
    """A story's shingles: per line, and all of them as one set; `words` counts the compared words."""

    lines: tuple[frozenset[int], ...]
    all: frozenset[int]
    words: int

    @property
    def is_empty(self) -> bool:
        """Return True when the story has no shingle at all."""
        return not self.all

    @functools.cached_property
    def bucket_levels(self) -> tuple[int, ...]:
        """Return the story's shingles counted into BOUND_BUCKETS buckets by hash, as one bitmap per level.

        Bit b of level k is set when bucket b holds more than k shingles. Computed on first use, by
        the process that compares stories, and kept with the story; not part of its value (equality).
        """
        import numpy as np  # here, not at the top: the extraction workers shingle and never compare

        hashes = np.fromiter(self.all, dtype=np.uint64, count=len(self.all))
        counts = np.bincount((hashes % np.uint64(BOUND_BUCKETS)).astype(np.intp), minlength=BOUND_BUCKETS)
        return tuple(
            int.from_bytes(np.packbits(counts > level, bitorder="little").tobytes(), "little")
            for level in range(int(counts.max()))
        )


def story_lines(text: str) -> list[list[str]]:
    """Return the lowercased words of each line of `text` that is compared: added lines and the dateline dropped."""
    lines = []
    for position, raw in enumerate(line for line in text.splitlines() if line.strip()):
        line = normalize_text(raw)
        if _ADDED_LINE.match(line):
            continue
        if position == 0:
            line = _DATELINE.sub("", line, count=1)
        words = _WORD.findall(line.casefold())
        if words:
            lines.append(words)
    return lines


def shingles(text: str) -> Shingles:
    """Return the 64-bit hashes of the word 3-shingles of each compared line of `text`."""
    per_line = []
    total = 0
    blake2b, from_bytes = hashlib.blake2b, int.from_bytes  # a crawl hashes every word of every page
    for words in story_lines(text):
        total += len(words)
        if len(words) <= SHINGLE_WORDS:
            grams: Iterable[str] = (" ".join(words),)
        else:
            # the word runs of each start: shorter tails end the zip
            grams = map(" ".join, zip(*(words[start:] for start in range(SHINGLE_WORDS)), strict=False))
        per_line.append(
            frozenset([from_bytes(blake2b(gram.encode(), digest_size=8).digest(), "big") for gram in grams])
        )
    return Shingles(tuple(per_line), frozenset().union(*per_line), total)


def word_count(text: str) -> int:
    """Return the number of compared words of `text`."""
    return sum(len(words) for words in story_lines(text))
