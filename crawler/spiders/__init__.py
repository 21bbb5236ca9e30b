"""One Scrapy spider per source kind: feed, sitemap, listing, page and json."""

from __future__ import annotations

from typing import Any

from warta.config import SourceConfig, WartaConfig
from warta.crawler.extractor_pool import ExtractorPool
from warta.crawler.spiders.base import SourceSpider
from warta.crawler.spiders.feed import FeedSpider
from warta.crawler.spiders.json_api import JsonSpider
from warta.crawler.spiders.listing import ListingSpider
from warta.crawler.spiders.page import PageSpider
from warta.crawler.spiders.sitemap import SitemapSpider

SPIDERS: dict[str, type[SourceSpider]] = {
    "feed": FeedSpider,
    "sitemap": SitemapSpider,
    "listing": ListingSpider,
    "page": PageSpider,
    "json": JsonSpider,
}


def spider_arguments(
    cfg: WartaConfig,
    source: SourceConfig,
    pool: ExtractorPool,
    article_limit: int | None = None,
) -> dict[str, Any]:
    """Return the keyword arguments of the source's spider, the same for local and Scrapyd crawls.

    The spider finds its recorder among the crawl's extensions (crawler.recorder).
    """
    return {
        "source": source,
        "pool": pool,
        "timezone": cfg.source_timezone(source),
        "revisit_days": cfg.crawler.revisit_days,
        "max_xml_bytes": cfg.crawler.max_page_bytes,
        "article_limit": article_limit,
    }


__all__ = [
    "SPIDERS",
    "FeedSpider",
    "JsonSpider",
    "ListingSpider",
    "PageSpider",
    "SitemapSpider",
    "SourceSpider",
    "spider_arguments",
]
