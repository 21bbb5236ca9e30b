"""Cost of keeping the search index current while recording pages (goal: at most 1.2 times recording without it).

One seeded archive; rounds alternate between recording with the index kept
(record_page's default) and without it (keep_search_index=False), each round
on fresh URLs with the same mix as bench.record_scaling: new pages, the same
pages unchanged, then edited. The ratio is the median of the paired rounds.
"""

from __future__ import annotations

import statistics
from pathlib import Path

from bench.databases import scratch_database
from bench.harness import BenchResult, median_paired_ratio
from bench.record_scaling import OPERATIONS_PER_ROUND, record_mix
from bench.search_scaling import index_archive
from bench.seed import seed_documents

GOAL = 1.2
# the texts of real articles are longer than the record benchmark's: the index costs more per word
WORDS = 400


def run(backend: str, folder: Path, documents: int, rounds: int = 12) -> BenchResult:
    """Return the ratio of per-record cost with the search index kept current to that without."""
    with scratch_database(backend, folder, "upkeep") as database:
        seed_documents(database, documents)
        index_archive(database)
        record_mix(database, "warm-with", WORDS, keep_search_index=True)
        record_mix(database, "warm-without", WORDS, keep_search_index=False)
        without, with_index = [], []
        for round_number in range(1, rounds + 1):
            without.append(record_mix(database, f"without-{round_number}", WORDS, keep_search_index=False))
            with_index.append(record_mix(database, f"with-{round_number}", WORDS, keep_search_index=True))
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
