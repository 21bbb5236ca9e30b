"""Errors raised by the crawler layer.

CrawlerError            base class: a crawl could not be run as asked.
UnknownSourceError      a requested source id is not in the config (a usage error).
CrawlAlreadyRanError    run_crawl was called twice in one process (Scrapy's reactor cannot restart).
CrawlProcessError       the crawl subprocess ended without a report (crash, bad config, database down).
"""

from __future__ import annotations


class CrawlerError(Exception):
    """A crawl could not be run as asked."""


class UnknownSourceError(CrawlerError):
    """A requested source id is not configured."""


class CrawlAlreadyRanError(CrawlerError):
    """run_crawl was already called in this process."""


class CrawlProcessError(CrawlerError):
    """The crawl subprocess ended without sending its report."""
