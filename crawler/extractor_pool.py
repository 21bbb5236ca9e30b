"""Running article extraction in worker processes, so the crawl's reactor never waits on trafilatura.

The pool uses the "spawn" start method: workers never inherit the reactor, open
sockets or database connections of the crawling process. It is created for one
crawl and shut down at its end. Callers await `extract` from Scrapy callbacks
(the asyncio reactor is installed, so an asyncio future can be awaited).
"""

from __future__ import annotations

import asyncio
import logging
import multiprocessing
from concurrent.futures import Future, ProcessPoolExecutor
from dataclasses import dataclass
from datetime import datetime
from zoneinfo import ZoneInfo

from crawler.extraction import Extracted, extract_article, is_article

logger = logging.getLogger(__name__)

DEFAULT_WORKERS = 2


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
    extracted = extract_article(
        body,
        url,
        language=language,
        timezone=timezone,
        fallback_title=fallback_title,
        fallback_published=fallback_published,
    )
    return Extraction(extracted, extracted is not None and is_article(extracted))


def _warm_up() -> None:
    """Import the extraction stack in a worker before the first page arrives."""


class ExtractorPool:
    """A process pool that extracts articles for one crawl."""

    def __init__(self, workers: int = DEFAULT_WORKERS) -> None:
        self.workers = workers
        self.executor = ProcessPoolExecutor(max_workers=workers, mp_context=multiprocessing.get_context("spawn"))
        self._warming: list[Future[None]] = [self.executor.submit(_warm_up) for _ in range(workers)]

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
        self.executor.shutdown(wait=True, cancel_futures=True)

    def __enter__(self) -> ExtractorPool:
        return self

    def __exit__(self, *_exc: object) -> None:
        self.shutdown()
