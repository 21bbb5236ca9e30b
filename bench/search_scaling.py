"""Search latency on a large archive against a small one (goal: p95 at most 3 times), and its absolute p95.

Both archives are seeded in bulk (bench.seed) and indexed with the same code an
upgrade runs (storage.search_index.build_search_index). Each round runs the same
queries on both archives, alternating, and the ratio is the median over rounds
of the large archive's p95 over the small one's (bench.harness.median_paired_ratio).

The queries are what a reader types to find stories: a word of the story's
title, that word with a word every story has, a phrase, an OR and an exclusion,
each naming stories that exist in both archives, so the matches a page shows
are the same size on both. A query of words that nearly every story holds
(the seeded text has a 29-word vocabulary) is reported beside it, not in the
ratio: the search counts and ranks at most 10,000 of its matches
(storage.search.MAX_COUNTED_MATCHES), so its cost grows with the archive up
to that many matches and no further.
"""

from __future__ import annotations

import random
import statistics
import time
from pathlib import Path

from bench.databases import scratch_database
from bench.harness import BenchResult, median_paired_ratio
from bench.seed import seed_documents
from warta.storage.database import Database
from warta.storage.search import SearchQuery, search_documents
from warta.storage.search_index import build_search_index

GOAL = 3.0
GOAL_P95_MS = 150.0
QUERIES_PER_ROUND = 20
COMMON_QUERY = "festival museum"


def index_archive(database: Database) -> None:
    """Build the search index of a bulk-seeded archive, as `warta db upgrade` does."""
    with database.engine.begin() as connection:
        build_search_index(connection)


def reader_queries(rng: random.Random, documents: int, count: int) -> list[str]:
    """Return `count` queries naming stories among the first `documents` (titles: "Berita budaya nomor N")."""
    shapes = ("{n}", "nomor {n}", '"nomor {n}"', "{n} OR {m}", "{n} budaya", "nomor {n} -{m}")
    return [rng.choice(shapes).format(n=rng.randint(1, documents), m=rng.randint(1, documents)) for _ in range(count)]


def p95(timings: list[float]) -> float:
    """Return the 95th percentile of `timings`."""
    return statistics.quantiles(timings, n=20, method="inclusive")[18]


def run(backend: str, folder: Path, small: int, large: int, rounds: int = 10) -> list[BenchResult]:
    """Return the p95 ratio of search at `large` documents against `small`, and the p95 at `large` against 150 ms."""
    with (
        scratch_database(backend, folder, "search-small") as small_db,
        scratch_database(backend, folder, "search-large") as large_db,
    ):
        for database, size in ((small_db, small), (large_db, large)):
            seed_documents(database, size)
            index_archive(database)
        warm = reader_queries(random.Random(0), small, QUERIES_PER_ROUND)
        _latencies(small_db, warm)
        _latencies(large_db, warm)
        small_p95s, large_p95s, large_all = [], [], []
        for round_number in range(1, rounds + 1):
            queries = reader_queries(random.Random(round_number), small, QUERIES_PER_ROUND)
            small_p95s.append(p95(_latencies(small_db, queries)))
            timings = _latencies(large_db, queries)
            large_p95s.append(p95(timings))
            large_all += timings
        common_small = p95(_latencies(small_db, [COMMON_QUERY] * 5))
        common_large = p95(_latencies(large_db, [COMMON_QUERY] * 5))
        common_matches = " vs ".join(_counted(database, COMMON_QUERY) for database in (large_db, small_db))
    absolute_ms = p95(large_all) * 1000
    scaling = BenchResult(
        name=f"search p95, {large:,} vs {small:,} documents ({backend})",
        ratio=median_paired_ratio(small_p95s, large_p95s),
        goal=GOAL,
        higher_is_better=False,
        detail=(
            f"{statistics.median(large_p95s) * 1000:.1f} ms vs {statistics.median(small_p95s) * 1000:.1f} ms "
            f"(median of {rounds} rounds' p95 over {QUERIES_PER_ROUND} reader queries); "
            f'"{COMMON_QUERY}", in nearly every story: {common_large * 1000:.0f} ms vs {common_small * 1000:.0f} ms '
            f"({common_matches})"
        ),
    )
    absolute = BenchResult(
        name=f"search p95 at {large:,} documents, against {GOAL_P95_MS:.0f} ms ({backend})",
        ratio=absolute_ms / GOAL_P95_MS,
        goal=1.0,
        higher_is_better=False,
        detail=f"p95 {absolute_ms:.1f} ms over {len(large_all)} reader queries (page 1, 20 hits, facets)",
    )
    return [scaling, absolute]


def _counted(database: Database, query: str) -> str:
    """Return how many stories the search counts for `query`, as a reader sees it ("10,000+" when capped)."""
    with database.reading() as session:
        found = search_documents(session, SearchQuery(query))
    return f"{found.total:,}{'+' if found.is_capped else ''} matches"


def _latencies(database: Database, queries: list[str]) -> list[float]:
    """Run each query (first page with facets) and return its wall time in seconds."""
    timings = []
    for query in queries:
        start = time.perf_counter()
        with database.reading() as session:
            search_documents(session, SearchQuery(query))
        timings.append(time.perf_counter() - start)
    return timings
