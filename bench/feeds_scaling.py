"""Cost of `warta feeds build` on a large archive against a small one (goal: at most 1.5 times).

Both archives are seeded with topic memberships, and their stored topic
fingerprint matches the config, as after any build: this measures the build an
operator runs after every crawl (read each feed's newest entries, render Atom,
RSS and JSON Feed, the OPML and the index page, write what changed), not the
one-off rematch after a topic definition changes. Builds alternate between the
two archives, so machine noise affects both alike.
"""

from __future__ import annotations

import statistics
import time
from pathlib import Path

from bench.archives import archive_config
from bench.harness import BenchResult, median_paired_ratio
from warta.feeds.builder import FeedBuilder
from warta.storage.database import Database

GOAL = 1.5


def run(
    backend: str, small_db: Database, large_db: Database, small: int, large: int, folder: Path, rounds: int = 5
) -> BenchResult:
    """Return the ratio of the feed build time at `large` documents to that at `small` documents."""
    builders = {
        "small": FeedBuilder.from_config(archive_config(small_db.url, folder / f"feeds-small-{backend}"), small_db),
        "large": FeedBuilder.from_config(archive_config(large_db.url, folder / f"feeds-large-{backend}"), large_db),
    }
    reports = {name: builder.build() for name, builder in builders.items()}  # first build writes every file
    timings: dict[str, list[float]] = {"small": [], "large": []}
    for _ in range(rounds):
        for name, builder in builders.items():
            start = time.perf_counter()
            builder.build()
            timings[name].append(time.perf_counter() - start)
    small_seconds, large_seconds = statistics.median(timings["small"]), statistics.median(timings["large"])
    report = reports["large"]
    return BenchResult(
        name=f"feeds build, {large:,} vs {small:,} documents ({backend})",
        ratio=median_paired_ratio(timings["small"], timings["large"]),
        goal=GOAL,
        higher_is_better=False,
        detail=(
            f"{large_seconds * 1000:.0f} ms vs {small_seconds * 1000:.0f} ms per build "
            f"({report.feeds} feeds, {report.entries} entries, median of {rounds})"
        ),
    )
