"""Rendering one page in Chromium for `discover`: its rendered HTML and the JSON answers its scripts read.

Outside a crawl (no Scrapy reactor), so it drives Playwright's synchronous API directly, in a
context of its own, with images, fonts and media blocked as in a crawl (crawler.browser).
"""

from __future__ import annotations

import json
import logging
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from warta.crawler.browser import BLOCKED_RESOURCE_TYPES, DATA_RESOURCE_TYPES

logger = logging.getLogger(__name__)

MAX_JSON_ANSWERS = 10
MAX_JSON_BYTES = 5_000_000


@dataclass(frozen=True)
class JsonAnswer:
    """One JSON answer a page's scripts fetched."""

    url: str
    data: Any


@dataclass
class RenderedPage:
    """What a page looked like after its scripts ran, and the JSON they read."""

    url: str
    html: str
    json_answers: list[JsonAnswer] = field(default_factory=list)


class PageRenderer:
    """Renders pages in one Chromium executable with the crawl's user agent."""

    def __init__(self, executable: Path, user_agent: str, timeout_seconds: float) -> None:
        self.executable = executable
        self.user_agent = user_agent
        self.timeout_seconds = timeout_seconds

    def render(self, url: str) -> RenderedPage:
        """Return the page at `url` after its scripts ran and the network went quiet (or the timeout passed)."""
        from playwright.sync_api import Error, sync_playwright

        timeout_ms = self.timeout_seconds * 1000
        answers: list[Any] = []
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(
                executable_path=str(self.executable),
                headless=True,
                args=["--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage"],
            )
            try:
                context = browser.new_context(user_agent=self.user_agent)
                page = context.new_page()
                page.route("**", _block_heavy)
                page.on("response", lambda response: _keep_data(response, answers))
                page.goto(url, timeout=timeout_ms, wait_until="load")
                try:
                    page.wait_for_load_state("networkidle", timeout=timeout_ms)
                except Error:
                    logger.info("%s kept the network busy; reading it as it is after %ss", url, self.timeout_seconds)
                rendered = RenderedPage(page.url, page.content())
                for response in answers[:MAX_JSON_ANSWERS]:
                    answer = _json_of(response)
                    if answer is not None:
                        rendered.json_answers.append(answer)
                return rendered
            finally:
                browser.close()


def _block_heavy(route: Any, request: Any) -> None:
    if str(request.resource_type) in BLOCKED_RESOURCE_TYPES:
        route.abort()
    else:
        route.continue_()


def _keep_data(response: Any, answers: list[Any]) -> None:
    if str(response.request.resource_type) in DATA_RESOURCE_TYPES and response.ok:
        answers.append(response)


def _json_of(response: Any) -> JsonAnswer | None:
    """Return the response's JSON, or None when it is not JSON (or too large, or gone)."""
    try:
        body = response.body()
    except Exception:  # the page navigated away and the body went with it
        return None
    if len(body) > MAX_JSON_BYTES:
        return None
    try:
        return JsonAnswer(response.url, json.loads(body))
    except (ValueError, UnicodeDecodeError):
        return None
