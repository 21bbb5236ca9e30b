"""Ingest throughput: a full `warta crawl` of the generated site against `trafilatura.extract` alone (goal >= 1.3).

The crawl is timed from process start to exit and includes fetching every page
from the site (served by another process), extraction in warta's worker
processes, and recording each page, its capture and its topic memberships in
SQLite. The baseline is `trafilatura.extract(html)` with default settings over
the same pages' HTML, one after the other in this process, as a script that
uses trafilatura alone would do: the first half of the pages before the crawl and
the second half after it, so that a drift in the machine's speed during the run
moves both sides alike. Both are in pages per second.
"""

from __future__ import annotations

import os
import time
from pathlib import Path

from bench.crawls import CrawlMeasure, crawl_once
from bench.harness import BenchResult
from bench.workload import Workload, bench_config, sitemap_source

GOAL = 1.3


def first_crawl(workload: Workload, site_url: str, folder: Path) -> tuple[Path, CrawlMeasure]:
    """Crawl the whole site once into a new SQLite archive; return the config used and the measure."""
    folder.mkdir(parents=True, exist_ok=True)
    config = bench_config(folder, f"sqlite:///{folder / 'warta.db'}", [sitemap_source(site_url)])
    measure = crawl_once(config)
    if measure.pages_recorded < len(workload.article_paths) * 0.95:
        raise RuntimeError(
            f"the crawl recorded only {measure.pages_recorded} of {len(workload.article_paths)} pages "
            f"({measure.errors} errors); see the crawl log by running warta --config {config} crawl"
        )
    return config, measure


def trafilatura_seconds(pages: list[str]) -> float:
    """Return the seconds `trafilatura.extract` takes over the pages, one after the other."""
    import trafilatura

    trafilatura.extract(pages[0])  # first call loads trafilatura's lazily built tables
    start = time.perf_counter()
    for page in pages:
        trafilatura.extract(page)
    return time.perf_counter() - start


def result(crawl: CrawlMeasure, baseline_pages: int, baseline_seconds: float) -> BenchResult:
    """Return warta's crawl throughput as a multiple of the lone extraction's."""
    warta_rate = crawl.pages_recorded / crawl.seconds
    baseline_rate = baseline_pages / baseline_seconds
    return BenchResult(
        name=f"ingest throughput, warta crawl vs trafilatura.extract ({crawl.pages_recorded:,} pages)",
        ratio=warta_rate / baseline_rate,
        goal=GOAL,
        higher_is_better=True,
        detail=(
            f"{warta_rate:.1f} pages/s ({crawl.seconds:.1f} s, {crawl.bytes / 2**20:.0f} MB fetched) "
            f"vs {baseline_rate:.1f} pages/s extraction alone{cpu_budget(crawl, baseline_seconds / baseline_pages)}"
        ),
    )


def cpu_budget(crawl: CrawlMeasure, baseline_seconds_per_page: float) -> str:
    """Return where the crawl's CPU went a page, against the lone extraction's, and what the goal would allow.

    Throughput is the cores kept busy divided by the CPU a page costs, so at the same use of the
    cores, GOAL times the lone extraction's rate needs the whole crawl's CPU a page to be at most
    the lone extraction's times (cores busy / GOAL). Empty when the crawl's CPU was not measured.
    """
    pages = crawl.pages_recorded
    if crawl.cpu_seconds <= 0 or pages == 0 or crawl.seconds <= 0:
        return ""
    own, workers = crawl.crawl_cpu_seconds / pages * 1000, crawl.workers_cpu_seconds / pages * 1000
    total, lone = own + workers, baseline_seconds_per_page * 1000
    busy = crawl.cpu_seconds / crawl.seconds
    return (
        f"; CPU a page: {own:.1f} ms in the crawl process + {workers:.1f} ms in its extraction workers = "
        f"{total:.1f} ms, {total / lone:.2f} times the lone extraction's {lone:.1f} ms; the crawl kept {busy:.2f} "
        f"of {os.cpu_count()} cores busy, at which {GOAL:g} times needs at most {lone * busy / GOAL:.1f} ms a page"
    )
