"""Daemon soak: many short scheduled crawls; the daemon's memory and open files must not grow.

`warta daemon` runs as a child process with two small sources (a listing and an
RSS feed, each on its own local site) scheduled every second, until it has
finished the requested number of crawls (its /metrics counter
warta_crawl_runs_total). Meanwhile its resident memory (VmRSS in
/proc/PID/status) and open file descriptors (/proc/PID/fd) are sampled. The
first 10% of the crawls are warm-up; the median RSS over the last 10% of the
crawls is compared with the median over the 10% after warm-up (goal: at most
1.1 times). Descriptors are compared as those held throughout each window (the
same descriptor number pointing at the same file, pipe or socket in every
sample): a leaked one stays open from then on, while each crawl's log pipe and
the descriptors of starting a child come and go. Counting every open descriptor
instead measured how many crawls were in flight (on a slow or busy machine,
at least one at every sample of a window). Descriptors are read before the
sampler's own /metrics request.
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
from collections import Counter
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from bench.crawls import process_cpu
from bench.harness import BenchResult
from bench.workload import ARTICLE_FOLLOW, SiteProcess, bench_config, generate_site

RSS_GOAL = 1.1
FD_GOAL = 1.0
# CPU seconds per scheduled crawl measured before issue 23 (each crawl a fresh `warta crawl` process paying its imports,
# its extraction workers started afresh); the goal is at most half of it
CPU_PER_CRAWL_BEFORE = 2.06  # 30 crawls at commit 57512d2, load average 8
CPU_GOAL = CPU_PER_CRAWL_BEFORE / 2
SAMPLE_SECONDS = 0.5
SECONDS_PER_CRAWL_LIMIT = 10.0


@dataclass(frozen=True)
class Sample:
    """The daemon's state at one moment: crawls finished so far, resident memory and open descriptors."""

    crawls: int
    rss_bytes: int
    descriptors: frozenset[tuple[int, str]]
    cpu_seconds: float = 0.0  # the daemon's and its finished crawl processes' (see cpu_seconds)


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
                rss, fds = rss_bytes(daemon.pid), open_descriptors(daemon.pid)  # before the /metrics request
                done = finished_crawls(port)
                if done is not None:
                    samples.append(Sample(done, rss, fds, cpu_seconds(daemon.pid)))
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
    warm_fds = held_throughout(warm)
    last_fds = held_throughout(last)
    added = added_targets(warm, last)
    total = samples[-1].crawls
    peak = max(sample.rss_bytes for sample in samples)
    first, final = warm[0], samples[-1]
    per_crawl = (final.cpu_seconds - first.cpu_seconds) / max(1, final.crawls - first.crawls)
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
                f"open fds held throughout the last {window} crawls {last_fds} vs {warm_fds} "
                f"throughout the {window} after warm-up (the pipes of running crawls come and go)"
                + (f"; held at the end only: {', '.join(added)}" if added else "")
            ),
        ),
        BenchResult(
            name=f"daemon soak, {total} scheduled crawls: CPU seconds per crawl",
            ratio=per_crawl,
            goal=CPU_GOAL,
            higher_is_better=False,
            detail=(
                f"{per_crawl:.2f} CPU-s per crawl over crawls {first.crawls} to {final.crawls} (the daemon and every "
                f"process below it: crawls, the fork server, extraction workers); goal half of "
                f"{CPU_PER_CRAWL_BEFORE:g} before issue 23"
            ),
        ),
    ]


def cpu_seconds(pid: int) -> float:
    """Return the CPU time of process `pid` and all its descendants, running or ended (user and system).

    A crawl forked by the fork server, the server itself and the extraction workers count, whether
    they still run or were reaped (`bench.crawls.process_cpu`).
    """
    reading = process_cpu(pid)
    if reading is None:
        raise RuntimeError(f"process {pid} has ended: its CPU time can no longer be read")
    return reading[1]


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


def open_descriptors(pid: int) -> frozenset[tuple[int, str]]:
    """Return the open file descriptors of process `pid`, each as its number and what it points to."""
    found = set()
    for name in os.listdir(f"/proc/{pid}/fd"):
        target = _link(f"/proc/{pid}/fd/{name}")
        if target is not None:  # closed meanwhile
            found.add((int(name), target))
    return frozenset(found)


def held_throughout(samples: list[Sample]) -> int:
    """Return how many descriptors were open, unchanged, in every one of the samples."""
    return len(_held(samples))


def added_targets(before: list[Sample], after: list[Sample]) -> list[str]:
    """Return what the descriptors held throughout `after` point at beyond those held throughout `before`."""
    remaining = Counter(target for _, target in _held(before))
    added = []
    for target in sorted(target for _, target in _held(after)):
        if remaining[target] > 0:
            remaining[target] -= 1
        else:
            added.append(Path(target).name if target.startswith("/") else target.split(":")[0])
    return added


def _held(samples: list[Sample]) -> frozenset[tuple[int, str]]:
    return frozenset.intersection(*(sample.descriptors for sample in samples))


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
