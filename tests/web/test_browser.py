"""What a person sees in a real browser (Chromium driven by Playwright) over the crawled archive.

Playwright cannot download its own browser here: the tests launch Debian's chromium. Without
one they skip, saying so, except in CI (CI=true), where a missing browser fails them.
Screenshots at desktop and phone widths are saved under test-artifacts/web/.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from typing import Any

import pytest

from tests.conftest import ROOT
from tests.web.conftest import HOSTILE_PATH, CrawledSite
from tests.web.test_pages import EDITED_PATH, story_id
from warta.web.app import create_app
from warta.web.server import HttpServer

ARTIFACTS = ROOT / "test-artifacts" / "web"
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--no-first-run",
]
VIEWPORTS = {"desktop": {"width": 1280, "height": 900}, "phone": {"width": 390, "height": 844}}


def chromium_path() -> str:
    """Return Debian's chromium, or skip (fail in CI) when there is none."""
    found = os.environ.get("WARTA_CHROMIUM") or shutil.which("chromium") or shutil.which("chromium-browser")
    if found:
        return found
    if os.environ.get("CI") == "true":
        pytest.fail("no chromium on PATH; CI installs Debian's chromium package in .ci/run")
    pytest.skip("no chromium on PATH: install Debian's chromium (apt-get install chromium) to run the browser tests")


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    executable = chromium_path()
    sync_api = pytest.importorskip("playwright.sync_api")
    with sync_api.sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=executable, args=CHROMIUM_ARGS)
        yield launched
        launched.close()


@pytest.fixture(scope="module")
def base_url(crawled_site: CrawledSite) -> Iterator[str]:
    """Serve the archive browser over the crawled archive on 127.0.0.1 and yield its address."""
    server = HttpServer.bind(create_app(crawled_site.cfg, crawled_site.database), "127.0.0.1", 0)
    server.start()
    yield server.url.rstrip("/")
    server.stop()


@pytest.fixture
def page(browser: Any, base_url: str) -> Iterator[Any]:
    context = browser.new_context(base_url=base_url, viewport=VIEWPORTS["desktop"], java_script_enabled=True)
    opened = context.new_page()
    yield opened
    context.close()


def screenshot(browser: Any, base_url: str, path: str, name: str) -> None:
    """Save the page at desktop and phone widths, and check the phone layout does not scroll sideways."""
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    for width_name, viewport in VIEWPORTS.items():
        context = browser.new_context(base_url=base_url, viewport=viewport)
        shown = context.new_page()
        shown.goto(path)
        shown.screenshot(path=str(ARTIFACTS / f"{name}-{width_name}.png"), full_page=True)
        overflow = shown.evaluate("document.scrollingElement.scrollWidth - window.innerWidth")
        context.close()
        assert overflow <= 1, f"{path} scrolls sideways by {overflow}px at {width_name} width"


def test_the_diff_marks_exactly_the_edited_words(
    page: Any, crawled_site: CrawledSite, browser: Any, base_url: str
) -> None:
    path = f"/stories/{story_id(crawled_site, EDITED_PATH)}"
    page.goto(path)
    assert page.locator("p.diff-text del").all_inner_texts() == ["28-29 November", "Perkampungan Budaya Betawi"]
    inserted = page.locator("p.diff-text ins").all_inner_texts()
    assert inserted[0] == "5-6 Desember" and len(inserted) == 3
    # choosing the same revision twice leaves nothing marked
    page.select_option("#diff-from", "2")
    page.click("form.diff-choice button")
    assert page.locator("p.diff-text del, p.diff-text ins").count() == 0
    screenshot(browser, base_url, path, "story-diff")


def test_a_captured_pages_script_does_not_run(
    page: Any, crawled_site: CrawledSite, browser: Any, base_url: str
) -> None:
    story = story_id(crawled_site, HOSTILE_PATH)
    page.goto(f"/stories/{story}")
    frame_element = page.locator("iframe.capture")
    frame = frame_element.element_handle().content_frame()
    frame.wait_for_load_state()
    assert "Kafé Sénirupa" in frame.locator("h1").inner_text()
    assert frame.locator("html[data-captured-script-ran]").count() == 0
    assert frame.locator("html[data-onerror-ran]").count() == 0
    frame.locator("a", has_text="Daftar di sini").click()
    assert page.locator("body[data-captured-script-ran], body[data-link-ran]").count() == 0
    assert frame.locator("body[data-link-ran]").count() == 0
    # the page title shows the markup as text
    assert "<script>alert('judul')</script>" in page.locator("h1").inner_text()
    # negative control: the same body outside the sandbox does run its script
    body = page.request.get(frame_element.get_attribute("src")).text()
    control = browser.new_page()
    control.set_content(body)
    assert control.locator("html[data-captured-script-ran]").count() == 1
    control.close()
    screenshot(browser, base_url, f"/stories/{story}", "story-captured")


def test_the_source_chart_is_drawn(page: Any, browser: Any, base_url: str) -> None:
    page.goto("/sources/disbud")
    chart = page.locator("svg#activity-chart")
    box = chart.bounding_box()
    assert box is not None and box["width"] > 200 and box["height"] > 30
    bars = page.locator("svg#activity-chart rect.bar")
    assert bars.count() >= 2
    heights = [bars.nth(index).bounding_box()["height"] for index in range(bars.count())]
    assert all(height > 0 for height in heights)
    assert page.locator("table.runs tbody tr").count() == 2
    screenshot(browser, base_url, "/sources/disbud", "source")


def test_narrowing_changes_by_source_and_topic(
    page: Any, crawled_site: CrawledSite, browser: Any, base_url: str
) -> None:
    page.goto("/changes")
    everything = page.locator("ol.changes > li").count()
    page.select_option("#changes-source", "kabar")
    page.click("form.filters button")
    sources = page.locator("ol.changes > li .meta a[href^='/sources/']").all_inner_texts()
    assert sources and set(sources) == {"Kabar Jakarta (demo)"}
    assert page.url.endswith("source=kabar&topic=&days=30")
    page.select_option("#changes-source", "")
    page.select_option("#changes-topic", crawled_site.cfg.topics[0].id)
    page.click("form.filters button")
    in_topic = page.locator("ol.changes > li").count()
    assert 0 < in_topic < everything
    screenshot(browser, base_url, "/", "home")


def search_or_skip() -> None:
    from warta.web.searching import search_module

    if search_module() is None:
        pytest.skip("warta.storage.search (the full-text search) is not in this build yet")


def test_searching_a_word_with_or_without_its_accent_finds_the_same_stories(
    page: Any, browser: Any, base_url: str
) -> None:
    search_or_skip()
    found = {}
    for query in ("Kafé", "kafe", "SÉNIRUPA"):
        page.goto("/")
        page.fill("#home-q", query)
        page.press("#home-q", "Enter")
        found[query] = page.locator("ol.results a.hit-title").all_inner_texts()
        assert page.locator("ol.results mark").count() >= 1
    assert found["Kafé"] and found["Kafé"] == found["kafe"] == found["SÉNIRUPA"]
    screenshot(browser, base_url, "/search?q=kafe", "search")


def test_a_phrase_query_matches_the_phrase_only(page: Any) -> None:
    search_or_skip()
    page.goto('/search?q="Setu Babakan"')
    phrase = page.locator("ol.results a.hit-title").count()
    page.goto('/search?q="Babakan Setu"')
    assert page.locator("ol.results a.hit-title").count() == 0
    assert phrase > 0


def test_narrowing_a_search_by_topic_and_source(page: Any, crawled_site: CrawledSite) -> None:
    search_or_skip()
    page.goto("/search?q=jakarta")
    everything = int(page.locator("h2 .total").inner_text())
    page.select_option("#source", "kabar")
    page.click("form.search-form button")
    by_source = int(page.locator("h2 .total").inner_text())
    assert 0 < by_source < everything
    page.select_option("#source", "")
    page.select_option("#topic", crawled_site.cfg.topics[0].id)
    page.click("form.search-form button")
    assert int(page.locator("h2 .total").inner_text()) < everything
