"""One scheduled crawl of one source: run the child, settle its run record, count, judge health, rebuild feeds.

The job is safe to run twice: the child records its own run, and settling only
closes a run the child left open, or adds one when the child recorded none.
"""

from __future__ import annotations

import logging
import socket
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta

from warta.config import SourceConfig
from warta.daemon.executors.local import ChildResult, CrawlProcessRunner
from warta.monitoring.metrics import DaemonMetrics
from warta.monitoring.source_monitor import SourceMonitor
from warta.storage.database import Database
from warta.storage.models import CrawlRun
from warta.storage.run_history import captures_by_status, close_run, process_runs, record_failed_run
from warta.storage.runs import RunCounts
from warta.storage.types import utcnow

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class SettledRun:
    """The run a crawl ended with, as stored."""

    run_id: int | None
    status: str
    error: str
    counts: RunCounts
    finished_at: datetime | None


def settle_crawl(database: Database, source_id: str, started_at: datetime, child: ChildResult) -> SettledRun:
    """Make sure the crawl's run is closed with the right status, and return it."""
    host = socket.gethostname()
    # The child stamps its run a moment after it starts; allow for clock granularity.
    since = started_at - timedelta(seconds=1)
    verdict = _verdict(child)
    with database.transaction() as session:
        runs = process_runs(session, source_id, child.pid, host, since)
        run: CrawlRun | None = runs[0] if runs else None
        if run is not None and (run.status == "running" or _overrides_child(verdict)):
            # A child stopped by SIGTERM may close its own run as failed; the reason is ours to give.
            status, error = verdict or ("failed", child.describe_exit())
            close_run(session, run, status, error)
        elif run is None:
            if verdict is not None and verdict[0] == "interrupted":
                return SettledRun(None, "interrupted", verdict[1], RunCounts(), None)
            # No run of its own: the command never reached the crawl (bad config, crash at start).
            status, error = verdict or ("failed", child.describe_exit())
            run = session.get(CrawlRun, record_failed_run(session, source_id, started_at, status, error))
            assert run is not None
        counts = RunCounts(**{name: getattr(run, name) for name in RunCounts().as_dict()})
        return SettledRun(run.id, run.status, run.error or "", counts, run.finished_at)


def _overrides_child(verdict: tuple[str, str] | None) -> bool:
    return verdict is not None and verdict[0] in ("timeout", "interrupted")


def _verdict(child: ChildResult) -> tuple[str, str] | None:
    """Return the daemon's status for a child it had to stop or that died, or None to trust the child."""
    if child.timed_out:
        return "timeout", f"stopped after {child.seconds:.0f}s: the crawl ran past [daemon] crawl_timeout"
    if child.stopped:
        return "interrupted", "the daemon was shutting down and stopped the crawl"
    if child.returncode not in (0, 1):
        return "failed", child.describe_exit()
    return None


class CrawlJob:
    """The scheduled job of one source: crawl in a child, then record, count, judge and rebuild."""

    def __init__(
        self,
        database: Database,
        runner: CrawlProcessRunner,
        monitor: SourceMonitor,
        metrics: DaemonMetrics,
        command: Callable[[str], list[str]],
        request_feed_build: Callable[[], None],
        execute: Callable[[SourceConfig], tuple[SettledRun, float]] | None = None,
    ) -> None:
        self.database = database
        self.runner = runner
        self.monitor = monitor
        self.metrics = metrics
        self.command = command
        self.request_feed_build = request_feed_build
        # Another executor (e.g. Scrapyd nodes) runs and settles the crawl instead of a local child.
        self.execute = execute

    def run(self, source: SourceConfig) -> SettledRun:
        """Crawl the source once and return its stored run."""
        started_at = utcnow()
        logger.info("crawl of %s started", source.id)
        if self.execute is not None:
            settled, seconds = self.execute(source)
        else:
            child = self.runner.run(source.id, self.command(source.id))
            settled, seconds = settle_crawl(self.database, source.id, started_at, child), child.seconds
        pages = self._pages(settled.run_id)
        self.metrics.observe_run(source.id, settled.status, seconds, settled.counts.new, settled.counts.changed, pages)
        if settled.status == "ok" and settled.finished_at is not None:
            self.metrics.set_last_success(source.id, settled.finished_at)
        counts = settled.counts
        logger.info(
            "crawl of %s finished: %s in %.1fs, %d new, %d changed, %d unchanged, %d gone, %d errors, "
            "%d requests, %d bytes%s",
            source.id,
            settled.status,
            seconds,
            counts.new,
            counts.changed,
            counts.unchanged,
            counts.gone,
            counts.errors,
            counts.requests,
            counts.bytes,
            f" ({settled.error})" if settled.error else "",
        )
        if settled.status != "interrupted":
            verdict, alert = self.monitor.update(source)
            self.metrics.set_health(source.id, verdict.health)
            if alert is not None:
                self.metrics.alerts.labels(verdict.health).inc()
        if counts.new or counts.changed or counts.gone:
            self.request_feed_build()
        return settled

    def _pages(self, run_id: int | None) -> dict[int, int]:
        if run_id is None:
            return {}
        with self.database.reading() as session:
            return captures_by_status(session, run_id)
