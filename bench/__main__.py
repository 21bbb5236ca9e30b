"""Run the benchmarks: `python -m bench` (full), `--tiny` (the smoke-test sizes), `--only NAME` (one benchmark)."""

from __future__ import annotations

import argparse
import logging
import tempfile
import time
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from pathlib import Path
from typing import TypeVar

from rich.console import Console

from bench import (
    cluster_lookup,
    dedup_eval,
    event_eval,
    export_memory,
    extraction,
    feeds_scaling,
    ingest,
    peer_newsplease,
    record_scaling,
    recrawl,
    rendering,
    search_scaling,
    search_upkeep,
    soak,
    story_page,
)
from bench.archives import SeededArchives
from bench.databases import postgres_url
from bench.harness import BenchResult, print_results, save_results, skipped
from bench.workload import SiteProcess, generate_site

BENCHMARKS = (
    "extraction",
    "ingest",
    "peer",
    "recrawl",
    "render",
    "record",
    "clusters",
    "feeds",
    "export",
    "search",
    "story",
    "soak",
    "events",
    "dedup",
)
FULL = {
    "pages": 2_000,
    "extraction_pages": 0,  # all 990
    "extraction_rounds": 10,
    "peer_sample": 100,
    "record_small": 1_000,
    "record_large": 500_000,
    "lookup_small": 1_000,
    "lookup_large": 500_000,
    "feeds_small": 1_000,
    "export_small": 10_000,
    "archive_large": 100_000,
    "search_small": 1_000,
    "search_large": 100_000,
    "story_requests": 200,
    "soak_crawls": 300,
    "soak_pages": 10,
    "render_pages": 500,
}
TINY = {
    "pages": 30,
    "extraction_pages": 20,
    "extraction_rounds": 2,
    "peer_sample": 5,
    "record_small": 100,
    "record_large": 1_000,
    "lookup_small": 100,
    "lookup_large": 1_000,
    "feeds_small": 30,
    "export_small": 30,
    "archive_large": 300,
    "search_small": 30,
    "search_large": 300,
    "story_requests": 20,
    "soak_crawls": 4,
    "soak_pages": 3,
    "render_pages": 60,
}
console = Console(stderr=True)
T = TypeVar("T")


def main(argv: list[str] | None = None) -> int:
    """Run the chosen benchmarks, print the ratios with their goals and write bench/results.json."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--tiny", action="store_true", help="tiny sizes, to check that the benchmarks work")
    parser.add_argument("--only", choices=BENCHMARKS, action="append", help="run only this benchmark (repeatable)")
    parser.add_argument("--output", type=Path, default=Path("bench/results.json"))
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.WARNING)
    results = run_benchmarks(TINY if args.tiny else FULL, set(args.only or BENCHMARKS))
    print_results(results, Console(width=200))
    save_results(results, args.output)
    return 0


def run_benchmarks(sizes: dict[str, int], chosen: set[str]) -> list[BenchResult]:
    """Run the chosen benchmarks at these sizes and return their results in a fixed order."""
    results: list[BenchResult] = []
    backends = ["sqlite"] + (["postgresql"] if postgres_url() else [])
    with tempfile.TemporaryDirectory(prefix="warta-bench-") as name:
        folder = Path(name)
        # Extraction per page and the crawl benchmarks run alone: the crawl uses both cores, its baseline one.
        if "extraction" in chosen:
            pages, rounds = sizes["extraction_pages"], sizes["extraction_rounds"]
            results += _step("extraction per page", lambda: extraction.run(pages, rounds))
        peer: Callable[[], BenchResult] | None = None
        if chosen & {"ingest", "peer", "recrawl"}:
            crawl_results, peer = _crawl_benchmarks(sizes, chosen, folder / "crawl")
            results += crawl_results
        if "render" in chosen:  # alone too: the browser and the crawl use both cores
            pages = sizes["render_pages"]
            results += _step("rendered crawl", lambda: rendering.run(folder / "render", pages))
        # The soak measures memory and open descriptors, not time, and waits on its schedule most of
        # the time, so it runs beside the archive benchmarks, whose ratios compare two sizes measured
        # under the same conditions; news-please is installed meanwhile and measured alone at the end
        # (this keeps `make bench` within 20 minutes).
        with ThreadPoolExecutor(max_workers=2) as background:
            soaking: Future[list[BenchResult]] | None = None
            if "soak" in chosen:
                crawls, pages = sizes["soak_crawls"], sizes["soak_pages"]
                soaking = background.submit(_step, "daemon soak", lambda: soak.run(folder / "soak", crawls, pages))
            installing = background.submit(peer_newsplease.newsplease_python) if peer is not None else None
            if chosen & {"record", "clusters", "feeds", "export", "search", "story"}:
                results += _archive_benchmarks(sizes, chosen, backends, folder / "archives")
            soak_results = soaking.result() if soaking is not None else []
            if peer is not None and installing is not None:
                installing.result()
                results.insert(1 if "ingest" in chosen else 0, _step("news-please", peer))
            results += soak_results
    if "events" in chosen:  # quality, not speed: the same figures at every size
        results += _step("events evaluation", event_eval.run)
    if "dedup" in chosen:  # quality: the sample, and all of ../shared/corpus when it is there
        results += _step("near-duplicate evaluation", dedup_eval.run)
    return results


def _crawl_benchmarks(
    sizes: dict[str, int], chosen: set[str], folder: Path
) -> tuple[list[BenchResult], Callable[[], BenchResult] | None]:
    """Generate and serve the site, crawl it, compare with trafilatura and a recrawl; return the peer's run."""
    results: list[BenchResult] = []
    workload = _step("generate the site", lambda: generate_site(folder / "site", sizes["pages"]))
    with SiteProcess(workload.root) as site:
        # the lone extraction runs half before the crawl and half after it: this machine's speed can
        # drift by a fifth within minutes, and a drift then moves both sides of the ratio alike
        pages = workload.article_html(site.url) if "ingest" in chosen else []
        halves = (pages[: len(pages) // 2], pages[len(pages) // 2 :])
        seconds = (
            _step("trafilatura.extract alone, first half", lambda: ingest.trafilatura_seconds(halves[0]))
            if pages
            else 0.0
        )
        config, first = _step("first crawl", lambda: ingest.first_crawl(workload, site.url, folder / "warta"))
        if "ingest" in chosen:
            seconds += _step("trafilatura.extract alone, second half", lambda: ingest.trafilatura_seconds(halves[1]))
            results.append(ingest.result(first, len(pages), seconds))
        if "recrawl" in chosen:
            results += _step("recrawl", lambda: recrawl.run(config, first))[0]
        site_url = site.url
    if "peer" not in chosen:
        return results, None
    # news-please reads the generated files (the site's URL only names the pages), after its install
    files = workload.article_files()
    return results, lambda: peer_newsplease.run(files, site_url, first, sizes["peer_sample"])


def _archive_benchmarks(
    sizes: dict[str, int], chosen: set[str], backends: list[str], folder: Path
) -> list[BenchResult]:
    """Run the archive-scaling benchmarks on every reachable database."""
    folder.mkdir(parents=True, exist_ok=True)
    results: list[BenchResult] = []
    for backend in backends:
        results += _archive_benchmarks_on(backend, sizes, chosen, folder)
    if "postgresql" not in backends:
        results.append(skipped("archive scaling (postgresql)", "PostgreSQL is not reachable"))
    return results


def _archive_benchmarks_on(backend: str, sizes: dict[str, int], chosen: set[str], folder: Path) -> list[BenchResult]:
    """Run the archive-scaling benchmarks on one database; the large seeded archive serves feeds and export."""
    results: list[BenchResult] = []
    large, feeds_small, export_small = sizes["archive_large"], sizes["feeds_small"], sizes["export_small"]
    if "record" in chosen:
        results.append(
            _step(
                f"record scaling ({backend})",
                lambda: record_scaling.run(backend, folder, sizes["record_small"], sizes["record_large"]),
            )
        )
    if "clusters" in chosen:
        lookup_small, lookup_large = sizes["lookup_small"], sizes["lookup_large"]
        results.append(
            _step(
                f"cluster lookup scaling ({backend})",
                lambda: cluster_lookup.run(backend, folder, lookup_small, lookup_large),
            )
        )
    if "search" in chosen:
        search_small, search_large = sizes["search_small"], sizes["search_large"]
        results += _step(
            f"search scaling ({backend})", lambda: search_scaling.run(backend, folder, search_small, search_large)
        )
        results.append(_step(f"search upkeep ({backend})", lambda: search_upkeep.run(backend, folder, search_small)))
    if "story" in chosen:
        requests = sizes["story_requests"]
        results.append(_step(f"story page ({backend})", lambda: story_page.run(backend, folder, requests)))
    with SeededArchives(folder) as archives:
        if "feeds" in chosen:
            results.append(
                _step(
                    f"feeds scaling ({backend})",
                    lambda: feeds_scaling.run(
                        backend,
                        archives.get(backend, feeds_small),
                        archives.get(backend, large),
                        feeds_small,
                        large,
                        folder,
                    ),
                )
            )
        if "export" in chosen:
            results += _step(
                f"export memory ({backend})",
                lambda: export_memory.run(
                    backend,
                    archives.get(backend, export_small),
                    archives.get(backend, large),
                    export_small,
                    large,
                    folder,
                ),
            )
    return results


def _step(label: str, action: Callable[[], T]) -> T:
    """Run one step of the benchmarks, telling the operator what runs and how long it took."""
    console.print(f"[bold]{label}[/bold] ...")
    start = time.perf_counter()
    value = action()
    console.print(f"  {label}: {time.perf_counter() - start:.1f} s")
    return value


if __name__ == "__main__":
    raise SystemExit(main())
