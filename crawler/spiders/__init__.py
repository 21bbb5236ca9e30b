"""One Scrapy spider per source kind: feed, sitemap, listing and page."""

from __future__ import annotations

from crawler.spiders.base import SourceSpider
from crawler.spiders.feed import FeedSpider
from crawler.spiders.listing import ListingSpider
from crawler.spiders.page import PageSpider
from crawler.spiders.sitemap import SitemapSpider

SPIDERS: dict[str, type[SourceSpider]] = {
    "feed": FeedSpider,
    "sitemap": SitemapSpider,
    "listing": ListingSpider,
    "page": PageSpider,
}

__all__ = ["SPIDERS", "FeedSpider", "ListingSpider", "PageSpider", "SitemapSpider", "SourceSpider"]
