"""Running `warta crawl` as an operator does (a fresh process) and reading back what it counted."""

from __future__ import annotations

import json
import subprocess
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path


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

    @property
    def pages_recorded(self) -> int:
        """Return the article pages that were extracted and recorded (new, changed or unchanged)."""
        return self.new + self.changed + self.unchanged


def crawl_once(
    config: Path, timeout_seconds: float = 1800, on_start: Callable[[int], object] | None = None
) -> CrawlMeasure:
    """Run `warta --config CONFIG crawl --json` in a fresh process and return its measure.

    `on_start` is called with the crawl process's pid once it runs (to sample it meanwhile).
    """
    command = [sys.executable, "-m", "warta", "--config", str(config), "--log-level", "warning", "crawl", "--json"]
    start = time.perf_counter()
    with subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True) as process:
        if on_start is not None:
            on_start(process.pid)
        try:
            stdout, stderr = process.communicate(timeout=timeout_seconds)
        except subprocess.TimeoutExpired:
            process.kill()
            raise
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
    )
