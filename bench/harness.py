"""The benchmark harness: results as ratios against a goal, printed as a table and saved as JSON."""

from __future__ import annotations

import json
import os
import platform
import statistics
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass
from datetime import UTC, datetime
from pathlib import Path

from rich.console import Console
from rich.table import Table


@dataclass(frozen=True)
class BenchResult:
    """One measured ratio and the goal it is held to."""

    name: str
    ratio: float
    goal: float
    higher_is_better: bool
    detail: str
    skipped: str = ""

    @property
    def met(self) -> bool:
        """Return True when the ratio meets its goal."""
        if self.skipped:
            return False
        return self.ratio >= self.goal if self.higher_is_better else self.ratio <= self.goal

    def goal_text(self) -> str:
        """Return the goal as text, e.g. '<= 1.5x'."""
        return f"{'>=' if self.higher_is_better else '<='} {self.goal:g}"


def skipped(name: str, reason: str) -> BenchResult:
    """Return a result that records why a benchmark could not run."""
    return BenchResult(name, float("nan"), 0.0, True, "", skipped=reason)


def median_seconds(action: Callable[[], object], rounds: int) -> float:
    """Return the median wall time of `rounds` calls of `action`."""
    timings = []
    for _ in range(rounds):
        start = time.perf_counter()
        action()
        timings.append(time.perf_counter() - start)
    return statistics.median(timings)


def median_paired_ratio(before: list[float], after: list[float]) -> float:
    """Return the median of after[i] / before[i]: each pair was measured in turn, under the same noise.

    A burst of machine noise during one round skews one pair, where it would skew a
    whole side of a ratio of medians taken over few rounds.
    """
    return statistics.median(late / early for early, late in zip(before, after, strict=True))


def machine_description() -> str:
    """Return a one-line description of the machine the benchmarks ran on."""
    return f"{platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}, {platform.system()}"


def print_results(results: list[BenchResult], console: Console | None = None) -> None:
    """Print the results as a table with goals and whether each is met."""
    table = Table(title=f"warta benchmarks ({machine_description()})")
    for column in ("benchmark", "ratio", "goal", "met", "detail"):
        table.add_column(column)
    for result in results:
        if result.skipped:
            table.add_row(result.name, "-", "-", "skipped", result.skipped)
            continue
        table.add_row(
            result.name,
            f"{result.ratio:.3f}",
            result.goal_text(),
            "[green]yes[/green]" if result.met else "[red]no[/red]",
            result.detail,
        )
    (console or Console()).print(table)


def save_results(results: list[BenchResult], path: Path) -> None:
    """Write the results, the machine and the time to a JSON file."""
    path.parent.mkdir(parents=True, exist_ok=True)
    document = {
        "measured_at": datetime.now(UTC).isoformat(timespec="seconds"),
        "machine": machine_description(),
        "results": [{**asdict(result), "met": result.met} for result in results],
    }
    path.write_text(json.dumps(document, indent=2) + "\n", encoding="utf-8")
