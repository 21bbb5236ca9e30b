"""Running `warta crawl` as an operator does (a fresh process) and reading back what it counted."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

# how often the crawl's CPU time (its own and its tree's) is read while it runs: the last reading before it ends counts
CPU_SAMPLE_SECONDS = 0.1


@dataclass(frozen=True)
class CrawlMeasure:
    """One whole `warta crawl`: its wall time (process start to exit) and the counts it reported."""

    seconds: float
    requests: int
    bytes: int
    new: int
    changed: int
    unchanged: int
    not_modified: int
    errors: int
    cpu_seconds: float = 0.0  # user and system: the crawl process and every process below it (extraction workers)
    crawl_cpu_seconds: float = 0.0  # the crawl process alone

    @property
    def pages_recorded(self) -> int:
        """Return the article pages that were extracted and recorded (new, changed or unchanged)."""
        return self.new + self.changed + self.unchanged

    @property
    def workers_cpu_seconds(self) -> float:
        """Return the CPU time of the processes below the crawl: its fork server and extraction workers."""
        return max(0.0, self.cpu_seconds - self.crawl_cpu_seconds)


def crawl_once(
    config: Path, timeout_seconds: float = 1800, on_start: Callable[[int], object] | None = None
) -> CrawlMeasure:
    """Run `warta --config CONFIG crawl --json` in a fresh process and return its measure.

    `on_start` is called with the crawl process's pid once it runs (to sample it meanwhile).
    Its CPU time, and that of the processes below it, is read while it runs (`_CpuSampler`).
    """
    command = [sys.executable, "-m", "warta", "--config", str(config), "--log-level", "warning", "crawl", "--json"]
    start = time.perf_counter()
    with subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True) as process:
        cpu = _CpuSampler(process.pid)
        if on_start is not None:
            on_start(process.pid)
        try:
            stdout, stderr = process.communicate(timeout=timeout_seconds)
        except subprocess.TimeoutExpired:
            process.kill()
            raise
        finally:
            cpu.stop()
    seconds = time.perf_counter() - start
    if process.returncode != 0:
        raise RuntimeError(f"`{' '.join(command)}` failed with status {process.returncode}: {stderr[-2000:]}")
    sources = json.loads(stdout.strip().splitlines()[-1])["sources"]

    def total(key: str) -> int:
        return sum(int(source.get(key) or 0) for source in sources)

    return CrawlMeasure(
        seconds=seconds,
        requests=total("requests"),
        bytes=total("bytes"),
        new=total("new"),
        changed=total("changed"),
        unchanged=total("unchanged"),
        not_modified=total("not_modified"),
        errors=total("errors"),
        cpu_seconds=cpu.tree,
        crawl_cpu_seconds=cpu.own,
    )


class _CpuSampler:
    """Reads a running process's CPU time, its own and its tree's (`process_cpu`), until `stop` is called.

    The kernel gives a parent its children's time only when it reaps them, and the crawl's extraction
    workers end on their own once the crawl has ended, so the readings are taken while the crawl runs:
    the last one before it ends counts, at most `CPU_SAMPLE_SECONDS` early.
    """

    def __init__(self, pid: int) -> None:
        self.own = self.tree = 0.0
        self._pid = pid
        self._done = threading.Event()
        self._thread = threading.Thread(target=self._sample, name="crawl-cpu", daemon=True)
        self._thread.start()

    def stop(self) -> None:
        """Stop sampling (the process has been reaped: its pid may be another's by now)."""
        self._done.set()
        self._thread.join()

    def _sample(self) -> None:
        while (reading := process_cpu(self._pid)) is not None:
            # a worker that ends unreaped leaves the tree with its time: the tree's figure never goes down
            self.own, self.tree = reading[0], max(self.tree, reading[1])
            if self._done.wait(CPU_SAMPLE_SECONDS):
                return


def process_cpu(pid: int) -> tuple[float, float] | None:
    """Return a running process's own CPU seconds and its tree's, or None once it has been reaped.

    User and system time from /proc/PID/stat. The tree's is the process's own, that of the children it
    has reaped, and the same of every process still running below it (a daemon's crawls, a crawl's fork
    server and extraction workers), whether those ran to the end or were reaped on the way.
    """
    ticks = _stat_ticks(pid)
    if ticks is None:
        return None
    own, tree = ticks
    below = _children(pid)
    while below:
        child = below.pop()
        if (child_ticks := _stat_ticks(child)) is not None:
            tree += child_ticks[1]
            below += _children(child)
    clock = os.sysconf("SC_CLK_TCK")
    return own / clock, tree / clock


def _stat_ticks(pid: int) -> tuple[int, int] | None:
    """Return a process's own clock ticks and those with its reaped children's, or None if it is gone."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return None
    # after the command name: utime, stime, cutime and cstime are fields 14 to 17 of the stat line
    own = int(fields[11]) + int(fields[12])
    return own, own + int(fields[13]) + int(fields[14])


def _children(pid: int) -> list[int]:
    """Return the pids of a process's running children (those of each of its threads)."""
    children: list[int] = []
    try:
        for task in Path(f"/proc/{pid}/task").iterdir():
            children += [int(child) for child in (task / "children").read_text().split()]
    except OSError:  # ended meanwhile
        pass
    return children
