"""Tiny runs of the crawl benchmarks: ingest against trafilatura, the news-please peer, recrawl and the soak."""

from __future__ import annotations

import math
import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from bench import ingest, peer_newsplease, recrawl, soak
from bench.crawls import CrawlMeasure
from bench.workload import SiteProcess, Workload, generate_site

PAGES = 12


@pytest.fixture(scope="module")
def crawled(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Workload, str, Path, CrawlMeasure]]:
    """A tiny generated site, served, and crawled once by `warta crawl`."""
    folder = tmp_path_factory.mktemp("ingest")
    workload = generate_site(folder / "site", PAGES)
    with SiteProcess(workload.root) as site:
        config, first = ingest.first_crawl(workload, site.url, folder / "warta")
        yield workload, site.url, config, first


def test_first_crawl_records_every_page_and_counts_the_bytes(crawled) -> None:
    workload, _, _, first = crawled
    assert first.pages_recorded == PAGES and first.errors == 0
    # every article page was downloaded whole (the sitemap and robots.txt come on top)
    assert first.bytes >= workload.total_article_bytes()
    assert first.seconds > 0


def test_first_crawl_measures_the_cpu_of_the_crawl_process_and_of_its_extraction_workers(crawled) -> None:
    first = crawled[3]
    # both parts did work: the crawl process fetched and recorded, the workers below it extracted every page
    assert first.crawl_cpu_seconds > 0
    assert first.workers_cpu_seconds > 0


def test_ingest_detail_shows_the_cpu_a_page_and_what_the_goal_would_allow() -> None:
    # 100 pages in 10 s: the crawl process used 6 CPU-s and its workers 12, so 1.8 cores were busy
    crawl = CrawlMeasure(10.0, 101, 0, 100, 0, 0, 0, 0, cpu_seconds=18.0, crawl_cpu_seconds=6.0)
    detail = ingest.result(crawl, 100, 10.0).detail  # alone, trafilatura took 100 ms a page
    assert "60.0 ms in the crawl process + 120.0 ms in its extraction workers = 180.0 ms" in detail
    assert "1.80 times the lone extraction's 100.0 ms" in detail
    assert f"kept 1.80 of {os.cpu_count()} cores busy" in detail
    assert f"{ingest.GOAL:g} times needs at most {100 * 1.8 / ingest.GOAL:.1f} ms a page" in detail
    # a crawl whose CPU was not measured says nothing of it
    unmeasured = CrawlMeasure(10.0, 101, 0, 100, 0, 0, 0, 0)
    assert "CPU a page" not in ingest.result(unmeasured, 100, 10.0).detail


def test_ingest_result_compares_pages_per_second(crawled) -> None:
    workload, site_url, _, first = crawled
    pages = workload.article_html(site_url)
    seconds = ingest.trafilatura_seconds(pages)
    result = ingest.result(first, len(pages), seconds)
    assert result.ratio > 0 and math.isfinite(result.ratio)
    assert result.higher_is_better and result.goal == ingest.GOAL
    assert f"({PAGES:,} pages)" in result.name


def test_recrawl_of_unchanged_site_costs_a_fraction_of_the_first(crawled) -> None:
    _, _, config, first = crawled
    (byte_fraction, time_fraction), second = recrawl.run(config, first)
    assert second.not_modified >= PAGES and second.pages_recorded == 0  # the sitemap answers 304 too
    assert 0 <= byte_fraction.ratio < 0.5
    assert time_fraction.ratio > 0 and math.isfinite(time_fraction.ratio)


def test_newsplease_peer_runs_when_installed_or_says_why_not(crawled) -> None:
    workload, site_url, _, first = crawled
    python = peer_newsplease.CACHE / "newsplease-venv" / "bin" / "python"
    if not python.exists():
        pytest.skip("news-please is installed by the first `make bench` (a pip install of a minute or two)")
    result = peer_newsplease.run(workload.article_files(), site_url, first, sample=3)
    assert not result.skipped, result.skipped
    assert result.ratio > 0 and "3 of the pages" in result.detail


def test_daemon_soak_samples_memory_and_descriptors(tmp_path: Path) -> None:
    rss, fds, cpu = soak.run(tmp_path, crawls=2, pages=2)
    assert "scheduled crawls" in rss.name and rss.ratio > 0 and math.isfinite(rss.ratio)
    assert fds.ratio > 0 and "open fds" in fds.detail
    assert cpu.goal == soak.CPU_GOAL and not cpu.higher_is_better and cpu.ratio > 0 and "CPU-s per crawl" in cpu.detail


@pytest.mark.skipif(not Path("/proc/self/stat").exists(), reason="reads Linux's /proc")
def test_soak_cpu_counts_the_crawl_processes_the_daemon_has_reaped() -> None:
    before = soak.cpu_seconds(os.getpid())
    burn = "import time\nwhile time.process_time() < 0.3: pass"
    subprocess.run([sys.executable, "-c", burn], check=True)  # waited for, as the daemon waits for its crawls
    assert soak.cpu_seconds(os.getpid()) - before >= 0.29


@pytest.mark.skipif(not Path("/proc/self/fd").exists(), reason="reads Linux's /proc")
def test_soak_counts_descriptors_held_throughout_a_window_not_those_that_come_and_go(tmp_path: Path) -> None:
    def sample() -> soak.Sample:
        return soak.Sample(crawls=0, rss_bytes=0, descriptors=soak.open_descriptors(os.getpid()))

    baseline = soak.held_throughout([sample(), sample()])
    with (tmp_path / "leak").open("w"):  # a file left open through the window: what a leak looks like
        samples = []
        for _ in range(3):
            # a crawl's log pipe: open at this sample, closed before the next (its number may come back)
            reading, writing = os.pipe()
            samples.append(sample())
            os.close(reading)
            os.close(writing)
        assert soak.held_throughout(samples) == baseline + 1
        assert all(len(one.descriptors) >= baseline + 3 for one in samples), "each sample saw the pipe too"
        assert soak.added_targets([sample(), sample()], samples) == []
    assert soak.added_targets(after=samples, before=[sample(), sample()]) == ["leak"], "named in the report"
