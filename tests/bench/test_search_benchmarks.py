"""Tiny runs of the search benchmarks, so that `make bench` keeps working; no timing is asserted."""

from __future__ import annotations

import math
import random
from pathlib import Path

from bench import search_scaling, search_upkeep
from bench.seed import seed_documents
from warta.storage.database import Database
from warta.storage.search import SearchQuery, search_documents


def test_search_scaling_reports_the_ratio_and_the_absolute_p95(tmp_path: Path) -> None:
    scaling, absolute = search_scaling.run("sqlite", tmp_path, small=20, large=200, rounds=2)
    assert scaling.name == "search p95, 200 vs 20 documents (sqlite)"
    assert scaling.goal == search_scaling.GOAL and not scaling.higher_is_better
    assert scaling.ratio > 0 and math.isfinite(scaling.ratio)
    assert absolute.goal == 1.0 and absolute.ratio > 0 and "ms" in absolute.detail


def test_the_reader_queries_find_stories_in_both_archives(db: Database) -> None:
    seed_documents(db, 50)
    search_scaling.index_archive(db)
    queries = search_scaling.reader_queries(random.Random(1), 50, 12)
    with db.reading() as session:
        totals = [search_documents(session, SearchQuery(query)).total for query in queries]
    assert all(total >= 1 for total in totals), list(zip(queries, totals, strict=True))


def test_search_upkeep_compares_recording_with_and_without_the_index(tmp_path: Path) -> None:
    result = search_upkeep.run("sqlite", tmp_path, documents=30, rounds=1)
    assert "with the search index kept" in result.name
    assert result.goal == search_upkeep.GOAL and result.ratio > 0 and math.isfinite(result.ratio)
