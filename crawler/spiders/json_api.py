"""The JSON spider: reads a JSON API's pages and maps their items with the source's `[sources.json]` table.

With a `body` mapping, each item's HTML is the article: it is extracted like a
fetched page and recorded with the item's title and date, linked to the capture
of the JSON response it came in. Without one, each item's URL is fetched in
phase 2 like a feed item's link. Known documents are revisited only in the
second case: an item with a body is as current as the API's latest answer.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator
from dataclasses import replace
from typing import Any

from scrapy import Request
from scrapy.http import Response

from warta.config import JsonMapping
from warta.crawler.capturing import CAPTURE_ID
from warta.crawler.json_items import JsonItem, NotJsonError, count_up, item_page, read_json_page
from warta.crawler.spiders.base import ArticleHint, SourceSpider
from warta.storage.fingerprints import fingerprint
from warta.storage.health import MAPPING_PROBLEM_PREFIX

logger = logging.getLogger(__name__)
PAGE = "warta_page"


class JsonSpider(SourceSpider):
    """Crawl a JSON source: the items its mapping finds are articles."""

    kind = "json"

    @property
    def mapping(self) -> JsonMapping:
        """Return the source's [sources.json] table (the config refuses a JSON source without one)."""
        assert self.source.json_mapping is not None
        return self.source.json_mapping

    async def start(self) -> AsyncIterator[Any]:
        """Yield the start URLs, and revisits of known documents only when items are fetched as pages."""
        if self.mapping.body is None:
            async for request in super().start():
                yield request
            return
        for url in self.source.urls:
            if self._claim(url):
                request = self.start_request(url)
                request.meta["warta_start"] = True
                yield request

    def start_request(self, url: str) -> Request:
        """Return the request of the first page of one JSON endpoint."""
        return self.page_request(url, 1)

    def page_request(self, url: str, page: int) -> Request:
        """Return the request of one page of the API.

        When the next page's URL is a field of the response, pages are asked for unconditionally:
        a 304 would hide that URL, and with it every later page and its edits.
        """
        next_page = self.mapping.next_page
        is_field = next_page is not None and not next_page.startswith("?")
        return self.follow_request(url, self.parse_json, **{PAGE: page, "warta_unconditional": is_field})

    async def parse_json(self, response: Response) -> AsyncIterator[Request]:
        """Record (or queue) the page's items and follow the API to its next page."""
        page = int(response.meta.get(PAGE, 1))
        counting = (self.mapping.next_page or "").startswith("?")
        if page > 1 and response.status == 404 and counting:
            # counting pages up runs past the last one; many APIs answer that with 404
            self._resolve(response)
            self.recorder.queued -= 1
            return
        if response.status == 304 and counting and page < self.source.max_pages:
            # an unchanged page still tells where the next one is, when pages are counted
            following = count_up(response.url, (self.mapping.next_page or "?")[1:])
            if self._claim(following):
                yield self.page_request(following, page + 1)
        if not self.index_response_usable(response):
            return
        try:
            found = read_json_page(
                response.body, response.url, self.mapping, page, self.source.max_pages, self.timezone
            )
        except NotJsonError as exc:
            self.recorder.add_error(response.url, f"{exc}: check sources[].urls of {self.source.id}")
            self.recorder.count("empty_pages")
            return
        for problem in found.problems:
            self.recorder.add_error(response.url, problem)
        if not found.found_items:
            if page == 1:
                self.recorder.add_error(
                    response.url,
                    f"{MAPPING_PROBLEM_PREFIX}items = {self.mapping.items!r} found no items: "
                    f"check sources[].json.items of {self.source.id} against the response",
                )
                self.recorder.count("empty_pages")
            # no validators kept for the page past the last one: its 304 would send the counting further
            return
        if found.next_url and self._claim(found.next_url):
            yield self.page_request(found.next_url, page + 1)
        if self.mapping.body is None:
            self.discover((item.url, ArticleHint(item.title, item.published)) for item in found.items)
        else:
            await self._record_items(found.items, response.meta.get(CAPTURE_ID))
        self.index_done(response)

    async def _record_items(self, items: list[JsonItem], capture_id: int | None) -> None:
        """Extract and record the items that carry their body, each once per run."""
        chosen: list[JsonItem] = []
        for item in items:
            if not self._claim(item.url):
                continue  # listed again on a later page (the list shifted while we read it)
            self.recorder.count("links_found")
            if self.article_limit is not None and self.articles_scheduled >= self.article_limit:
                self.recorder.skip(item.url, "over the article limit of this run", counter="skipped")
                continue
            if not item.body:
                continue  # reported with the page's problems
            self.articles_scheduled += 1
            chosen.append(item)
        results = await asyncio.gather(
            *(
                self.pool.extract(
                    item_page(item, self.source.language),
                    item.url,
                    language=self.source.language,
                    timezone=self.timezone,
                    fallback_title=item.title,
                    fallback_published=item.published,
                )
                for item in chosen
            )
        )
        for item, result in zip(chosen, results, strict=True):
            extracted = result.extracted
            if extracted is None:
                self.recorder.add_error(item.url, f"{MAPPING_PROBLEM_PREFIX}body = {self.mapping.body!r} holds no text")
                continue
            title = item.title or extracted.title
            metadata = {**extracted.metadata, "date_source": "json"} if item.published else extracted.metadata
            extracted = replace(
                extracted,
                title=title,
                published=item.published or extracted.published,
                canonical_url=None,
                metadata=metadata,
                fingerprint=fingerprint(title, extracted.text),
            )
            self.recorder.record_article(item.url, None, extracted, capture_id, (None, None))
