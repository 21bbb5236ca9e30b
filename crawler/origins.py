"""A downloader middleware that keeps a source's crawl on its own origins, for links and redirects alike.

A source may request the origins (scheme, host, port) of its start URLs and the hosts of its
`allowed_domains` (crawler.links). Every request passes here first, before robots.txt is
consulted, so no robots.txt is fetched from an origin the crawl will not visit. A redirect
comes back through here as a new request: one that leaves the origins is refused, and the
spider records a page error naming its target.
"""

from __future__ import annotations

import logging
from typing import Any, Self
from urllib.parse import urlsplit

from scrapy import Request
from scrapy.crawler import Crawler
from scrapy.exceptions import IgnoreRequest

from warta.crawler.errors import CrawlerError

logger = logging.getLogger(__name__)


class OffOriginRequest(CrawlerError, IgnoreRequest):
    """Raised for a request outside the source's origins; `original_url` is where a redirect started."""

    def __init__(self, url: str, original_url: str | None) -> None:
        self.url = url
        self.original_url = original_url
        super().__init__(describe_off_origin(url, original_url))


def describe_off_origin(url: str, original_url: str | None) -> str:
    """Return the page error of a refused request: the target, and how to allow it."""
    fix = "list its host in sources[].allowed_domains to allow it"
    if original_url and _is_https_upgrade(original_url, url):
        fix = "the site moved to https: write the source's urls with https://"
    if original_url:
        return f"redirected to {url}, outside the source's origins: not followed ({fix})"
    return f"{url} is outside the source's origins: not requested ({fix})"


def _is_https_upgrade(original_url: str, url: str) -> bool:
    """Return True for a redirect from http to https on the same host."""
    before, after = urlsplit(original_url), urlsplit(url)
    return before.scheme == "http" and after.scheme == "https" and before.hostname == after.hostname


class OriginMiddleware:
    """Refuse every request of a source spider that leaves the source's origins."""

    def __init__(self, crawler: Crawler) -> None:
        self.crawler = crawler

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> Self:
        """Return the middleware of one crawler (it asks the crawler's spider for the source's origins)."""
        return cls(crawler)

    def process_request(self, request: Request) -> None:
        """Let the request through when the source may request its URL; raise OffOriginRequest otherwise."""
        links: Any = getattr(self.crawler.spider, "links", None)
        if links is None or links.is_own_host(request.url):
            return
        redirects = request.meta.get("redirect_urls") or []
        logger.info("not requested %s: outside the source's origins", request.url)
        raise OffOriginRequest(request.url, redirects[0] if redirects else None)
