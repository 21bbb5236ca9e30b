"""Tiny runs of the benchmarks, so that `make bench` keeps working; no timing is asserted."""

from __future__ import annotations

import json
import math
from pathlib import Path

from bench import __main__ as bench_main
from bench import record_scaling
from bench.harness import BenchResult, save_results, skipped


def test_record_scaling_measures_both_archives(tmp_path: Path) -> None:
    result = record_scaling.run("sqlite", tmp_path, small=20, large=200, rounds=1)
    assert result.ratio > 0 and math.isfinite(result.ratio)
    assert "200 vs 20 documents (sqlite)" in result.name
    assert result.goal == record_scaling.GOAL and not result.higher_is_better


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


def test_only_option_runs_one_benchmark_and_writes_results(tmp_path: Path) -> None:
    output = tmp_path / "results.json"
    assert bench_main.main(["--tiny", "--only", "feeds", "--output", str(output)]) == 0
    names = [entry["name"] for entry in json.loads(output.read_text())["results"]]
    assert names and all(name.startswith(("feeds build", "archive scaling")) for name in names)
    assert any("(sqlite)" in name for name in names)
