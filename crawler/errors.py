"""Errors raised by the crawler layer.

CrawlerError            base class (a WartaError): a crawl, preview or probe could not be run as asked.
UnknownSourceError      a requested source id is not in the config (a usage error).
CrawlAlreadyRanError    run_crawl was called twice in one process (Scrapy's reactor cannot restart).
CrawlProcessError       a crawl in a child process left sources uncrawled (crash, bad config, database down).
ProbeError              (crawler.probe) a URL the operator named cannot be fetched at all.
NotJsonError            (crawler.json_items) a response of a JSON source does not parse as JSON.
OffOriginRequest        (crawler.origins) a request (a link or a redirect) outside the source's origins; never followed.
"""

from __future__ import annotations

from warta.config.errors import WartaError


class CrawlerError(WartaError):
    """Raised when a crawl, a preview or a probe could not be run as asked."""


class UnknownSourceError(CrawlerError):
    """Raised when a requested source id is not configured (a usage problem: exit 2)."""

    is_usage_problem = True


class CrawlAlreadyRanError(CrawlerError):
    """Raised when run_crawl is called a second time in one process."""


class CrawlProcessError(CrawlerError):
    """Raised when a caller needs every source of a crawl in a child process, and some did not run."""
