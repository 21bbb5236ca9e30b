"""The daemon's side of operator controls: start requested crawls, honour pauses, at each tick.

`warta crawl-now`, `pause` and `resume` write to the database (storage.controls);
the leading daemon reads them every TICK_SECONDS. A standby reads nothing: it
takes over the requests still pending when it becomes the leader. Silences need
nothing here: the source monitor reads them when it raises an alert.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Collection
from datetime import datetime

from warta.monitoring.metrics import DaemonMetrics
from warta.storage.controls import Pause, active_pauses, pending_crawl_requests, take_crawl_request
from warta.storage.database import Database
from warta.storage.errors import StorageError, database_errors

logger = logging.getLogger(__name__)

# How often the daemon's main loop wakes: it checks signals, leadership and these controls.
TICK_SECONDS = 1.0


class SourceControls:
    """Apply what operators stored: crawls to start now, and sources whose scheduled runs are skipped."""

    def __init__(self, database: Database, metrics: DaemonMetrics) -> None:
        self.database = database
        self.metrics = metrics
        self.paused: dict[str, Pause] = {}
        self._failing = False

    def tick(
        self, configured: Collection[str], is_running: Callable[[str], bool], start: Callable[[str], None]
    ) -> None:
        """Start the requested crawls of idle sources and note pauses that began or ended."""
        try:
            with database_errors("cannot read the operators' requests from the database"):
                self._start_requested(configured, is_running, start)
        except StorageError as exc:
            if not self._failing:
                logger.warning("%s; retrying each tick", exc)
            self._failing = True
            return
        self._failing = False

    def _start_requested(
        self, configured: Collection[str], is_running: Callable[[str], bool], start: Callable[[str], None]
    ) -> None:
        with self.database.reading() as session:
            pauses, requests = active_pauses(session), pending_crawl_requests(session)
        self._note_pauses({key: pause for key, pause in pauses.items() if key in configured})
        for request in requests:
            # no overlap: a source still crawling keeps its request until the crawl ends
            if request.source_id in configured and is_running(request.source_id):
                continue
            with self.database.transaction() as session:
                if not take_crawl_request(session, request):
                    continue
            self._start(request.source_id, request.by, configured, start)

    def pause_of(self, source_id: str) -> Pause | None:
        """Return the source's pause in force now, read from the database (None: not paused)."""
        with self.database.reading() as session:
            return active_pauses(session).get(source_id)

    def _start(self, source_id: str, by: str, configured: Collection[str], start: Callable[[str], None]) -> None:
        fields = {"event": "crawl.requested", "source": source_id, "run_id": None, "requested_by": by}
        if source_id not in configured:
            logger.warning("crawl of %s requested by %s: no such source in this daemon's config", source_id, by)
            return
        logger.info("crawl of %s requested by %s: starting it", source_id, by, extra=fields)
        start(source_id)

    def _note_pauses(self, pauses: dict[str, Pause]) -> None:
        for source_id in sorted(pauses.keys() - self.paused.keys()):
            pause = pauses[source_id]
            until = f"until {pause.until:%Y-%m-%d %H:%M} UTC" if pause.until else "until resumed"
            logger.info(
                "source %s paused by %s %s: its scheduled runs are skipped",
                source_id,
                pause.by,
                until,
                extra={
                    "event": "source.paused",
                    "source": source_id,
                    "paused_by": pause.by,
                    "until": _iso(pause.until),
                },
            )
            self.metrics.set_paused(source_id, True)
        for source_id in sorted(self.paused.keys() - pauses.keys()):
            logger.info(
                "source %s resumed: its scheduled runs start again",
                source_id,
                extra={"event": "source.resumed", "source": source_id},
            )
            self.metrics.set_paused(source_id, False)
        self.paused = pauses


def _iso(when: datetime | None) -> str | None:
    return when.isoformat() if when is not None else None
