"""Rendering pages in Chromium through scrapy-playwright: finding the browser, its settings, the request meta.

A source with `render = "browser"` crawls with scrapy-playwright's download handler (only that
source's crawler switches handlers). Its listing and article requests go through a fresh browser
context each, closed with the page; robots.txt and everything else stays plain HTTP, and Scrapy's
scheduler still applies the per-host delay and concurrency to every page. Images, fonts and media
are never downloaded. The server's own answer (status, headers, body as sent) is kept beside the
rendered DOM, so a capture shows both what the server sent and what a reader saw.

Conditional requests apply as to any page, with one exception: when a page's scripts fetched
data (an application shell reading a JSON API), the document's ETag and Last-Modified say
nothing about what a reader sees, so they are not kept and the page is rendered again on the
next run. A page whose content is in its document answers 304 and is not rendered again.

It does not install a browser: Playwright's download is not reachable here, so warta launches
the distribution's Chromium through `executable_path`.
"""

from __future__ import annotations

import itertools
import logging
import os
import shutil
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urljoin

from warta.config import SourceConfig, WartaConfig
from warta.crawler.origins import describe_off_origin

logger = logging.getLogger(__name__)

# Debian's chromium first; then other distributions' names for it, and Chrome.
BROWSER_PATHS = (
    "/usr/bin/chromium",
    "/usr/bin/chromium-browser",
    "/usr/lib/chromium/chromium",
    "/usr/lib64/chromium-browser/chromium-browser",
    "/snap/bin/chromium",
    "/usr/bin/google-chrome-stable",
    "/usr/bin/google-chrome",
)
BROWSER_NAMES = ("chromium", "chromium-browser", "google-chrome-stable", "google-chrome")
INSTALL_HINT = "install one (Debian/Ubuntu: apt install chromium) or set [crawler] browser_path to its executable"
# Resource types a browser page may not download: the text never depends on them.
BLOCKED_RESOURCE_TYPES = frozenset({"image", "font", "media"})
# Requests through which a page's scripts fetch its content.
DATA_RESOURCE_TYPES = frozenset({"fetch", "xhr", "eventsource", "websocket"})
RENDER_STATE = "warta_render"
_contexts = itertools.count(1)


@dataclass(frozen=True)
class ServerResponse:
    """What the server sent for a rendered page's navigation, before any script ran."""

    status: int
    headers: list[tuple[str, str]]
    body: bytes


@dataclass
class RenderState:
    """What one rendered page left for the crawl: the server's answer and how many data requests it made."""

    timeout_ms: float = 30_000
    max_page_bytes: int = 10_000_000
    server_response: ServerResponse | None = None
    data_requests: int = 0
    failure: str | None = None
    # the source's origins (crawler.links): a navigation that leaves them is not followed
    is_own_url: Callable[[str], bool] = lambda _url: True

    @property
    def is_built_from_data(self) -> bool:
        """Return True when the page's scripts fetched data (its content does not live in the document alone)."""
        return self.data_requests > 0


def render_failure_reason(error: BaseException, source: SourceConfig, state: RenderState) -> str | None:
    """Return the page error of a browser failure (a timeout, a crashed or missing browser), None for others."""
    if state.failure is not None:
        return state.failure
    from playwright.async_api import Error as PlaywrightError
    from playwright.async_api import TimeoutError as PlaywrightTimeoutError

    if isinstance(error, PlaywrightTimeoutError):
        waited = f" (waiting for wait_for = {source.wait_for!r})" if "wait_for_selector" in str(error) else ""
        seconds = source.render_timeout.total_seconds()
        return f"the page did not finish rendering within render_timeout ({seconds:g}s){waited}"
    if isinstance(error, PlaywrightError):
        # Playwright's messages run on with a call log; the first line says what happened
        first_line = (error.message or str(error)).strip().splitlines()[0]
        return f"the browser failed: {first_line}"
    return None


def find_browser(configured: Path | None) -> Path | None:
    """Return the Chromium to launch: the configured one if it is executable, else the first found; None if none."""
    if configured is not None:
        return configured if _is_executable(configured) else None
    for candidate in BROWSER_PATHS:
        if _is_executable(Path(candidate)):
            return Path(candidate)
    for name in BROWSER_NAMES:
        found = shutil.which(name)
        if found:
            return Path(found)
    return None


def _is_executable(path: Path) -> bool:
    return path.is_file() and os.access(path, os.X_OK)


def missing_browser_reason(cfg: WartaConfig) -> str:
    """Return why no browser can render pages under this config, naming the key and the fix."""
    configured = cfg.crawler.browser_path
    if configured is not None:
        return f"[crawler] browser_path = {str(configured)!r} is not an executable file; {INSTALL_HINT}"
    return f"no Chromium found at {', '.join(BROWSER_PATHS[:3])} or on PATH ([crawler] browser_path); {INSTALL_HINT}"


def browser_problems(cfg: WartaConfig) -> list[str]:
    """Return one problem per enabled browser source when no Chromium can be found (for `config check`)."""
    if find_browser(cfg.crawler.browser_path) is not None:
        return []
    reason = missing_browser_reason(cfg)
    return [
        f"sources[{index}] ({source.id}).render = 'browser' needs Chromium: {reason}"
        for index, source in enumerate(cfg.sources)
        if source.render == "browser" and source.enabled
    ]


def quiet_handler_log() -> None:
    """Keep scrapy-playwright's per-page warnings (a traceback for each failed page) out of the log.

    Each failed page is recorded as a page error with its reason already; with the `scrapy` logger at
    DEBUG (warta --log-level debug) the handler's own records stay.
    """
    if logging.getLogger("scrapy").getEffectiveLevel() > logging.DEBUG:
        logging.getLogger("scrapy-playwright").setLevel(logging.ERROR)


def browser_settings(cfg: WartaConfig, executable: Path) -> dict[str, Any]:
    """Return the Scrapy settings that make one crawler render its page requests in this Chromium."""
    handler = "scrapy_playwright.handler.ScrapyPlaywrightDownloadHandler"
    return {
        "DOWNLOAD_HANDLERS": {"http": handler, "https": handler},
        "PLAYWRIGHT_BROWSER_TYPE": "chromium",
        "PLAYWRIGHT_LAUNCH_OPTIONS": {
            "executable_path": str(executable),
            "headless": True,
            # containers and CI run as root without user namespaces; the renderer still runs sandboxed by seccomp
            "args": ["--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage"],
        },
        # one page per context, each context closed with its page: memory stays flat over a long crawl
        "PLAYWRIGHT_MAX_CONTEXTS": cfg.crawler.max_browser_pages,
        "PLAYWRIGHT_MAX_PAGES_PER_CONTEXT": 1,
        "PLAYWRIGHT_ABORT_REQUEST": "warta.crawler.browser.is_blocked_resource",
        # a crashed browser fails the source's remaining pages with its reason instead of starting another
        "PLAYWRIGHT_RESTART_DISCONNECTED_BROWSER": False,
    }


def is_blocked_resource(request: Any) -> bool:
    """Return True for a browser request that is not downloaded: images, fonts and media."""
    return str(request.resource_type) in BLOCKED_RESOURCE_TYPES


def render_meta(source: SourceConfig, max_page_bytes: int, is_own_url: Callable[[str], bool]) -> dict[str, Any]:
    """Return the request meta that renders one page of a browser source in a context of its own."""
    from scrapy_playwright.page import PageMethod

    timeout_ms = source.render_timeout.total_seconds() * 1000
    # Scrapy copies a request's meta: the page's listeners and methods share this state object instead
    state = RenderState(timeout_ms=timeout_ms, max_page_bytes=max_page_bytes, is_own_url=is_own_url)
    return {
        "playwright": True,
        "playwright_context": f"warta-page-{next(_contexts)}",
        "playwright_page_goto_kwargs": {"timeout": timeout_ms, "wait_until": "load"},
        "playwright_page_init_callback": fetch_document_first,
        "playwright_page_event_handlers": {"request": _data_request_listener(state), "close": close_context},
        "playwright_page_methods": [PageMethod(settle_page, state, source.wait_for, timeout_ms)],
        RENDER_STATE: state,
    }


def _data_request_listener(state: RenderState) -> Any:
    """Return a page listener that counts the page's data requests (fetch, XMLHttpRequest, streams)."""

    def on_request(request: Any) -> None:
        if str(request.resource_type) in DATA_RESOURCE_TYPES:
            state.data_requests += 1

    return on_request


async def fetch_document_first(page: Any, request: Any) -> None:
    """Route the page's own document through a fetch that keeps the server's answer before the browser sees it.

    The document is requested with the crawl's headers (user agent, If-None-Match), only on the source's
    origins (a redirect elsewhere is a page error naming its target); a 304 is handed to
    the browser as an empty page, since Chromium aborts a navigation answered 304, and the crawl turns it
    back into a 304 (`not_modified_response`). A body over max_page_bytes is not rendered at all.
    """
    state: RenderState = request.meta[RENDER_STATE]
    crawl_headers = {name.lower(): value for name, value in request.headers.to_unicode_dict().items()}

    async def on_route(route: Any, browser_request: Any) -> None:
        if not (browser_request.is_navigation_request() and browser_request.frame.parent_frame is None):
            await route.fallback()  # scrapy-playwright's own route: blocked types, the user agent
            return
        if not state.is_own_url(browser_request.url):
            # a redirect (or a script's navigation) away from the source's origins is not followed
            state.failure = describe_off_origin(browser_request.url, request.url)
            await route.abort()
            return
        headers = {**await browser_request.all_headers(), **crawl_headers}
        answer = await route.fetch(headers=headers, max_redirects=0, timeout=state.timeout_ms)
        body = await answer.body()
        if len(body) > state.max_page_bytes:
            state.failure = f"the body grew past [crawler] max_page_bytes ({state.max_page_bytes})"
            await route.abort()
            return
        pairs = [(item["name"], item["value"]) for item in answer.headers_array]
        location = answer.headers.get("location") if 300 <= answer.status < 400 else None
        if location:
            target = urljoin(browser_request.url, location)
            if not state.is_own_url(target):
                state.failure = describe_off_origin(target, request.url)
                await route.abort()
                return
            # Chromium follows the redirect itself, past this route: the page's capture is then what it rendered
            state.server_response = None
            await route.fulfill(response=answer, body=body)
            return
        state.server_response = ServerResponse(answer.status, pairs, body)
        if answer.status == 304:
            await route.fulfill(status=200, body="", content_type="text/html")
        else:
            await route.fulfill(response=answer, body=body)

    await page.route("**", on_route)


async def settle_page(page: Any, state: RenderState, wait_for: str | None, timeout_ms: float) -> None:
    """Wait for `wait_for` on a page that has content to wait for (not a 304, a redirect or an error)."""
    server = state.server_response
    if wait_for and server is not None and server.status < 300:
        await page.wait_for_selector(wait_for, timeout=timeout_ms, state="attached")


def not_modified_response(request: Any, response: Any) -> Any:
    """Return the 304 the server sent for a rendered page (the browser saw an empty page), else `response`."""
    state: RenderState | None = request.meta.get(RENDER_STATE)
    server = state.server_response if state is not None else None
    if server is None or server.status != 304 or "playwright" not in response.flags:
        return response
    return response.replace(status=304, body=b"", headers=server.headers)


async def close_context(page: Any) -> None:
    """Close the browser context of a page that closed (rendered or failed), so the next page gets a fresh one."""
    try:
        await page.context.close()
    except Exception as exc:  # the browser may be gone already; its contexts then need no closing
        logger.debug("closing a browser context failed: %s", exc)
