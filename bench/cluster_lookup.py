"""Cost of finding a syndicated copy's cluster in a large archive against a small one (goal: at most 1.5 times).

Both archives are seeded in bulk (bench.seed) with every document's LSH keys
(random, as unrelated stories' keys are), then the stories of the evaluation
sample are recorded as originals. A round looks up the cluster of a copy of each
story (an attribution line added), which must be found; rounds alternate between
the two archives and the ratio is the median of the paired rounds' ratios.
"""

from __future__ import annotations

import random
import statistics
import time
from pathlib import Path

import numpy as np

from bench.databases import scratch_database
from bench.dedup_eval import add_attribution, load_stories
from bench.harness import BenchResult, median_paired_ratio
from bench.seed import BATCH, _bulk_insert, seed_documents
from warta.storage.clusters import nearest_cluster
from warta.storage.database import Database
from warta.storage.dedup import BANDS, DEFAULT_THRESHOLDS, LEAD_BAND, band_keys
from warta.storage.revisions import PageRecord, record_page
from warta.storage.shingling import shingles
from warta.storage.types import utcnow

GOAL = 1.5
LEAD_KEYS_PER_DOCUMENT = 2


def run(backend: str, folder: Path, small: int, large: int, rounds: int = 12) -> BenchResult:
    """Return the ratio of one cluster lookup's cost at `large` documents to that at `small` documents."""
    stories = [story for story in load_stories() if len(story.text.split()) >= DEFAULT_THRESHOLDS.min_words]
    copies = ["\n".join(add_attribution(story.text.splitlines(), random.Random(0))) for story in stories]
    with (
        scratch_database(backend, folder, "lookup-small") as small_db,
        scratch_database(backend, folder, "lookup-large") as large_db,
    ):
        for database, count in ((small_db, small), (large_db, large)):
            seed_documents(database, count, source_id="seed")
            seed_band_keys(database, count)
            record_originals(database, [story.text for story in stories])
        look_up(small_db, copies)  # warm caches on both sides before timing
        look_up(large_db, copies)
        small_costs, large_costs = [], []
        for _ in range(rounds):
            small_costs.append(look_up(small_db, copies))
            large_costs.append(look_up(large_db, copies))
    small_cost, large_cost = statistics.median(small_costs), statistics.median(large_costs)
    return BenchResult(
        name=f"cluster lookup, {large:,} vs {small:,} documents ({backend})",
        ratio=median_paired_ratio(small_costs, large_costs),
        goal=GOAL,
        higher_is_better=False,
        detail=(
            f"{large_cost * 1000:.2f} ms vs {small_cost * 1000:.2f} ms per lookup of a copy "
            f"(medians of {rounds} alternating rounds of {len(copies)}, every copy found)"
        ),
    )


def seed_band_keys(database: Database, count: int, seed: int = 11) -> None:
    """Give documents 1..count random LSH keys: BANDS MinHash bands and LEAD_KEYS_PER_DOCUMENT lead lines each."""
    rng = np.random.default_rng(seed)
    bands = [*range(BANDS), *[LEAD_BAND] * LEAD_KEYS_PER_DOCUMENT]
    for start in range(1, count + 1, BATCH):
        numbers = range(start, min(start + BATCH, count + 1))
        keys = rng.integers(-(2**63), 2**63 - 1, size=(len(numbers), len(bands)), dtype=np.int64).tolist()
        rows = [
            (number, band, key)
            for number, row in zip(numbers, keys, strict=True)
            for band, key in zip(bands, row, strict=True)
        ]
        with database.transaction() as session:
            raw = session.connection().connection.driver_connection
            _bulk_insert(raw, database.is_sqlite, "document_bands", ("document_id", "band", "key"), rows)


def record_originals(database: Database, texts: list[str]) -> None:
    """Record each text as a story of its own source, the originals the copies are looked up against."""
    for number, text in enumerate(texts):
        url = f"https://original.example/berita/{number}"
        page = PageRecord("seed", url, url, f"Asli {number}", text, "", utcnow(), language="id")
        with database.transaction() as session:
            record_page(session, page)


def look_up(database: Database, copies: list[str]) -> float:
    """Look up the cluster of every copy; return seconds per lookup. Raise when one is not found.

    The copies' shingles and keys are computed before the clock starts: they cost the same at any size.
    """
    stories = [(story, band_keys(story)) for story in map(shingles, copies)]
    start = time.perf_counter()
    for story, keys in stories:
        with database.reading() as session:
            if nearest_cluster(session, -1, story, keys, DEFAULT_THRESHOLDS) is None:
                raise AssertionError("the original of a copy was not found")
    return (time.perf_counter() - start) / len(copies)
