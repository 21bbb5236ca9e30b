"""The sitemap spider: walks a sitemap index and its child sitemaps (gzipped too) to article URLs.

A page whose `<lastmod>` is not newer than our last fetch of it is not fetched;
a known page older than the revisit window is fetched again only when its
`<lastmod>` says it changed after our last fetch.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator

from scrapy import Request
from scrapy.http import Response

from warta.crawler.safexml import UnsafeXmlError
from warta.crawler.sitemaps import parse_sitemap
from warta.crawler.spiders.base import ArticleHint, SourceSpider

logger = logging.getLogger(__name__)


class SitemapSpider(SourceSpider):
    """Crawl a sitemap source."""

    kind = "sitemap"

    def start_request(self, url: str) -> Request:
        """Return the request of one sitemap or sitemap index."""
        return self.follow_request(url, self.parse_sitemap)

    def parse_sitemap(self, response: Response) -> Iterator[Request]:
        """Follow child sitemaps of an index; queue the page URLs of a urlset."""
        if not self.index_response_usable(response):
            return
        try:
            sitemap = parse_sitemap(response.body, response.url, self.timezone, self.max_xml_bytes)
        except UnsafeXmlError as exc:
            self.recorder.add_error(response.url, f"unreadable sitemap: {exc}")
            return
        if not sitemap.entries:
            self.recorder.count("empty_pages")
        if sitemap.is_index:
            for entry in sitemap.entries:
                if self.links.is_own_host(entry.loc) and self._claim(entry.loc):
                    yield self.follow_request(entry.loc, self.parse_sitemap)
        else:
            self.discover((entry.loc, ArticleHint(lastmod=entry.lastmod)) for entry in sitemap.entries)
        self.index_done(response)

    def should_fetch_discovered(self, url: str, hint: ArticleHint) -> bool:
        """Return True unless `<lastmod>` says the page did not change since our last fetch of it."""
        _etag, _last_modified, fetched_at = self.recorder.validators(url)
        if hint.lastmod is not None and fetched_at is not None:
            return hint.lastmod > fetched_at
        return not self.recorder.is_known(url)
