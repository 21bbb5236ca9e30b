"""Fetching page requisites in a crawl: the images, stylesheets and fonts each archived article page uses.

Opt-in (`[crawler] capture_requisites`, or `capture_requisites` on a source). When the
spider has recorded an article page, `RequisiteFetcher.start` reads what the page uses
(crawler.requisite_links) and fetches it through Scrapy's own scheduler, so robots.txt,
the per-host delay, the user agent, retries and the size limit apply as to any page.

- A page walks its requisites one at a time, stylesheets first, and a stylesheet's own
  imports, fonts and images right after it. So the page's byte budget
  (`[crawler] requisites_max_bytes`) holds exactly: each request may download what is
  left of it (Scrapy's `download_maxsize`), and what does not fit is left out.
- A URL is fetched once per crawl. A page using a requisite another page fetched (or is
  fetching) links that capture with no request and no cost to its budget. Redirects are
  followed here, not by Scrapy, so that a redirect to a URL already fetched fetches nothing.
- Every response is saved by crawler.capturing like any other, bodies once per digest
  (storage.captures): the same image under two URLs is stored once. When a page's walk
  ends, its capture is linked to the captures it used (storage.requisites), which the
  exports then carry along with the page.

Requisites are never extracted, never become documents and never count as errors of
the run; their counts are in the crawler's stats under `warta_requisites/`.
"""

from __future__ import annotations

import logging
from collections import deque
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

from scrapy import Request
from scrapy.http import Response, TextResponse
from scrapy.spidermiddlewares.httperror import HttpError
from scrapy.statscollectors import StatsCollector
from twisted.python.failure import Failure

from warta.crawler.capturing import CAPTURE_ID
from warta.crawler.requisite_links import Requisite, page_requisites, resolve_reference, stylesheet_requisites

logger = logging.getLogger(__name__)

STATS_PREFIX = "warta_requisites/"
REQUISITE = "warta_requisite"
# a page (or a hostile one) cannot make one walk request more than this many resources
MAX_REQUISITES_PER_PAGE = 200
# above articles (0) and revisits (1): a page's requisites are captured close in time to the page
PRIORITY = 2
REDIRECT_STATUSES = [301, 302, 303, 307, 308]
# Scrapy raises these when a response outgrows the request's download_maxsize (the rest of the budget)
OVER_SIZE_FAILURES = ("DownloadCancelledError", "CancelledError")
STYLESHEET_ACCEPT = "text/css,*/*;q=0.1"
RESOURCE_ACCEPT = "image/avif,image/webp,image/png,image/svg+xml,image/*;q=0.8,font/*;q=0.8,*/*;q=0.5"

LinkSaver = Callable[[int, list[int]], None]
Scheduler = Callable[[Request], None]


@dataclass(frozen=True)
class Fetched:
    """A requisite fetched in this crawl: its capture and what it refers to (a stylesheet's, a redirect's target)."""

    capture_ids: tuple[int, ...]
    requisites: tuple[Requisite, ...] = ()


@dataclass(eq=False)
class PageWalk:
    """One page's requisites still to go, its budget left, and the captures it used so far."""

    capture_id: int
    url: str
    remaining_bytes: int
    queue: deque[Requisite] = field(default_factory=deque)
    seen: set[str] = field(default_factory=set)
    used: list[int] = field(default_factory=list)


@dataclass(eq=False)
class InFlight:
    """A requisite being fetched for one page's walk, and the walks waiting for it."""

    fetcher: PageWalk
    requisite: Requisite
    waiting: list[PageWalk] = field(default_factory=list)


class RequisiteFetcher:
    """Fetches the requisites of a crawl's article pages and links them to the pages (one per spider)."""

    def __init__(
        self,
        max_bytes_per_page: int,
        max_response_bytes: int,
        schedule: Scheduler,
        save_links: LinkSaver,
        stats: StatsCollector,
    ) -> None:
        self.max_bytes_per_page = max_bytes_per_page
        self.max_response_bytes = max_response_bytes
        self.schedule = schedule
        self.save_links = save_links
        self.stats = stats
        self.fetched: dict[str, Fetched] = {}
        # requisites that got no usable answer, with the capture of the answer they got (a 404), if any
        self.failed: dict[str, int | None] = {}
        self.in_flight: dict[str, InFlight] = {}
        self.walks: set[PageWalk] = set()

    def start(self, capture_id: int, response: TextResponse) -> None:
        """Fetch the requisites of an archived page (its capture id) and link them to it when done."""
        walk = PageWalk(capture_id, response.url, self.max_bytes_per_page)
        self.walks.add(walk)
        self.count("pages")
        self._enqueue(walk, page_requisites(response.body, response.encoding, response.url))
        self._advance(walk)

    def close(self) -> None:
        """Link what the walks still going have used so far (the crawl is closing)."""
        for walk in list(self.walks):
            self._finish(walk)
        self.in_flight.clear()

    def count(self, name: str, amount: int = 1) -> None:
        """Add to one of the requisite counts in the crawler's stats."""
        self.stats.inc_value(STATS_PREFIX + name, amount)

    def on_response(self, response: Response) -> None:
        """Keep a fetched requisite (with what a stylesheet or redirect refers to) and move its waiting walks on."""
        requisite: Requisite = response.meta[REQUISITE]
        flight = self.in_flight.pop(requisite.url, None)
        children: list[Requisite] = []
        content_type = (response.headers.get("Content-Type") or b"").decode("latin-1").lower()
        location = response.headers.get("Location")
        if response.status in REDIRECT_STATUSES:
            target = resolve_reference(location.decode("latin-1"), response.url) if location else None
            children = [Requisite(target, requisite.is_stylesheet)] if target else []
        elif isinstance(response, TextResponse) and (requisite.is_stylesheet or content_type.startswith("text/css")):
            children = stylesheet_requisites(response.text, response.url)
        capture_id = response.meta.get(CAPTURE_ID)
        fetched = Fetched(() if capture_id is None else (capture_id,), tuple(children))
        self.fetched[requisite.url] = fetched
        self.count("fetched")
        self.count("bytes", len(response.body))
        if flight is None:  # the crawl closed its walks meanwhile
            return
        flight.fetcher.remaining_bytes -= len(response.body)
        for walk in [flight.fetcher, *flight.waiting]:
            self._use(walk, fetched)
            self._advance(walk)

    def on_failure(self, failure: Failure) -> None:
        """Leave out a requisite that got no usable answer: too big for the budget left, refused, or failed."""
        request: Request = failure.request  # type: ignore[attr-defined]
        requisite: Requisite = request.meta[REQUISITE]
        flight = self.in_flight.pop(requisite.url, None)
        error = failure.value
        capture_id = request.meta.get(CAPTURE_ID)
        if type(error).__name__ in OVER_SIZE_FAILURES:
            self.count("over_budget")
            logger.debug(
                "requisite %s left out: larger than the rest of the page's [crawler] requisites_max_bytes",
                requisite.url,
            )
        else:
            self.failed[requisite.url] = capture_id
            self.count("failed")
            reason = f"HTTP {error.response.status}" if isinstance(error, HttpError) else failure.getErrorMessage()
            logger.info("requisite %s not captured: %s", requisite.url, reason)
        if flight is None:
            return
        for walk in [flight.fetcher, *flight.waiting]:
            # an error answer (a 404) is what the page got, and replay shows it too
            if capture_id is not None:
                walk.used.append(capture_id)
            if walk is not flight.fetcher and requisite.url not in self.failed:
                walk.queue.appendleft(requisite)  # too big for the fetcher's budget; this page tries with its own
            self._advance(walk)

    def _enqueue(self, walk: PageWalk, requisites: Iterable[Requisite], first: bool = False) -> None:
        new = [requisite for requisite in requisites if requisite.url not in walk.seen and requisite.url != walk.url]
        room = MAX_REQUISITES_PER_PAGE - len(walk.seen)
        if len(new) > room:
            self.count("over_count", len(new) - room)
            logger.info("%s uses more than %d requisites; the rest are left out", walk.url, MAX_REQUISITES_PER_PAGE)
            new = new[: max(room, 0)]
        walk.seen.update(requisite.url for requisite in new)
        if first:
            walk.queue.extendleft(reversed(new))
        else:
            walk.queue.extend(new)

    def _use(self, walk: PageWalk, fetched: Fetched) -> None:
        walk.used.extend(fetched.capture_ids)
        self._enqueue(walk, fetched.requisites, first=True)

    def _advance(self, walk: PageWalk) -> None:
        """Go on with a walk: link what this crawl already holds, then fetch the next requisite, or finish."""
        while walk.queue:
            requisite = walk.queue.popleft()
            fetched = self.fetched.get(requisite.url)
            if fetched is not None:
                self.count("reused")
                self._use(walk, fetched)
                continue
            if requisite.url in self.failed:
                failed_capture = self.failed[requisite.url]
                if failed_capture is not None:
                    walk.used.append(failed_capture)
                continue
            flight = self.in_flight.get(requisite.url)
            if flight is not None:
                flight.waiting.append(walk)
                return
            if walk.remaining_bytes <= 0:
                self.count("over_budget")
                continue
            self.in_flight[requisite.url] = InFlight(walk, requisite)
            self.schedule(self._request(walk, requisite))
            return
        self._finish(walk)

    def _request(self, walk: PageWalk, requisite: Requisite) -> Request:
        return Request(
            requisite.url,
            callback=self.on_response,
            errback=self.on_failure,
            dont_filter=True,
            priority=PRIORITY,
            headers={
                "Referer": walk.url,
                "Accept": STYLESHEET_ACCEPT if requisite.is_stylesheet else RESOURCE_ACCEPT,
            },
            meta={
                REQUISITE: requisite,
                "dont_redirect": True,
                "handle_httpstatus_list": REDIRECT_STATUSES,
                # a requisite is fetched whole, once per crawl: a 304 would leave the WARC without it
                "warta_unconditional": True,
                "download_maxsize": min(walk.remaining_bytes, self.max_response_bytes),
            },
        )

    def _finish(self, walk: PageWalk) -> None:
        self.walks.discard(walk)
        if walk.used:
            self.save_links(walk.capture_id, list(dict.fromkeys(walk.used)))
        walk.used = []
        walk.queue.clear()
