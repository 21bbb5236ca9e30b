"""Rendered crawling: pages/s and bytes per page against plain fetching of the same pages, and the browser's memory.

The generated site's articles are crawled twice through its sitemap: once plainly, once with
`render = "browser"`. While the rendered crawl runs, the proportional memory (PSS) of its Chromium
processes is sampled beside the number of pages rendered so far; the goal is flat memory: the peak
over the whole crawl at most 1.2 times the peak over its first 50 pages (each page has a fresh
browser context, closed after use).
"""

from __future__ import annotations

import sqlite3
import sys
import threading
from dataclasses import dataclass, field
from pathlib import Path

from bench.crawls import CrawlMeasure, crawl_once
from bench.harness import BenchResult, skipped
from bench.workload import SiteProcess, bench_config, generate_site, sitemap_source
from warta.crawler.browser import find_browser

EARLY_PAGES = 50
MEMORY_GOAL = 1.2
# Rendering runs a browser per page; a tenth of plain fetching's pace is what the goal asks at least.
SPEED_GOAL = 0.1
SAMPLE_SECONDS = 0.25


@dataclass
class MemoryTrace:
    """(pages rendered so far, browser PSS in bytes) samples of one rendered crawl."""

    samples: list[tuple[int, int]] = field(default_factory=list)

    def peak(self, up_to_pages: int | None = None) -> int:
        """Return the highest memory sampled (while at most `up_to_pages` pages were rendered)."""
        chosen = [memory for pages, memory in self.samples if up_to_pages is None or pages <= up_to_pages]
        return max(chosen, default=0)


def run(folder: Path, pages: int) -> list[BenchResult]:
    """Crawl `pages` generated articles plainly and rendered; return the speed and memory results."""
    if find_browser(None) is None:
        reason = "no Chromium found (apt install chromium)"
        return [skipped("rendered crawl speed", reason), skipped("browser memory", reason)]
    workload = generate_site(folder / "site", pages, mix_corpus=False)
    with SiteProcess(workload.root) as site:
        plain_config = _config(folder / "plain", site.url, render=False)
        plain = crawl_once(plain_config)
        rendered_config = _config(folder / "rendered", site.url, render=True)
        rendered, trace = _rendered_crawl(rendered_config, folder / "rendered" / "warta.db")
    return [_speed_result(plain, rendered, folder), _memory_result(trace, rendered.pages_recorded)]


def _config(folder: Path, site_url: str, render: bool) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    source = sitemap_source(site_url)
    if render:
        source["render"] = "browser"
    # the crawler's default pages in flight (2 browser pages) against the same plain concurrency
    return bench_config(folder, f"sqlite:///{folder / 'warta.db'}", [source], concurrency=2)


def _rendered_crawl(config: Path, database: Path) -> tuple[CrawlMeasure, MemoryTrace]:
    """Run the rendered crawl while a thread samples the browser's memory and the pages rendered."""
    trace = MemoryTrace()
    done = threading.Event()
    crawl_pid: list[int] = []

    def sample() -> None:
        while not done.wait(SAMPLE_SECONDS):
            if crawl_pid:
                trace.samples.append((_rendered_pages(database), _browser_memory(crawl_pid[0])))

    sampler = threading.Thread(target=sample, daemon=True)
    sampler.start()
    try:
        measure = crawl_once(config, on_start=crawl_pid.append)
    finally:
        done.set()
        sampler.join()
    return measure, trace


def _rendered_pages(database: Path) -> int:
    try:
        with sqlite3.connect(f"file:{database}?mode=ro", uri=True, timeout=1) as connection:
            return int(connection.execute("SELECT count(*) FROM captures WHERE method = 'RENDER'").fetchone()[0])
    except sqlite3.Error:
        return 0


def _browser_memory(root_pid: int) -> int:
    """Return the summed PSS (else RSS) of the Chromium processes below `root_pid`, in bytes."""
    total = 0
    for pid in _descendants(root_pid):
        try:
            name = Path(f"/proc/{pid}/comm").read_text().strip()
            if "chrom" not in name:
                continue
            total += _memory_of(pid)
        except OSError:
            continue  # the process ended between the listing and the read
    return total


def _memory_of(pid: int) -> int:
    for path, key in ((f"/proc/{pid}/smaps_rollup", "Pss:"), (f"/proc/{pid}/status", "VmRSS:")):
        try:
            for line in Path(path).read_text().splitlines():
                if line.startswith(key):
                    return int(line.split()[1]) * 1024
        except OSError:
            continue
    return 0


def _descendants(pid: int) -> list[int]:
    found, queue = [], [pid]
    while queue:
        current = queue.pop()
        try:
            children = Path(f"/proc/{current}/task/{current}/children").read_text().split()
        except OSError:
            continue
        for child in children:
            found.append(int(child))
            queue.append(int(child))
    return found


def _stored_bytes(database: Path) -> tuple[int, int]:
    """Return the bytes of the server's bodies and of the rendered DOMs kept as captures."""
    with sqlite3.connect(f"file:{database}?mode=ro", uri=True) as connection:
        rows = dict(
            connection.execute(
                "SELECT method = 'RENDER', coalesce(sum(body_size), 0) FROM captures GROUP BY method = 'RENDER'"
            ).fetchall()
        )
    return int(rows.get(0, 0)), int(rows.get(1, 0))


def _speed_result(plain: CrawlMeasure, rendered: CrawlMeasure, folder: Path) -> BenchResult:
    plain_rate = plain.pages_recorded / plain.seconds
    rendered_rate = rendered.pages_recorded / rendered.seconds
    served, doms = _stored_bytes(folder / "rendered" / "warta.db")
    pages = max(rendered.pages_recorded, 1)
    detail = (
        f"rendered {rendered_rate:.1f} pages/s vs plain {plain_rate:.1f} pages/s "
        f"({rendered.pages_recorded} and {plain.pages_recorded} pages, {rendered.errors} errors); "
        f"bytes per page: plain {plain.bytes / max(plain.pages_recorded, 1):,.0f} received, rendered "
        f"{served / pages:,.0f} received + {doms / pages:,.0f} rendered DOM kept"
    )
    return BenchResult("rendered crawl speed", rendered_rate / plain_rate, SPEED_GOAL, True, detail)


def _memory_result(trace: MemoryTrace, pages: int) -> BenchResult:
    early, peak = trace.peak(EARLY_PAGES), trace.peak()
    if early == 0:
        return skipped("browser memory", f"no memory sample within the first {EARLY_PAGES} rendered pages")
    detail = (
        f"browser PSS peak {peak / 2**20:.0f} MiB over {pages} rendered pages vs {early / 2**20:.0f} MiB "
        f"over the first {EARLY_PAGES} ({len(trace.samples)} samples)"
    )
    return BenchResult("browser memory", peak / early, MEMORY_GOAL, False, detail)


if __name__ == "__main__":  # python -m bench.rendering FOLDER PAGES
    for result in run(Path(sys.argv[1]), int(sys.argv[2])):
        print(result)
