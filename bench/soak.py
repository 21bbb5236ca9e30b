"""Daemon soak: many short scheduled crawls; the daemon's memory and open files must not grow.

`warta daemon` runs as a child process with two small sources (a listing and an
RSS feed, each on its own local site) scheduled every second, until it has
finished the requested number of crawls (its /metrics counter
warta_crawl_runs_total). Meanwhile its resident memory (VmRSS in
/proc/PID/status) and open file descriptors (/proc/PID/fd) are sampled. The
first 10% of the crawls are warm-up; the median RSS over the last 10% of the
crawls is compared with the median over the 10% after warm-up (goal: at most
1.1 times), and the fewest open descriptors in those two windows must not
grow. A crawl in flight holds one descriptor in the daemon, the pipe of its
log; those are not counted (on a busy machine two crawls are in flight at
every sample of a window), and descriptors are counted before the sampler's
own /metrics request, so that a leak is what raises the floor.
"""

from __future__ import annotations

import os
import signal
import socket
import statistics
import subprocess
import sys
import time
import urllib.request
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from bench.harness import BenchResult
from bench.workload import ARTICLE_FOLLOW, SiteProcess, bench_config, generate_site

RSS_GOAL = 1.1
FD_GOAL = 1.0
SAMPLE_SECONDS = 0.5
SECONDS_PER_CRAWL_LIMIT = 10.0


@dataclass(frozen=True)
class Sample:
    """The daemon's state at one moment: crawls finished so far, resident memory and open descriptors."""

    crawls: int
    rss_bytes: int
    open_fds: int


def run(folder: Path, crawls: int = 300, pages: int = 10) -> list[BenchResult]:
    """Run the daemon until it finished `crawls` crawls; return the RSS and descriptor growth."""
    listing = generate_site(folder / "site-listing", pages, seed=21, mix_corpus=False)
    feed = generate_site(folder / "site-feed", pages, seed=22, mix_corpus=False)
    with SiteProcess(listing.root) as listing_site, SiteProcess(feed.root) as feed_site:
        sources: list[dict[str, Any]] = [
            {
                "id": "agenda",
                "kind": "listing",
                "urls": [f"{listing_site.url}/berita/"],
                "follow": [ARTICLE_FOLLOW],
                "max_pages": 1,
                "schedule": "every 1s",
                "language": "id",
            },
            {
                "id": "kabar",
                "kind": "feed",
                "urls": [f"{feed_site.url}/rss.xml"],
                "schedule": "every 1s",
                "language": "id",
            },
        ]
        port = _free_port()
        daemon_settings = {"listen": f"127.0.0.1:{port}", "max_parallel_crawls": 2, "crawl_timeout": "60s"}
        config = bench_config(folder, f"sqlite:///{folder / 'soak.db'}", sources, extra={"daemon": daemon_settings})
        samples = _soak(config, port, crawls, folder / "daemon.log")
    return _results(samples, crawls)


def _soak(config: Path, port: int, crawls: int, log: Path) -> list[Sample]:
    """Start the daemon, sample it until `crawls` crawls finished, stop it; return the samples."""
    command = [sys.executable, "-m", "warta", "--config", str(config), "--log-level", "warning", "daemon"]
    samples: list[Sample] = []
    deadline = time.monotonic() + 30 + crawls * SECONDS_PER_CRAWL_LIMIT
    with log.open("wb") as stderr:
        daemon = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=stderr)
        try:
            while True:
                if daemon.poll() is not None:
                    raise RuntimeError(f"the daemon exited with status {daemon.returncode}; see {log}")
                if time.monotonic() > deadline:
                    raise RuntimeError(f"the daemon finished only {_last(samples)} of {crawls} crawls in time")
                rss, fds = rss_bytes(daemon.pid), open_fds(daemon.pid)  # before the /metrics request
                done = finished_crawls(port)
                if done is not None:
                    samples.append(Sample(done, rss, fds))
                    if done >= crawls:
                        break
                time.sleep(SAMPLE_SECONDS)
        finally:
            daemon.send_signal(signal.SIGTERM)
            try:
                daemon.wait(60)
            except subprocess.TimeoutExpired:
                daemon.kill()
                daemon.wait()
    return samples


def _results(samples: list[Sample], crawls: int) -> list[BenchResult]:
    """Compare the window after warm-up with the last window."""
    window = max(1, crawls // 10)
    warm = [sample for sample in samples if window <= sample.crawls < 2 * window] or samples[:1]
    last = [sample for sample in samples if sample.crawls >= crawls - window] or samples[-1:]
    warm_rss = statistics.median(sample.rss_bytes for sample in warm)
    last_rss = statistics.median(sample.rss_bytes for sample in last)
    warm_fds = min(sample.open_fds for sample in warm)
    last_fds = min(sample.open_fds for sample in last)
    total = samples[-1].crawls
    peak = max(sample.rss_bytes for sample in samples)
    return [
        BenchResult(
            name=f"daemon soak, {total} scheduled crawls: RSS growth after warm-up",
            ratio=last_rss / warm_rss,
            goal=RSS_GOAL,
            higher_is_better=False,
            detail=(
                f"median VmRSS {last_rss / 2**20:.1f} MB over the last {window} crawls vs "
                f"{warm_rss / 2**20:.1f} MB after {window} warm-up crawls (peak {peak / 2**20:.1f} MB)"
            ),
        ),
        BenchResult(
            name=f"daemon soak, {total} scheduled crawls: open file descriptors",
            ratio=last_fds / warm_fds,
            goal=FD_GOAL,
            higher_is_better=False,
            detail=(
                f"fewest open fds {last_fds} over the last {window} crawls vs {warm_fds} after warm-up "
                "(not counting running crawls' log pipes)"
            ),
        ),
    ]


def finished_crawls(port: int) -> int | None:
    """Return the daemon's warta_crawl_runs_total summed over sources and results, or None if it does not answer."""
    try:
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/metrics", timeout=5) as response:
            text = response.read().decode("utf-8")
    except OSError:
        return None
    return int(
        sum(float(line.rsplit(" ", 1)[1]) for line in text.splitlines() if line.startswith("warta_crawl_runs_total{"))
    )


def rss_bytes(pid: int) -> int:
    """Return the resident set size of process `pid` (VmRSS in /proc/PID/status)."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) * 1024
    raise RuntimeError(f"no VmRSS for process {pid}")


def open_fds(pid: int) -> int:
    """Return how many file descriptors process `pid` has open, but for the log pipes of its running children.

    A crawl child writes its log to stderr, a pipe whose other end the daemon reads: the
    daemon descriptor that shows the same pipe as a child's descriptor 2 belongs to that crawl.
    """
    children_logs = {_link(f"/proc/{child}/fd/2") for child in children(pid)} - {None}
    links = [_link(f"/proc/{pid}/fd/{fd}") for fd in os.listdir(f"/proc/{pid}/fd")]
    return sum(1 for link in links if link is not None and link not in children_logs)


def children(pid: int) -> list[int]:
    """Return the ids of the running child processes of process `pid`."""
    found: list[int] = []
    for task in os.listdir(f"/proc/{pid}/task"):
        try:
            found += [int(child) for child in Path(f"/proc/{pid}/task/{task}/children").read_text().split()]
        except OSError:  # the thread ended meanwhile
            continue
    return found


def _link(path: str) -> str | None:
    """Return what a /proc descriptor link points to, or None when it is gone."""
    try:
        return os.readlink(path)
    except OSError:
        return None


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def _last(samples: list[Sample]) -> int:
    return samples[-1].crawls if samples else 0
