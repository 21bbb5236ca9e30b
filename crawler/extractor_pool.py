"""Running article extraction in worker processes, so the crawl's reactor never waits on trafilatura.

Where the workers come from:
- A crawl forked by the daemon's crawl fork server (warta.cli.fork_server) has the
  extraction code loaded already. `prefork` forks the workers from it before the
  crawl starts any thread or connection: they start warm, costing no imports.
- Otherwise (a crawl started as a new process, or after a worker died) the pool
  uses the "forkserver" start method: workers never inherit the reactor, open
  sockets or database connections of the crawling process. They are forked from
  a clean server process that imports the extraction code (and trafilatura) once
  per crawl; with "spawn", each worker paid those imports (about half a CPU-second).
The pool is created for one crawl and shut down at its end, and its workers die with
the crawl process however that ends, `kill -9` included (see `_die_with_crawl`).
A worker that dies (killed, or crashed on a page) breaks the pool: the pages in
flight are extracted again by new workers, once; a page that kills its worker
twice is a page error. Callers await `extract` from Scrapy callbacks (the asyncio
reactor is installed, so an asyncio future can be awaited).
"""

from __future__ import annotations

import asyncio
import contextlib
import importlib
import logging
import multiprocessing
import os
import select
import sys
import threading
import time
from concurrent.futures import Future, ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo

from warta.crawler.errors import CrawlerError

if TYPE_CHECKING:
    from warta.crawler.extraction import Extracted
    from warta.storage.event_extraction import StoryEvents
    from warta.storage.shingling import Shingles

logger = logging.getLogger(__name__)

DEFAULT_WORKERS = 2
PARENT_POLL_SECONDS = 1.0
EXTRACTION_MODULE = "warta.crawler.extraction"
# What a worker runs, which its fork server imports once for all workers: this module (its tasks
# name `extract_in_worker`), the extraction (trafilatura: the costly imports), and what it computes
# for recording. Not numpy or SQLAlchemy: storage.shingling and storage.event_extraction are pure.
WORKER_MODULES = (
    "warta.crawler.extractor_pool",
    EXTRACTION_MODULE,
    "warta.storage.shingling",
    "warta.storage.event_extraction",
)


class WorkerCrashedError(CrawlerError):
    """Raised when a page's extraction killed its worker process twice: a page error, the crawl goes on."""


@dataclass(frozen=True)
class Extraction:
    """What a worker returns: the extracted page (or None) and whether it reads as an article.

    With it, what recording would otherwise compute from the text in the crawl process, which
    does all the recording on one core: an article's shingles, and its events when the page's
    fetch time was given (they count relative dates from it when the page has no date).
    """

    extracted: Extracted | None
    is_article: bool
    story: Shingles | None = None
    events: StoryEvents | None = None


def extract_in_worker(
    body: bytes,
    url: str,
    language: str | None,
    timezone: ZoneInfo,
    fallback_title: str | None,
    fallback_published: datetime | None,
    fetched_at: datetime | None = None,
) -> Extraction:
    """Extract one page (runs in a worker process)."""
    from warta.crawler.extraction import extract_article, is_article  # workers only, see _warm_up
    from warta.storage.event_extraction import story_events
    from warta.storage.shingling import shingles

    extracted = extract_article(
        body,
        url,
        language=language,
        timezone=timezone,
        fallback_title=fallback_title,
        fallback_published=fallback_published,
    )
    if extracted is None:
        return Extraction(None, False)
    if not is_article(extracted):  # mostly skipped; a source that records any page reads them when recording
        return Extraction(extracted, False)
    events = None
    if fetched_at is not None:
        events = story_events(extracted.title, extracted.text, extracted.language, extracted.published, fetched_at)
    return Extraction(extracted, True, shingles(extracted.text), events)


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
    crawling process does not import trafilatura: it only sends pages to the workers.
    """
    for module in WORKER_MODULES:
        importlib.import_module(module)


def _worker_context() -> multiprocessing.context.BaseContext:
    """Return the fork-server context whose server preloads the extraction code (once per crawl process)."""
    context = multiprocessing.get_context("forkserver")
    context.set_forkserver_preload(list(WORKER_MODULES))
    return context


def can_fork_warm() -> bool:
    """Return whether workers can be forked from this process: extraction code loaded, and no other thread yet.

    A fork copies only the thread that forks; a lock another thread held stays locked in the copy.
    """
    return EXTRACTION_MODULE in sys.modules and threading.active_count() == 1


class ExtractorPool:
    """A process pool that extracts articles for one crawl."""

    def __init__(self, workers: int = DEFAULT_WORKERS) -> None:
        self.workers = workers
        self._executor: ProcessPoolExecutor | None = None

    def prefork(self) -> bool:
        """Fork the workers from this process now, if it has the extraction code loaded and no other thread.

        Call it before the crawl starts: in a crawl forked warm by the daemon's fork server the
        workers then cost no imports. Returns whether they were forked; if not, they are started
        through a fork server on first use, as in any crawl.
        """
        if self._executor is not None or not can_fork_warm():
            return False
        _warm_up()  # the rest of what workers run, loaded once here (a crawl has it loaded already)
        self._start(multiprocessing.get_context("fork"))
        return True

    @property
    def executor(self) -> ProcessPoolExecutor:
        """Return the worker pool, starting it on first use (a crawl of 304s never needs it)."""
        if self._executor is None:
            self._start(_worker_context())
        assert self._executor is not None
        return self._executor

    def _start(self, context: multiprocessing.context.BaseContext) -> None:
        self._executor = ProcessPoolExecutor(
            max_workers=self.workers,
            mp_context=context,
            initializer=_die_with_crawl,
            initargs=(os.getpid(),),
        )
        # Start every worker now, so the second page does not wait for a second start-up
        # (with "fork", the first submit forks them all, before the pool starts its threads).
        self._warming: list[Future[None]] = [self._executor.submit(_warm_up) for _ in range(self.workers)]

    async def extract(
        self,
        body: bytes,
        url: str,
        *,
        language: str | None,
        timezone: ZoneInfo,
        fallback_title: str | None = None,
        fallback_published: datetime | None = None,
        fetched_at: datetime | None = None,
    ) -> Extraction:
        """Return the extraction of one page, computed in a worker process.

        `fetched_at`: when the page was fetched, for reading its events (see `Extraction`).
        Raises WorkerCrashedError when the page's worker died twice while extracting it.
        """
        arguments = (body, url, language, timezone, fallback_title, fallback_published, fetched_at)
        executor = self.executor
        try:
            return await asyncio.wrap_future(executor.submit(extract_in_worker, *arguments))
        except BrokenProcessPool as error:
            logger.warning("an extraction worker died (%s); extracting %s again with new workers", error, url)
            self._discard(executor)
        executor = self.executor
        try:
            return await asyncio.wrap_future(executor.submit(extract_in_worker, *arguments))
        except BrokenProcessPool as error:
            self._discard(executor)
            raise WorkerCrashedError(
                f"the extraction worker died twice while extracting this page ({error}); it is not recorded"
            ) from error

    def _discard(self, broken: ProcessPoolExecutor) -> None:
        """Drop a broken pool (once, however many of its pages noticed): the next page starts new workers."""
        if self._executor is broken:
            self._executor = None
            broken.shutdown(wait=False, cancel_futures=True)

    def shutdown(self) -> None:
        """Stop the workers (pending extractions are cancelled)."""
        if self._executor is not None:
            self._executor.shutdown(wait=True, cancel_futures=True)
            self._executor = None

    def __enter__(self) -> ExtractorPool:
        return self

    def __exit__(self, *_exc: object) -> None:
        self.shutdown()
