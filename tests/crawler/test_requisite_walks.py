"""The requisite fetcher's bookkeeping, driven by hand: pages waiting on each other, budgets, failures.

The real crawl (tests/crawler/test_requisites.py) shows the outcome; these cases pin down the
orders that a crawl only sometimes produces, such as two pages wanting one stylesheet at once.
"""

from __future__ import annotations

from collections import defaultdict

from scrapy import Request
from scrapy.exceptions import DownloadCancelledError
from scrapy.http import HtmlResponse, Response, TextResponse
from scrapy.spidermiddlewares.httperror import HttpError
from twisted.python.failure import Failure

from warta.crawler.capturing import CAPTURE_ID
from warta.crawler.requisites import RequisiteFetcher

SITE = "http://situs.test"
STYLESHEET = f"{SITE}/gaya.css"
PATTERN = f"{SITE}/pola.png"
PHOTO = f"{SITE}/foto.png"


class Stats:
    """Just enough of a Scrapy stats collector."""

    def __init__(self) -> None:
        self.values: dict[str, int] = defaultdict(int)

    def inc_value(self, key: str, count: int = 1) -> None:
        self.values[key] += count


class Harness:
    """A fetcher whose requests are kept instead of crawled, and whose links are kept instead of stored."""

    def __init__(self, budget: int = 10_000) -> None:
        self.requests: list[Request] = []
        self.links: dict[int, list[int]] = {}
        self.stats = Stats()
        self.captures = 100
        self.fetcher = RequisiteFetcher(budget, 1_000_000, self.requests.append, self.save, self.stats)  # type: ignore[arg-type]

    def save(self, capture_id: int, requisite_ids: list[int]) -> None:
        assert capture_id not in self.links, "a page's links are saved once"
        self.links[capture_id] = requisite_ids

    def page(self, capture_id: int, html: str) -> None:
        self.fetcher.start(
            capture_id, HtmlResponse(f"{SITE}/berita/{capture_id}", body=html.encode(), encoding="utf-8")
        )

    def pending(self, url: str) -> Request:
        [request] = [request for request in self.requests if request.url == url]
        self.requests.remove(request)
        return request

    def answer(self, url: str, body: bytes = b"x", content_type: str = "image/png") -> int:
        """Answer the pending request for `url`; return the capture id it was saved under."""
        request = self.pending(url)
        self.captures += 1
        request.meta[CAPTURE_ID] = self.captures
        cls = TextResponse if content_type.startswith("text/") else Response
        headers = {"Content-Type": content_type}
        response = cls(
            url, body=body, headers=headers, request=request, **({"encoding": "utf-8"} if cls is TextResponse else {})
        )
        self.fetcher.on_response(response)
        return self.captures

    def fail(self, url: str, error: Exception, status: int | None = None) -> int | None:
        request = self.pending(url)
        capture_id = None
        if status is not None:
            self.captures += 1
            capture_id = request.meta[CAPTURE_ID] = self.captures
            error = HttpError(Response(url, status=status, request=request), "ignored")
        failure = Failure(error)
        failure.request = request  # type: ignore[attr-defined]
        self.fetcher.on_failure(failure)
        return capture_id


PAGE = f'<html><head><link rel="stylesheet" href="{STYLESHEET}"></head><body><img src="{PHOTO}"></body></html>'


def test_two_pages_wanting_one_stylesheet_fetch_it_once_and_both_link_it() -> None:
    harness = Harness()
    harness.page(1, PAGE)
    harness.page(2, PAGE)
    assert [request.url for request in harness.requests] == [STYLESHEET]  # page 2 waits for page 1's request
    stylesheet = harness.answer(STYLESHEET, f"body {{ background: url({PATTERN}) }}".encode(), "text/css")
    # the stylesheet's own requisite comes next, before the page's image, once for both pages
    assert [request.url for request in harness.requests] == [PATTERN]
    pattern = harness.answer(PATTERN)
    assert [request.url for request in harness.requests] == [PHOTO]
    photo = harness.answer(PHOTO)
    assert harness.requests == []
    assert harness.links == {1: [stylesheet, pattern, photo], 2: [stylesheet, pattern, photo]}
    assert harness.stats.values["warta_requisites/fetched"] == 3


def test_page_started_later_links_what_the_crawl_holds_without_a_request() -> None:
    harness = Harness()
    harness.page(1, PAGE)
    stylesheet = harness.answer(STYLESHEET, b"body {}", "text/css")
    photo = harness.answer(PHOTO)
    harness.page(2, PAGE)
    assert harness.requests == []
    assert harness.links[2] == [stylesheet, photo]
    assert harness.stats.values["warta_requisites/reused"] == 2


def test_budget_spent_leaves_the_rest_out_and_what_the_crawl_holds_costs_nothing() -> None:
    harness = Harness(budget=100)
    harness.page(1, f'<img src="{PHOTO}"><img src="{PATTERN}">')
    assert harness.requests[0].meta["download_maxsize"] == 100  # no response may outgrow the page's budget
    photo = harness.answer(PHOTO, b"p" * 100)
    assert harness.requests == []  # the budget is spent: the pattern is left out
    assert harness.links == {1: [photo]}
    assert harness.stats.values["warta_requisites/over_budget"] == 1
    harness.page(2, f'<img src="{PHOTO}"><img src="{PATTERN}">')
    # the photo is held already: linked for free, so the pattern gets the whole budget
    assert [request.meta["download_maxsize"] for request in harness.requests] == [100]
    pattern = harness.answer(PATTERN)
    assert harness.links[2] == [photo, pattern]


def test_too_big_for_one_page_is_tried_by_a_waiting_page_with_its_own_budget() -> None:
    harness = Harness()
    harness.page(1, f'<img src="{PHOTO}">')
    harness.page(2, f'<img src="{PHOTO}">')
    harness.fail(PHOTO, DownloadCancelledError("larger than download max size"))
    assert [request.url for request in harness.requests] == [PHOTO]  # page 2 asks again
    assert harness.links == {}  # page 1 ended with nothing to link
    photo = harness.answer(PHOTO)
    assert harness.links == {2: [photo]}


def test_error_answer_is_linked_and_never_asked_again() -> None:
    harness = Harness()
    harness.page(1, f'<img src="{PHOTO}">')
    missing = harness.fail(PHOTO, Exception(), status=404)
    harness.page(2, f'<img src="{PHOTO}">')
    assert harness.requests == []
    # replay shows the 404 the page got, on both pages
    assert harness.links == {1: [missing], 2: [missing]}
    assert harness.stats.values["warta_requisites/failed"] == 1


def test_redirect_is_followed_through_the_walk_so_a_held_target_is_not_fetched_again() -> None:
    harness = Harness()
    harness.page(1, f'<img src="{PHOTO}"><img src="{SITE}/lama.png">')
    photo = harness.answer(PHOTO)
    request = harness.pending(f"{SITE}/lama.png")
    harness.captures += 1
    request.meta[CAPTURE_ID] = harness.captures
    moved = Response(f"{SITE}/lama.png", status=301, headers={"Location": "/foto.png"}, request=request)
    harness.fetcher.on_response(moved)
    assert harness.requests == []
    assert harness.links == {1: [photo, harness.captures]}


def test_closing_saves_what_unfinished_walks_used() -> None:
    harness = Harness()
    harness.page(1, PAGE)
    stylesheet = harness.answer(STYLESHEET, b"body {}", "text/css")
    assert [request.url for request in harness.requests] == [PHOTO]
    harness.fetcher.close()
    assert harness.links == {1: [stylesheet]}
    harness.answer(PHOTO)  # an answer after the close changes nothing
    assert harness.links == {1: [stylesheet]}
