"""Rebuilding the feeds after crawls, in one background thread, coalescing requests.

Crawls that end close together ask for a rebuild each; a rebuild already
waiting covers them all, so the builder never queues up behind itself and the
scheduler thread never waits for it.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable

from warta.monitoring.metrics import DaemonMetrics

logger = logging.getLogger(__name__)


class FeedRebuilder:
    """Run `build` in a background thread whenever a rebuild was requested since the last one."""

    def __init__(self, build: Callable[[], object], metrics: DaemonMetrics) -> None:
        self.build = build
        self.metrics = metrics
        self.builds = 0
        self._wanted = threading.Event()
        self._stopping = threading.Event()
        self._idle = threading.Event()
        self._idle.set()
        self._thread = threading.Thread(target=self._work, name="feed-builder", daemon=True)

    def start(self) -> None:
        """Start the builder thread."""
        self._thread.start()

    def request(self) -> None:
        """Ask for a rebuild; return at once."""
        self._idle.clear()
        self._wanted.set()

    def wait_idle(self, timeout_seconds: float) -> bool:
        """Wait until no rebuild is pending or running; return False on timeout."""
        return self._idle.wait(timeout_seconds)

    def stop(self, timeout_seconds: float) -> None:
        """Let a running rebuild finish (up to the timeout) and stop the thread."""
        self._stopping.set()
        self._wanted.set()
        self._thread.join(timeout=timeout_seconds)

    def _work(self) -> None:
        while True:
            self._wanted.wait()
            if self._stopping.is_set():
                return
            self._wanted.clear()
            started = time.monotonic()
            try:
                report = self.build()
            except Exception:
                self.metrics.feed_build_failures.inc()
                logger.exception(
                    "feed rebuild failed; the previous feeds stay in place", extra={"event": "feeds.build_failed"}
                )
            else:
                seconds = time.monotonic() - started
                self.builds += 1
                self.metrics.feed_build_seconds.observe(seconds)
                # the counts of a BuildReport (feeds, entries, files written...), when the builder returns one
                counts = {
                    name: getattr(report, name)
                    for name in ("feeds", "entries", "written", "unchanged", "removed")
                    if isinstance(getattr(report, name, None), int)
                }
                logger.info(
                    "feeds rebuilt in %.2fs",
                    seconds,
                    extra={"event": "feeds.built", "duration_seconds": round(seconds, 3), **counts},
                )
            if not self._wanted.is_set():
                self._idle.set()
