"""What every source spider shares: the two-phase crawl, article fetching and recording, errors.

A run has two phases. Phase 1 fetches the source's start URLs (feeds, sitemaps,
listings and their pagination, or fixed pages) and revisits its known documents.
Article links discovered in phase 1 are held back; when the spider goes idle,
phase 2 fetches those not yet resolved. A URL is resolved when phase 1 reached it,
also as the target of a redirect: so a known article that moved with a 301 is
found through its old address and moved, never created again from the new link.
"""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator, Iterable
from dataclasses import dataclass
from datetime import datetime
from functools import cached_property
from typing import Any
from zoneinfo import ZoneInfo

import scrapy
from scrapy import Request, signals
from scrapy.crawler import Crawler
from scrapy.exceptions import DontCloseSpider, IgnoreRequest
from scrapy.http import Response, TextResponse
from scrapy.spidermiddlewares.httperror import HttpError
from twisted.python.failure import Failure

from warta.config import SourceConfig
from warta.crawler.browser import RENDER_STATE, RenderState, render_failure_reason, render_meta
from warta.crawler.capturing import CAPTURE_ID, CAPTURE_WITH_PAGE, FETCHED_AT, PENDING_CAPTURE
from warta.crawler.extractor_pool import ExtractorPool
from warta.crawler.links import LinkFilter
from warta.crawler.origins import OffOriginRequest
from warta.crawler.recorder import SourceRecorder, Validators
from warta.crawler.requisites import RequisiteFetcher
from warta.crawler.urls import canonicalize_url
from warta.storage.revisions import Outcome

logger = logging.getLogger(__name__)

# Statuses the spider handles itself: 304 means "as we hold it", 404 and 410 mean removed.
HANDLED_STATUSES = [304, 404, 410]
# Media types an article may come as besides text/*; anything else (PDF, images) is not recorded.
PAGE_MEDIA_TYPES = ("application/xhtml+xml", "application/xml")
# Scrapy raises these without a message when the body outgrows DOWNLOAD_MAXSIZE or ends early.
UNEXPLAINED_FAILURES = {
    "DownloadCancelledError": "the body grew past [crawler] max_page_bytes",
    "ResponseDataLossError": "the body was shorter than its Content-Length",
}
ROLE = "warta_role"
HINT = "warta_hint"


@dataclass(frozen=True)
class ArticleHint:
    """What a feed item or sitemap entry says about an article, used when the page lacks it."""

    title: str | None = None
    published: datetime | None = None
    lastmod: datetime | None = None


class SourceSpider(scrapy.Spider):
    """Crawl one configured source once and record what it finds."""

    kind = ""
    # A page source records its pages whatever their length; other kinds only articles.
    records_any_page = False
    # A browser source renders its listing pages too; feeds and sitemaps are XML that no script builds.
    renders_index_pages = False

    def __init__(
        self,
        source: SourceConfig,
        pool: ExtractorPool,
        timezone: ZoneInfo,
        revisit_days: int,
        max_xml_bytes: int,
        article_limit: int | None = None,
        requisites_max_bytes: int | None = None,
        **kwargs: Any,
    ) -> None:
        super().__init__(name=f"warta-{source.id}", **kwargs)
        self.source = source
        self.pool = pool
        self.timezone = timezone
        self.revisit_days = revisit_days
        self.max_xml_bytes = max_xml_bytes
        self.article_limit = article_limit
        # the per-page byte budget of page requisites; None: this source fetches none (crawler.requisites)
        self.requisites_max_bytes = requisites_max_bytes
        self.articles_scheduled = 0
        self.links = LinkFilter.for_source(source)
        self.requested: set[str] = set()
        self.resolved: set[str] = set()
        self.pending: dict[str, tuple[str, ArticleHint]] = {}
        self.start_answered = False
        self.index_validators: list[tuple[str, int, Validators]] = []
        self.start_failures: list[str] = []

    @classmethod
    def from_crawler(cls, crawler: Crawler, *args: Any, **kwargs: Any) -> SourceSpider:
        """Return the spider with its idle handler connected."""
        spider = super().from_crawler(crawler, *args, **kwargs)
        crawler.signals.connect(spider.on_idle, signal=signals.spider_idle)
        crawler.signals.connect(spider.on_spider_error, signal=signals.spider_error)
        return spider

    @cached_property
    def recorder(self) -> SourceRecorder:
        """Return the crawl's recorder, the extension Scrapy built after this spider (crawler.recorder)."""
        recorder = self.crawler.get_extension(SourceRecorder)
        if recorder is None:
            raise RuntimeError(
                "this crawl has no recorder: build its settings with crawler.settings.scrapy_settings "
                "and crawler.recorder.recorder_settings"
            )
        return recorder

    @cached_property
    def requisites(self) -> RequisiteFetcher:
        """Return the fetcher of this crawl's page requisites (images, stylesheets, fonts)."""
        assert self.requisites_max_bytes is not None and self.crawler.stats is not None

        def schedule(request: Request) -> None:
            assert self.crawler.engine is not None
            self.crawler.engine.crawl(request)

        return RequisiteFetcher(
            self.requisites_max_bytes,
            self.crawler.settings.getint("DOWNLOAD_MAXSIZE"),
            schedule,
            self.recorder.link_requisites,
            self.crawler.stats,
        )

    async def start(self) -> AsyncIterator[Any]:
        """Yield phase 1: the start URLs, then revisits of known documents."""
        for url in self.source.urls:
            if self._claim(url):
                request = self.start_request(url)
                request.meta["warta_start"] = True
                yield request
        for document in self.recorder.known_documents(self.revisit_days):
            if not self.links.is_own_host(document.url):
                # archived when the source had other origins (its urls moved to https, say): kept, not revisited
                logger.debug("not revisiting %s: outside the origins of %s", document.url, self.source.id)
                continue
            if self._claim(document.url, document.canonical_url):
                yield self.article_request(document.url, ArticleHint(), revisit=True)

    def start_request(self, url: str) -> Request:
        """Return the request of one start URL (a feed, sitemap, listing or page)."""
        raise TypeError(f"{type(self).__name__} must define start_request")

    def follow_request(self, url: str, callback: Any, **meta: Any) -> Request:
        """Return a request for a feed, sitemap or listing page of this source."""
        self.recorder.queued += 1
        return Request(
            url,
            callback=callback,
            errback=self.on_error,
            dont_filter=True,
            meta={"handle_httpstatus_list": HANDLED_STATUSES, ROLE: "index", **self.index_render_meta(), **meta},
        )

    def article_request(self, url: str, hint: ArticleHint, revisit: bool = False) -> Request:
        """Return the request of an article page."""
        self.recorder.queued += 1
        return Request(
            url,
            callback=self.parse_article,
            errback=self.on_error,
            dont_filter=True,
            priority=1 if revisit else 0,
            meta={
                "handle_httpstatus_list": HANDLED_STATUSES,
                ROLE: "article",
                HINT: hint,
                CAPTURE_WITH_PAGE: True,
                **self.render_meta(),
            },
        )

    def index_render_meta(self) -> dict[str, Any]:
        """Return the meta that renders an index page request, for a browser source whose index pages are HTML."""
        return self.render_meta() if self.renders_index_pages else {}

    def render_meta(self) -> dict[str, Any]:
        """Return the meta that renders a page request in the browser, for a browser source (else none)."""
        if self.source.render != "browser":
            return {}
        return render_meta(self.source, self.max_xml_bytes, self.links.is_own_host)

    def _claim(self, *urls: str) -> bool:
        """Return True the first time a page (known by these URLs, canonicalized) is to be requested."""
        try:
            canonicals = {canonicalize_url(url) for url in urls}
        except ValueError:
            return False
        if canonicals & self.requested:
            return False
        self.requested |= canonicals
        return True

    def discover(self, links: Iterable[tuple[str, ArticleHint]]) -> None:
        """Queue article links found on an index page for phase 2, if this source follows them."""
        for url, hint in links:
            if not self.links.allows(url):
                continue
            self.recorder.count("links_found")
            canonical = canonicalize_url(url)
            if canonical not in self.pending and canonical not in self.requested:
                self.pending[canonical] = (url, hint)

    def on_idle(self) -> None:
        """Start phase 2: fetch the discovered links that phase 1 did not resolve."""
        pending, self.pending = self.pending, {}
        # one read for every link still to decide on, instead of one or two per link
        self.recorder.look_up([url for canonical, (url, _hint) in pending.items() if canonical not in self.resolved])
        scheduled = 0
        for canonical, (url, hint) in pending.items():
            if canonical in self.resolved or not self._claim(url):
                continue
            if self.article_limit is not None and self.articles_scheduled >= self.article_limit:
                self.recorder.skip(url, "over the article limit of this run", counter="skipped")
                continue
            if not self.should_fetch_discovered(url, hint):
                self.recorder.skip(url, "already archived and unchanged", counter="skipped")
                continue
            self.articles_scheduled += 1
            assert self.crawler.engine is not None
            self.crawler.engine.crawl(self.article_request(url, hint))
            scheduled += 1
        if scheduled:
            logger.debug("%s: phase 2 fetches %d discovered links", self.source.id, scheduled)
            raise DontCloseSpider

    def should_fetch_discovered(self, url: str, hint: ArticleHint) -> bool:
        """Return True when a discovered link is fetched: it is not archived yet."""
        return not self.recorder.is_known(url)

    def _resolve(self, response: Response) -> None:
        """Remember every URL this response answered for (the request and its redirect chain)."""
        for url in [*response.meta.get("redirect_urls", []), response.url]:
            self.resolved.add(canonicalize_url(url))
        if response.meta.get("warta_start"):
            if response.status < 400:
                self.start_answered = True
            else:
                self.start_failures.append(f"{response.url}: HTTP {response.status}")

    async def parse_article(self, response: Response) -> None:
        """Record an article page: 304 seen, 404/410 gone, 200 extracted off the reactor and recorded."""
        self._resolve(response)
        self.recorder.queued -= 1
        capture_id = response.meta.get(CAPTURE_ID)
        if response.status == 304:
            pending = response.meta.get(PENDING_CAPTURE)
            self.recorder.record_not_modified(response.url, capture_id, validators_of(response), pending)
            return
        if response.status in (404, 410):
            self._missing(response, capture_id)
            return
        content_type = (response.headers.get("Content-Type") or b"").decode("latin-1")
        if not isinstance(response, TextResponse) or not is_page_type(content_type):
            self.recorder.add_error(response.url, f"not a text page ({content_type or 'no type'}): not recorded")
            return
        redirects = response.meta.get("redirect_urls") or []
        if redirects and not self.links.is_own_host(response.url) and self.links.is_own_host(redirects[0]):
            # A page of this source must not be replaced by whatever another host serves.
            self.recorder.add_error(redirects[0], f"redirected to another host ({response.url}): not recorded")
            return
        hint: ArticleHint = response.meta.get(HINT, ArticleHint())
        result = await self.pool.extract(
            response.body,
            response.url,
            language=self.source.language,
            timezone=self.timezone,
            fallback_title=hint.title,
            fallback_published=hint.published,
            fetched_at=response.meta.get(FETCHED_AT),
        )
        extracted = result.extracted
        if extracted is None or not (result.is_article or self.records_any_page):
            words = extracted.word_count if extracted is not None else 0
            self.recorder.skip(response.url, f"too little text to be an article ({words} words)")
            self.recorder.remember_validators(response.url, response.status, validators_of(response))
            return
        outcome = self.recorder.record_article(
            response.url,
            redirects[0] if redirects else None,
            extracted,
            capture_id,
            validators_of(response),
            fetched_at=response.meta.get(FETCHED_AT),
            story=result.story,
            events=result.events,
        )
        if capture_id is not None and self.requisites_max_bytes is not None:
            self._capture_requisites(response, capture_id, outcome)

    def _capture_requisites(self, response: TextResponse, capture_id: int, outcome: Outcome) -> None:
        """Fetch the page's images, stylesheets and fonts, unless it is unchanged and has them archived."""
        if outcome is Outcome.UNCHANGED and self.recorder.has_requisites(capture_id):
            return
        self.requisites.start(capture_id, response)

    def _missing(self, response: Response, capture_id: int | None) -> None:
        urls = [*response.meta.get("redirect_urls", []), response.url]
        if not self.recorder.record_missing(urls, response.status, capture_id, response.meta.get(FETCHED_AT)):
            self.recorder.add_error(response.url, f"HTTP {response.status}")

    def index_response_usable(self, response: Response) -> bool:
        """Handle the statuses of a feed, sitemap or listing; return True when its body should be read."""
        self._resolve(response)
        self.recorder.queued -= 1
        if response.status == 304:
            self.recorder.count("not_modified")
            self.recorder.remember_validators(response.url, 304, validators_of(response))
            return False
        if response.status >= 400:
            self.recorder.add_error(response.url, f"HTTP {response.status}")
            return False
        return True

    def index_done(self, response: Response) -> None:
        """Keep the validators of a feed, sitemap or listing page that was read, to store at the end."""
        self.index_validators.append((response.url, response.status, validators_of(response)))

    def closed(self, reason: str) -> None:
        """Store the index pages' validators, but only after a complete run without page errors.

        A validator stored too early would make the next run's request answer 304, and the
        articles that this run did not get to (it was stopped, or they failed) would never
        be discovered again; without it, the next run reads the index pages in full.
        """
        if self.recorder.run_id is None:
            return
        if "requisites" in self.__dict__:  # the fetcher was made: some page had requisites to fetch
            self.requisites.close()
        if reason != "finished" or self.recorder.counts.errors:
            logger.info(
                "%s: index pages will be read in full next run (run %s, %d page errors)",
                self.source.id,
                reason,
                self.recorder.counts.errors,
            )
            return
        for url, status, validators in self.index_validators:
            self.recorder.remember_validators(url, status, validators)

    def on_error(self, failure: Failure) -> None:
        """Count a request that got no usable answer; a network error never marks a page gone."""
        request: Request = failure.request  # type: ignore[attr-defined]
        self.recorder.queued -= 1
        error = failure.value
        if isinstance(error, OffOriginRequest):
            if request.meta.get("warta_start"):
                self.start_failures.append(f"{error.original_url or request.url}: {error}")
            self.recorder.add_error(error.original_url or request.url, str(error))
            return
        if isinstance(error, IgnoreRequest) and "robots.txt" in failure.getErrorMessage():
            logger.info("not fetched %s: robots.txt forbids it (set [crawler] obey_robots to change)", request.url)
            self.recorder.skip(request.url, "robots.txt forbids it", counter="skipped")
            return
        state: RenderState | None = request.meta.get(RENDER_STATE)
        rendering_failed = render_failure_reason(error, self.source, state) if state and error else None
        if rendering_failed is not None:
            reason = rendering_failed
            if request.meta.get("warta_start"):
                self.start_failures.append(f"{request.url}: {reason}")
        elif isinstance(error, HttpError):
            response: Response = error.response
            self._resolve(response)  # notes a failed start URL itself
            reason = f"HTTP {response.status}"
        else:
            # Redirect loops and decompression bombs also end as IgnoreRequest: they are errors, not skips.
            message = failure.getErrorMessage() or UNEXPLAINED_FAILURES.get(type(error).__name__, "no detail")
            reason = f"{failure.type.__name__ if failure.type else 'error'}: {message}"
            if request.meta.get("warta_start"):
                self.start_failures.append(f"{request.url}: {reason}")
        self.recorder.add_error(request.url, reason)

    def on_spider_error(self, failure: Failure, response: Response, spider: scrapy.Spider) -> None:
        """Count a page whose processing raised (a bug or a storage failure) as an error of the run."""
        if spider is self:
            self.recorder.add_error(response.url, f"processing failed: {failure.getErrorMessage()}")


def is_page_type(content_type: str) -> bool:
    """Return True for a Content-Type an article page may have (Scrapy sniffs a PDF as text)."""
    media_type = content_type.split(";", 1)[0].strip().lower()
    return not media_type or media_type.startswith("text/") or media_type in PAGE_MEDIA_TYPES


def validators_of(response: Response) -> Validators:
    """Return the ETag and Last-Modified a response carries (none for a page its scripts built from data)."""
    state: RenderState | None = response.meta.get(RENDER_STATE) if response.request is not None else None
    if state is not None and state.is_built_from_data:
        return (None, None)
    etag = response.headers.get(b"ETag")
    last_modified = response.headers.get(b"Last-Modified")
    return (
        etag.decode("latin-1") if etag else None,
        last_modified.decode("latin-1") if last_modified else None,
    )
