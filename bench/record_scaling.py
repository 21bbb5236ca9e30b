"""Cost of recording one page in a large archive against a small one (goal: at most 1.5 times).

Both archives are seeded through the storage models, then the same mix of
operations (new pages, unchanged re-records, real edits) runs on each in short
alternating rounds, so that machine noise affects both sides alike. The ratio is
the median of each pair of rounds' large-to-small ratio, so a burst of noise
(the daemon soak runs beside this benchmark) skews one pair, not the result.
"""

from __future__ import annotations

import random
import statistics
import time
from pathlib import Path

from bench.databases import scratch_database
from bench.harness import BenchResult, median_paired_ratio
from bench.seed import seed_documents, synthetic_text
from warta.storage.database import Database
from warta.storage.revisions import PageRecord, record_page
from warta.storage.types import utcnow

GOAL = 1.5
OPERATIONS_PER_ROUND = 25


def run(backend: str, folder: Path, small: int, large: int, rounds: int = 12) -> BenchResult:
    """Return the ratio of per-record cost at `large` documents to that at `small` documents."""
    with scratch_database(backend, folder, "small") as small_db, scratch_database(backend, folder, "large") as large_db:
        seed_documents(small_db, small)
        seed_documents(large_db, large)
        record_mix(small_db, 0)  # warm caches on both sides before timing
        record_mix(large_db, 0)
        small_costs, large_costs = [], []
        for round_number in range(1, rounds + 1):
            small_costs.append(record_mix(small_db, round_number))
            large_costs.append(record_mix(large_db, round_number))
    small_cost, large_cost = statistics.median(small_costs), statistics.median(large_costs)
    return BenchResult(
        name=f"record one page, {large:,} vs {small:,} documents ({backend})",
        ratio=median_paired_ratio(small_costs, large_costs),
        goal=GOAL,
        higher_is_better=False,
        detail=(
            f"{large_cost * 1000:.2f} ms vs {small_cost * 1000:.2f} ms per record "
            f"(medians of {rounds} alternating rounds of {3 * OPERATIONS_PER_ROUND})"
        ),
    )


def record_mix(database: Database, label: object, words: int = 120, keep_search_index: bool = True) -> float:
    """Record new pages, then the same unchanged, then edited; return seconds per record.

    `label` keeps each round's URLs apart and seeds its text; the search upkeep benchmark
    records the same mix with the search index kept current or not.
    """
    rng = random.Random(str(label))
    pages = [
        PageRecord(
            source_id="seed",
            url=f"https://seed.example/baru/{label}/{index}",
            canonical_url=f"https://seed.example/baru/{label}/{index}",
            title=f"Pengumuman {label}-{index}",
            text=synthetic_text(rng, words),
            html="",
            fetched_at=utcnow(),
            language="id",
        )
        for index in range(OPERATIONS_PER_ROUND)
    ]
    edited = [
        PageRecord(**{**page.__dict__, "text": page.text + " Diperbarui.", "fetched_at": utcnow()}) for page in pages
    ]
    start = time.perf_counter()
    for batch in (pages, pages, edited):
        for page in batch:
            with database.transaction() as session:
                record_page(session, page, keep_search_index=keep_search_index)
    return (time.perf_counter() - start) / (3 * OPERATIONS_PER_ROUND)
