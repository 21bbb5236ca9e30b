"""A downloader middleware that keeps every HTTP response received as a capture, before anything acts on it.

It sits closest to the downloader, so it sees redirects, retried errors,
robots.txt answers and 304s exactly as they arrived (bodies still as
transferred). The capture id is left in the request's meta for the spider, which
links it to the document it records. A 304 to an article request that asks for it
(`CAPTURE_WITH_PAGE`) is left in the meta unsaved instead: the spider saves it in the
same transaction that records the 304, which halves the writes of a recrawl.

A page rendered in the browser (crawler.browser) arrives as the rendered DOM; its capture
is what the server sent (status, headers, body before any script ran), and the DOM is
kept beside it as a capture with the method RENDER, which the WARC export writes as a
`conversion` record referring to the response.
"""

from __future__ import annotations

import http
import logging
from typing import Self

from scrapy import Request
from scrapy.crawler import Crawler
from scrapy.http import Headers, Response, TextResponse

from warta.crawler.browser import RENDER_STATE, RenderState, not_modified_response
from warta.crawler.recorder import SourceRecorder
from warta.storage.captures import RENDER_METHOD, HttpExchange
from warta.storage.types import utcnow

logger = logging.getLogger(__name__)

CAPTURE_ID = "warta_capture_id"
FETCHED_AT = "warta_fetched_at"  # the exchange's time: a revision made from it is dated so (its WARC-Date)
CAPTURE_WITH_PAGE = "warta_capture_with_page"
PENDING_CAPTURE = "warta_pending_capture"


def header_pairs(headers: Headers) -> list[tuple[str, str]]:
    """Return Scrapy headers as (name, value) text pairs, one per value, in order."""
    pairs: list[tuple[str, str]] = []
    for name, values in headers.items():
        for value in values:
            pairs.append((bytes(name).decode("latin-1"), bytes(value).decode("latin-1")))
    return pairs


def reason_of(status: int) -> str:
    """Return the standard reason phrase of an HTTP status ('' for an unknown one)."""
    try:
        return http.HTTPStatus(status).phrase
    except ValueError:
        return ""


def exchange_of(request: Request, response: Response) -> HttpExchange:
    """Return the exchange of a request and the response received for it (for a rendered page: the server's)."""
    state: RenderState | None = request.meta.get(RENDER_STATE)
    server = state.server_response if state is not None else None
    if server is not None and "playwright" in response.flags:
        return HttpExchange(
            url=response.url,
            status=server.status,
            response_headers=server.headers,
            body=server.body,
            fetched_at=utcnow(),
            method=request.method,
            reason=reason_of(server.status),
            request_headers=header_pairs(request.headers),
        )
    return HttpExchange(
        url=response.url,
        status=response.status,
        response_headers=header_pairs(response.headers),
        body=response.body,
        fetched_at=utcnow(),
        method=request.method,
        reason=reason_of(response.status),
        http_version=response.protocol or "HTTP/1.1",
        request_headers=header_pairs(request.headers),
    )


def rendering_of(response: Response) -> HttpExchange | None:
    """Return the rendered DOM of a page the browser built (a RENDER capture), or None for any other response."""
    if "playwright" not in response.flags or response.status >= 300:
        return None
    return HttpExchange(
        url=response.url,
        status=response.status,
        response_headers=[("Content-Type", "text/html; charset=utf-8")],
        body=response.text.encode("utf-8") if isinstance(response, TextResponse) else response.body,
        fetched_at=utcnow(),
        method=RENDER_METHOD,
        reason=reason_of(response.status),
    )


class CaptureMiddleware:
    """Save each response as a capture of the running source."""

    def __init__(self, recorder: SourceRecorder | None) -> None:
        self.recorder = recorder

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> Self:
        """Return the middleware of one crawler, saving into its recorder (none: it saves nothing)."""
        return cls(crawler.get_extension(SourceRecorder))

    def process_response(self, request: Request, response: Response) -> Response:
        """Store the capture and remember its id on the request."""
        response = not_modified_response(request, response)
        recorder = self.recorder
        if recorder is None:
            return response
        exchange = exchange_of(request, response)
        request.meta[FETCHED_AT] = exchange.fetched_at
        if response.status == 304 and request.meta.get(CAPTURE_WITH_PAGE):
            request.meta[PENDING_CAPTURE] = exchange
        else:
            request.meta[CAPTURE_ID] = recorder.capture(exchange)
            rendering = rendering_of(response)
            if rendering is not None:
                recorder.capture_rendering(rendering)
        return response
