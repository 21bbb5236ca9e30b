"""Running article extraction in worker processes, so the crawl's reactor never waits on trafilatura.

The pool uses the "forkserver" start method: workers never inherit the reactor,
open sockets or database connections of the crawling process. They are forked
from a clean server process that imported the extraction code (and trafilatura)
once, so a worker starts in milliseconds; with "spawn", each worker started a
fresh interpreter and imported them again (about half a CPU-second each). The
pool is created for one crawl and shut down at its end, and its workers die with
the crawl process however that ends, `kill -9` included (see `_die_with_crawl`).
Callers await `extract` from Scrapy callbacks (the asyncio reactor is installed,
so an asyncio future can be awaited).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import multiprocessing
import os
import select
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
    next page is never told: it would stay behind, orphaned. The worker's parent is the
    fork server, which itself waits for its workers to end, so the parent-death signal
    cannot help; instead a thread in the worker waits on the crawl's pid (a pidfd on
    Linux: woken by the kernel when the crawl ends, no polling) and ends the worker.
    """
    threading.Thread(target=_exit_when_gone, args=(crawl_pid,), name="watch-crawl", daemon=True).start()


def _exit_when_gone(crawl_pid: int) -> None:
    """Wait until the crawl process has ended, then end this worker at once."""
    try:
        handle = os.pidfd_open(crawl_pid)
    except ProcessLookupError:  # the crawl ended before this worker started
        os._exit(1)
    except (AttributeError, OSError):  # no pidfd here: the portable fallback polls the pid
        with contextlib.suppress(ProcessLookupError):
            while True:
                os.kill(crawl_pid, 0)  # our own crawl: no PermissionError
                time.sleep(PARENT_POLL_SECONDS)
        os._exit(1)
    select.select([handle], [], [])  # readable once the process has ended
    os._exit(1)


def _warm_up() -> None:
    """Make sure a new worker has the extraction code (and trafilatura) loaded before its first page arrives.

    The fork server preloads it, so this costs nothing in a worker forked from it. The
    crawling process imports neither: it only sends pages to the workers.
    """
    import warta.crawler.extraction  # noqa: F401


def _worker_context() -> multiprocessing.context.BaseContext:
    """Return the fork-server context whose server preloads the extraction code (once per crawl process)."""
    context = multiprocessing.get_context("forkserver")
    context.set_forkserver_preload(["warta.crawler.extraction"])
    return context


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
                mp_context=_worker_context(),
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
