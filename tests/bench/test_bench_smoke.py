"""Tiny runs of the benchmarks, so that `make bench` keeps working; no timing is asserted."""

from __future__ import annotations

import json
import math
from pathlib import Path

import pytest

from bench import __main__ as bench_main
from bench import cluster_lookup, record_scaling
from bench.databases import POSTGRES_URL_VARIABLE
from bench.harness import BenchResult, median_paired_ratio, save_results, skipped


def test_record_scaling_measures_both_archives(tmp_path: Path) -> None:
    result = record_scaling.run("sqlite", tmp_path, small=20, large=200, rounds=1)
    assert result.ratio > 0 and math.isfinite(result.ratio)
    assert "200 vs 20 documents (sqlite)" in result.name
    assert result.goal == record_scaling.GOAL and not result.higher_is_better


def test_a_slow_spell_over_some_rounds_does_not_skew_the_ratio() -> None:
    # The machine is twice as slow until the middle of round 3 (after its small round): the
    # medians of each side (2.0 and 1.2) would read 0.6; each pair of rounds still reads 1.2.
    small_rounds = [2.0, 2.0, 2.0, 1.0, 1.0]
    large_rounds = [2.4, 2.4, 1.2, 1.2, 1.2]
    assert median_paired_ratio(small_rounds, large_rounds) == pytest.approx(1.2)
    with pytest.raises(ValueError):
        median_paired_ratio([1.0, 1.0], [1.2])


def test_results_are_saved_with_goal_and_verdict(tmp_path: Path) -> None:
    results = [
        BenchResult("fast enough", 1.2, 1.5, False, "x"),
        BenchResult("too slow", 2.0, 1.5, False, "y"),
        skipped("peer", "not installed"),
    ]
    save_results(results, tmp_path / "results.json")
    saved = json.loads((tmp_path / "results.json").read_text())
    assert [entry["met"] for entry in saved["results"]] == [True, False, False]
    assert saved["results"][2]["skipped"] == "not installed"


def test_only_option_runs_one_benchmark_and_writes_results(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # nothing listens on port 1: the PostgreSQL half is reported as skipped, with the reason
    monkeypatch.setenv(POSTGRES_URL_VARIABLE, "postgresql+psycopg://nobody@127.0.0.1:1/none")
    output = tmp_path / "results.json"
    assert bench_main.main(["--tiny", "--only", "feeds", "--output", str(output)]) == 0
    results = json.loads(output.read_text())["results"]
    assert [entry["name"] for entry in results] == [
        "feeds build, 300 vs 30 documents (sqlite)",
        "archive scaling (postgresql)",
    ]
    assert results[0]["ratio"] > 0 and results[0]["goal"] == 1.5
    assert results[1]["skipped"] == "PostgreSQL is not reachable"


def test_cluster_lookup_scaling_finds_every_copy_in_both_archives(tmp_path: Path) -> None:
    # look_up raises when a copy's original is not found, so a ratio means every lookup succeeded
    result = cluster_lookup.run("sqlite", tmp_path, small=20, large=200, rounds=1)
    assert result.ratio > 0 and math.isfinite(result.ratio)
    assert "200 vs 20 documents (sqlite)" in result.name and "every copy found" in result.detail
    assert result.goal == cluster_lookup.GOAL and not result.higher_is_better
