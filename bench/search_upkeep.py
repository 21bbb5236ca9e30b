"""Cost of keeping the search index current while recording pages (goal: at most 1.2 times recording without it).

One seeded archive; rounds alternate between recording with the index kept
(record_page's default) and without it (keep_search_index=False), each round
on fresh URLs with the same mix as bench.record_scaling: new pages, the same
pages unchanged, then edited. The ratio is the median of the paired rounds.
"""

from __future__ import annotations

import random
import statistics
import time
from pathlib import Path

from warta.storage.database import Database
from warta.storage.revisions import PageRecord, record_page
from warta.storage.types import utcnow

from bench.databases import scratch_database
from bench.harness import BenchResult, median_paired_ratio
from bench.search_scaling import index_archive
from bench.seed import seed_documents, synthetic_text

GOAL = 1.2
OPERATIONS_PER_ROUND = 25


def run(backend: str, folder: Path, documents: int, rounds: int = 12) -> BenchResult:
    """Return the ratio of per-record cost with the search index kept current to that without."""
    with scratch_database(backend, folder, "upkeep") as database:
        seed_documents(database, documents)
        index_archive(database)
        _record_round(database, "warm-with", keep_search_index=True)
        _record_round(database, "warm-without", keep_search_index=False)
        without, with_index = [], []
        for round_number in range(1, rounds + 1):
            without.append(_record_round(database, f"without-{round_number}", keep_search_index=False))
            with_index.append(_record_round(database, f"with-{round_number}", keep_search_index=True))
    return BenchResult(
        name=f"record one page with the search index kept, against without ({backend})",
        ratio=median_paired_ratio(without, with_index),
        goal=GOAL,
        higher_is_better=False,
        detail=(
            f"{statistics.median(with_index) * 1000:.2f} ms vs {statistics.median(without) * 1000:.2f} ms per record "
            f"in a {documents:,}-document archive (medians of {rounds} alternating rounds of "
            f"{3 * OPERATIONS_PER_ROUND})"
        ),
    )


def _record_round(database: Database, label: str, keep_search_index: bool) -> float:
    """Record new pages, then the same unchanged, then edited; return seconds per record."""
    rng = random.Random(label)
    pages = [
        PageRecord(
            source_id="seed",
            url=f"https://seed.example/indeks/{label}/{index}",
            canonical_url=f"https://seed.example/indeks/{label}/{index}",
            title=f"Pengumuman {label} {index}",
            text=synthetic_text(rng, 400),
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
