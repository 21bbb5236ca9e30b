"""Recrawl cost: a second crawl of the unchanged site, as a fraction of the first's bytes and time.

Goals: at most 3% of the bytes and 15% of the time. The second crawl revisits
every known page (revisit_days covers them all) with the validators stored by
the first, so an unchanged site answers 304 Not Modified and nothing is
downloaded or extracted again. Both crawls are whole `warta crawl` processes.
"""

from __future__ import annotations

from pathlib import Path

from bench.crawls import CrawlMeasure, crawl_once
from bench.harness import BenchResult

BYTES_GOAL = 0.03
TIME_GOAL = 0.15


def run(config: Path, first: CrawlMeasure) -> tuple[list[BenchResult], CrawlMeasure]:
    """Crawl again with the first crawl's config; return the byte and time fractions and the measure."""
    second = crawl_once(config)
    counts = f"{second.requests} requests, {second.not_modified} not modified, {second.pages_recorded} re-extracted"
    return [
        BenchResult(
            name="recrawl of the unchanged site: bytes vs first crawl",
            ratio=second.bytes / first.bytes,
            goal=BYTES_GOAL,
            higher_is_better=False,
            detail=f"{second.bytes:,} B vs {first.bytes:,} B ({counts})",
        ),
        BenchResult(
            name="recrawl of the unchanged site: time vs first crawl",
            ratio=second.seconds / first.seconds,
            goal=TIME_GOAL,
            higher_is_better=False,
            detail=f"{second.seconds:.1f} s vs {first.seconds:.1f} s, whole `warta crawl` processes",
        ),
    ], second
