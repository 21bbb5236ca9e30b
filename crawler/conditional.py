"""A downloader middleware that makes every refetch conditional (If-None-Match / If-Modified-Since).

The validators come from the stored fetch state of the exact URL being
requested, looked up again at every redirect hop, so a moved page is never asked
with the validators of its old address.
"""

from __future__ import annotations

import logging
from typing import Self

from scrapy import Request
from scrapy.crawler import Crawler

from warta.crawler.recorder import SourceRecorder

logger = logging.getLogger(__name__)

CONDITIONAL_HEADERS = (b"If-None-Match", b"If-Modified-Since")


class ConditionalRequestMiddleware:
    """Add the stored validators of the request's URL to the request."""

    def __init__(self, recorder: SourceRecorder | None) -> None:
        self.recorder = recorder

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> Self:
        """Return the middleware of one crawler, reading its recorder's validators (none: it adds nothing)."""
        return cls(crawler.get_extension(SourceRecorder))

    def process_request(self, request: Request) -> None:
        """Set or clear the conditional headers for this URL."""
        for header in CONDITIONAL_HEADERS:
            request.headers.pop(header, None)
        recorder = self.recorder
        if recorder is None or request.meta.get("warta_unconditional"):
            return
        etag, last_modified, _fetched_at = recorder.validators(request.url)
        if etag:
            request.headers[b"If-None-Match"] = etag
        if last_modified:
            request.headers[b"If-Modified-Since"] = last_modified
        if etag or last_modified:
            logger.debug("conditional request for %s", request.url)
