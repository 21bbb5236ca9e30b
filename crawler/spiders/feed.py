"""The feed spider: reads RSS 2.0, Atom or RDF feeds and fetches each item's link as an article."""

from __future__ import annotations

import logging

from scrapy import Request
from scrapy.http import Response

from warta.crawler.feed_items import parse_feed
from warta.crawler.safexml import UnsafeXmlError
from warta.crawler.spiders.base import ArticleHint, SourceSpider

logger = logging.getLogger(__name__)


class FeedSpider(SourceSpider):
    """Crawl a feed source: items' links are articles; their titles and dates fill in what pages lack."""

    kind = "feed"

    def start_request(self, url: str) -> Request:
        """Return the request of one feed."""
        return self.follow_request(url, self.parse_feed)

    def parse_feed(self, response: Response) -> None:
        """Queue the feed's item links as articles."""
        if not self.index_response_usable(response):
            return
        try:
            items = parse_feed(response.body, response.url, self.timezone, self.max_xml_bytes)
        except UnsafeXmlError as exc:
            self.recorder.add_error(response.url, f"unreadable feed: {exc}")
            return
        if not items:
            logger.warning("feed %s has no items (%s)", response.url, self.source.id)
            self.recorder.count("empty_pages")
        self.discover((item.link, ArticleHint(item.title, item.published)) for item in items)
        self.index_done(response)
