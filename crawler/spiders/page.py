"""The page spider: fixed URLs (an announcement page, an agenda) monitored as whole documents."""

from __future__ import annotations

from scrapy import Request

from warta.crawler.spiders.base import ArticleHint, SourceSpider


class PageSpider(SourceSpider):
    """Crawl a page source: each URL is recorded whatever its length, and its edits become revisions."""

    kind = "page"
    records_any_page = True

    def start_request(self, url: str) -> Request:
        """Return the request of one monitored page."""
        return self.article_request(url, ArticleHint())
