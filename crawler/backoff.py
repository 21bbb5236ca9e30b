"""A downloader middleware that waits before a retry: `Retry-After` on 429 and 503, else exponential backoff.

It sits just before Scrapy's RetryMiddleware (which re-schedules the request)
and only waits; the retry budget stays RETRY_TIMES. A `Retry-After` longer than
WARTA_MAX_RETRY_AFTER is not waited for: the request fails now and is counted as
an error, and the next run tries again.
"""

from __future__ import annotations

import asyncio
import email.utils
import logging
from datetime import UTC, datetime
from typing import Self

from scrapy import Request
from scrapy.crawler import Crawler
from scrapy.exceptions import IgnoreRequest
from scrapy.http import Response

logger = logging.getLogger(__name__)

RETRY_AFTER_STATUSES = (429, 503)


def retry_after_seconds(value: str | None, now: datetime | None = None) -> float | None:
    """Return the wait a Retry-After header asks for (delta-seconds or an HTTP date), or None."""
    if not value:
        return None
    value = value.strip()
    if value.isdigit():
        return float(value)
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError, IndexError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    return max(0.0, (when - (now or datetime.now(UTC))).total_seconds())


class BackoffMiddleware:
    """Sleep before a retry, honouring Retry-After."""

    def __init__(
        self, retry_codes: set[int], max_retry_times: int, base_seconds: float, max_retry_after_seconds: float
    ) -> None:
        self.retry_codes = retry_codes
        self.max_retry_times = max_retry_times
        self.base_seconds = base_seconds
        self.max_retry_after_seconds = max_retry_after_seconds

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> Self:
        """Return the middleware configured from the crawler's settings."""
        settings = crawler.settings
        return cls(
            {int(code) for code in settings.getlist("RETRY_HTTP_CODES")},
            settings.getint("RETRY_TIMES"),
            settings.getfloat("WARTA_RETRY_BACKOFF_SECONDS", 0.5),
            settings.getfloat("WARTA_MAX_RETRY_AFTER", 120.0),
        )

    def _retries_left(self, request: Request) -> bool:
        if request.meta.get("dont_retry", False):
            return False
        limit = int(request.meta.get("max_retry_times", self.max_retry_times))
        return int(request.meta.get("retry_times", 0)) < limit

    def _backoff(self, request: Request) -> float:
        return float(self.base_seconds * 2 ** int(request.meta.get("retry_times", 0)))

    async def process_response(self, request: Request, response: Response) -> Response:
        """Wait as the server asked (or back off) before RetryMiddleware retries the response."""
        if response.status not in self.retry_codes or not self._retries_left(request):
            return response
        delay = None
        if response.status in RETRY_AFTER_STATUSES:
            header = response.headers.get(b"Retry-After")
            delay = retry_after_seconds(header.decode("latin-1") if header else None)
        if delay is None:
            delay = self._backoff(request)
        elif delay > self.max_retry_after_seconds:
            logger.warning(
                "%s asks to retry after %.0f s, longer than %.0f s: not retried in this run",
                request.url,
                delay,
                self.max_retry_after_seconds,
            )
            request.meta["dont_retry"] = True
            return response
        logger.info("%s answered %d: retrying in %.1f s", request.url, response.status, delay)
        await asyncio.sleep(delay)
        return response

    async def process_exception(self, request: Request, exception: Exception) -> None:
        """Back off before RetryMiddleware retries a transient network error."""
        if isinstance(exception, IgnoreRequest) or not self._retries_left(request):
            return
        delay = self._backoff(request)
        logger.info("%s failed (%s): retrying in %.1f s", request.url, type(exception).__name__, delay)
        await asyncio.sleep(delay)
