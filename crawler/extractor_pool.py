"""Running article extraction in worker processes, so the crawl's reactor never waits on trafilatura.

The pool uses the "spawn" start method: workers never inherit the reactor, open
sockets or database connections of the crawling process. It is created for one
crawl and shut down at its end, and its workers die with the crawl process
however that ends, `kill -9` included (see `_die_with_crawl`). Callers await `extract` from Scrapy callbacks
(the asyncio reactor is installed, so an asyncio future can be awaited).
"""

from __future__ import annotations

import asyncio
import ctypes
import logging
import multiprocessing
import os
import signal
import sys
import threading
import time
from concurrent.futures import Future, ProcessPoolExecutor
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo

if TYPE_CHECKING:
    from warta.crawler.extraction import Extracted

logger = logging.getLogger(__name__)

DEFAULT_WORKERS = 2
_PR_SET_PDEATHSIG = 1  # <linux/prctl.h>
PARENT_POLL_SECONDS = 1.0


@dataclass(frozen=True)
class Extraction:
    """What a worker returns: the extracted page (or None) and whether it reads as an article."""

    extracted: Extracted | None
    is_article: bool


def extract_in_worker(
    body: bytes,
    url: str,
    language: str | None,
    timezone: ZoneInfo,
    fallback_title: str | None,
    fallback_published: datetime | None,
) -> Extraction:
    """Extract one page (runs in a worker process)."""
    from warta.crawler.extraction import extract_article, is_article  # workers only, see _warm_up

    extracted = extract_article(
        body,
        url,
        language=language,
        timezone=timezone,
        fallback_title=fallback_title,
        fallback_published=fallback_published,
    )
    return Extraction(extracted, extracted is not None and is_article(extracted))


def _die_with_crawl(crawl_pid: int) -> None:
    """Worker initializer: end this worker when the crawl process that started it ends, however it ends.

    A crawl killed with SIGKILL cannot shut its pool down, and a worker waiting for its
    next page is never told: it stayed behind, orphaned. On Linux the kernel kills the
    worker when its parent dies (PR_SET_PDEATHSIG, as the daemon does for its crawl
    children): at once, with no thread in the worker. It fires when the *thread* that
    started the worker ends; the pool starts its workers from the thread that submits
    the first page, the crawl's reactor thread, which lives as long as the crawl.
    Elsewhere a thread in the worker polls its parent's pid, the portable fallback.
    """
    if not _set_parent_death_signal():
        threading.Thread(target=_exit_when_orphaned, args=(crawl_pid,), name="watch-crawl", daemon=True).start()
    if os.getppid() != crawl_pid:  # the crawl died before the kernel was told to watch it
        os._exit(1)


def _set_parent_death_signal() -> bool:
    """Ask Linux to SIGKILL this process when its parent dies; return False where that is not available."""
    if not sys.platform.startswith("linux"):
        return False
    try:
        prctl = ctypes.CDLL(None, use_errno=True).prctl
    except (OSError, AttributeError):
        return False
    return int(prctl(_PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0)) == 0


def _exit_when_orphaned(crawl_pid: int) -> None:
    """Exit the worker once its parent is no longer the crawl (it was re-parented when the crawl died)."""
    while os.getppid() == crawl_pid:
        time.sleep(PARENT_POLL_SECONDS)
    os._exit(1)


def _warm_up() -> None:
    """Import the extraction code (and trafilatura) in a new worker, before its first page arrives.

    The crawling process imports neither: it only sends pages to the workers.
    """
    import warta.crawler.extraction  # noqa: F401


class ExtractorPool:
    """A process pool that extracts articles for one crawl."""

    def __init__(self, workers: int = DEFAULT_WORKERS) -> None:
        self.workers = workers
        self._executor: ProcessPoolExecutor | None = None

    @property
    def executor(self) -> ProcessPoolExecutor:
        """Return the worker pool, starting it on first use (a crawl of 304s never needs it)."""
        if self._executor is None:
            self._executor = ProcessPoolExecutor(
                max_workers=self.workers,
                mp_context=multiprocessing.get_context("spawn"),
                initializer=_die_with_crawl,
                initargs=(os.getpid(),),
            )
            # Start every worker now, so the second page does not wait for a second start-up.
            self._warming: list[Future[None]] = [self._executor.submit(_warm_up) for _ in range(self.workers)]
        return self._executor

    async def extract(
        self,
        body: bytes,
        url: str,
        *,
        language: str | None,
        timezone: ZoneInfo,
        fallback_title: str | None = None,
        fallback_published: datetime | None = None,
    ) -> Extraction:
        """Return the extraction of one page, computed in a worker process."""
        future = self.executor.submit(
            extract_in_worker, body, url, language, timezone, fallback_title, fallback_published
        )
        return await asyncio.wrap_future(future)

    def shutdown(self) -> None:
        """Stop the workers (pending extractions are cancelled)."""
        if self._executor is not None:
            self._executor.shutdown(wait=True, cancel_futures=True)
            self._executor = None

    def __enter__(self) -> ExtractorPool:
        return self

    def __exit__(self, *_exc: object) -> None:
        self.shutdown()
