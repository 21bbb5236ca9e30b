"""The crawl executor interface: run one source's crawl to a settled run, and stop every crawl on shutdown.

Two implementations: `LocalExecutor` (executors.local) crawls in a child
process of the daemon (the demo and the tests crawl through it too),
`ScrapydExecutor` (executors.scrapyd.executor) on a Scrapyd node. The daemon
builds one from [daemon] executor and passes it to its CrawlJob. Either hands
the crawl the config the daemon accepted, never the file on disk. What happens
after the run is settled (metrics, health, alerts, feeds) is the job's, not the
executor's.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Protocol

from warta.config import SourceConfig, WartaConfig
from warta.storage.models import CrawlRun
from warta.storage.runs import RunCounts

# Returns the config the daemon runs on: the one it started with, or the last one a SIGHUP made it accept.
AcceptedConfig = Callable[[], WartaConfig]


@dataclass(frozen=True)
class SettledRun:
    """The run a crawl ended with, as stored, and the seconds the crawl took."""

    run_id: int | None
    status: str
    error: str
    counts: RunCounts
    finished_at: datetime | None
    seconds: float = 0.0

    @classmethod
    def of(cls, run: CrawlRun, seconds: float) -> SettledRun:
        """Return the settled run of a stored (closed) crawl run."""
        counts = RunCounts(**{name: getattr(run, name) for name in RunCounts().as_dict()})
        return cls(run.id, run.status, run.error or "", counts, run.finished_at, seconds)


class CrawlExecutor(Protocol):
    """Runs crawls somewhere and settles their runs in the archive."""

    def run(self, source: SourceConfig) -> SettledRun:
        """Crawl the source once and return its run, closed with its final status."""
        ...

    def stop_all(self) -> None:
        """Stop every crawl still running; their `run` calls return them as interrupted."""
        ...

    def close(self) -> None:
        """Release what the executor keeps between crawls, once none runs (the daemon is stopping)."""
        ...
