"""One scheduled crawl of one source: have the executor run it, then count, judge health and rebuild feeds.

Where the crawl runs and how its run is settled is the executor's
(executors.base); the job is safe to run twice because settling is.
"""

from __future__ import annotations

import logging
from collections.abc import Callable

from warta.config import SourceConfig
from warta.daemon.executors.base import CrawlExecutor, SettledRun
from warta.monitoring.metrics import DaemonMetrics
from warta.monitoring.source_monitor import SourceMonitor
from warta.storage.database import Database
from warta.storage.run_history import captures_by_status, document_count

logger = logging.getLogger(__name__)


class CrawlJob:
    """The scheduled job of one source: the executor crawls, then the job counts, judges and rebuilds."""

    def __init__(
        self,
        database: Database,
        executor: CrawlExecutor,
        monitor: SourceMonitor,
        metrics: DaemonMetrics,
        request_feed_build: Callable[[], None],
    ) -> None:
        self.database = database
        self.executor = executor
        self.monitor = monitor
        self.metrics = metrics
        self.request_feed_build = request_feed_build

    def run(self, source: SourceConfig, trigger: str = "schedule") -> SettledRun:
        """Crawl the source once and return its stored run (`trigger`: schedule, or request for crawl-now)."""
        # the run id is not known yet: the crawl child opens the run (crawl.finished carries it)
        logger.info(
            "crawl of %s started (%s)",
            source.id,
            trigger,
            extra={"event": "crawl.started", "source": source.id, "run_id": None, "trigger": trigger},
        )
        with self.metrics.crawls_in_progress.track_inprogress():
            settled = self.executor.run(source)
        seconds = settled.seconds
        pages = self._pages(settled.run_id)
        with self.database.reading() as session:
            self.metrics.set_documents({source.id: document_count(session, source.id)})
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
            extra={
                "event": "crawl.finished",
                "source": source.id,
                "run_id": settled.run_id,
                "trigger": trigger,
                "status": settled.status,
                "duration_seconds": round(seconds, 3),
                **counts.as_dict(),
                "error": settled.error,
            },
        )
        if settled.status != "interrupted":
            verdict, alert = self.monitor.update(source, run_id=settled.run_id)
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
