"""The listing spider: start pages that link to articles, followed through pagination up to max_pages."""

from __future__ import annotations

import logging
from collections.abc import Iterator

from scrapy import Request
from scrapy.http import Response, TextResponse

from warta.crawler.pagination import next_page, page_links
from warta.crawler.spiders.base import ArticleHint, SourceSpider
from warta.crawler.urls import canonicalize_url

logger = logging.getLogger(__name__)
PAGE = "warta_page"


class ListingSpider(SourceSpider):
    """Crawl a listing source: links matching `follow` (minus `deny`) are articles."""

    kind = "listing"
    renders_index_pages = True

    def start_request(self, url: str) -> Request:
        """Return the request of the first page of one listing."""
        return self.follow_request(url, self.parse_listing, **{PAGE: 1})

    def parse_listing(self, response: Response) -> Iterator[Request]:
        """Queue the page's article links and follow the listing to its next page."""
        if not self.index_response_usable(response):
            return
        if not isinstance(response, TextResponse):
            self.recorder.add_error(response.url, "listing page is not HTML")
            return
        page = int(response.meta.get(PAGE, 1))
        links = page_links(response.selector, response.url)
        own = canonicalize_url(response.url)
        articles = [url for url in links if canonicalize_url(url) != own and self.links.allows(url)]
        if not articles:
            logger.warning(
                "listing page %s links no articles (check sources[].follow of %s)", response.url, self.source.id
            )
            self.recorder.count("empty_pages")
        if page < self.source.max_pages:
            following = next_page(response.selector, response.url)
            if following and self.links.is_own_host(following) and self._claim(following):
                yield self.follow_request(following, self.parse_listing, **{PAGE: page + 1})
        self.discover((url, ArticleHint()) for url in articles)
        self.index_done(response)
