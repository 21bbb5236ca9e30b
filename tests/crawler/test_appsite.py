"""The application-shell fixture site answers what its docstring promises (no browser needed)."""

from __future__ import annotations

import json
import socket
import urllib.error
import urllib.request
from collections.abc import Iterator
from typing import Any

import pytest

from tests.crawler.appsite import EDITED_SLUG, LATE_SLUG, PAGE_SIZE, STORIES, STUCK_SLUG, AppSite
from tests.web.test_browser import CHROMIUM_ARGS, chromium_path


@pytest.fixture(scope="module")
def running_site() -> Iterator[AppSite]:
    with AppSite() as running:
        yield running


@pytest.fixture
def site(running_site: AppSite) -> AppSite:
    running_site.reset()
    return running_site


def fetch(url: str, timeout: float = 10) -> tuple[int, bytes]:
    try:
        with urllib.request.urlopen(url, timeout=timeout) as response:
            return response.status, response.read()
    except urllib.error.HTTPError as exc:
        with exc:
            return exc.code, exc.read()


def api(site: AppSite, path: str) -> Any:
    status, body = fetch(site.url + path)
    assert status == 200
    return json.loads(body)


def test_the_api_pages_through_every_story_with_next_links(site: AppSite) -> None:
    seen: list[str] = []
    url: str | None = site.url + "/api/articles?page=1"
    while url:
        data = json.loads(fetch(url)[1])["data"]
        assert len(data["items"]) <= PAGE_SIZE
        seen += [item["slug"] for item in data["items"]]
        url = data["next"]
    assert seen == [story.slug for story in STORIES]
    assert api(site, "/api/articles?page=99")["data"]["items"] == []


def test_items_carry_the_fields_a_json_source_maps(site: AppSite) -> None:
    item = api(site, "/api/articles?page=1")["data"]["items"][0]
    assert item["url"] == f"{site.url}/articles/{STORIES[0].slug}"
    assert item["title"] == STORIES[0].title
    assert item["published"].endswith("+07:00")
    assert item["body"] == STORIES[0].body_html()
    assert api(site, f"/api/articles/{STORIES[0].slug}")["data"] == item
    status, page = fetch(item["print_url"])
    assert status == 200 and STORIES[0].paragraphs[0].encode() in page


def test_the_shell_holds_no_story_text(site: AppSite) -> None:
    status, shell = fetch(f"{site.url}/articles/{STORIES[0].slug}")
    assert status == 200
    assert b'<div id="app"' in shell and b'src="/app.js' in shell
    assert STORIES[0].title.encode() not in shell
    assert fetch(site.url + "/app.js")[0] == 200
    assert fetch(site.url + "/articles/no-such-story")[0] == 404


def test_day_two_edits_one_story_only(site: AppSite) -> None:
    before = api(site, "/api/articles?page=1")["data"]["items"]
    site.edit_day_two()
    after = api(site, "/api/articles?page=1")["data"]["items"]
    changed = [new["slug"] for old, new in zip(before, after, strict=True) if old != new]
    assert changed == [EDITED_SLUG]


def test_shell_change_and_key_order_change_keep_the_stories(site: AppSite) -> None:
    shell_before = fetch(site.url + "/")[1]
    raw_before = fetch(site.url + "/api/articles?page=1")[1]
    site.change_shell()
    site.reverse_key_order()
    raw_after = fetch(site.url + "/api/articles?page=1")[1]
    assert fetch(site.url + "/")[1] != shell_before
    assert raw_after != raw_before
    assert json.loads(raw_after) == json.loads(raw_before)
    assert next(iter(json.loads(raw_after))) == "data"


def test_the_list_can_move_to_another_key(site: AppSite) -> None:
    site.rename_list()
    data = api(site, "/api/articles?page=1")["data"]
    assert "items" not in data
    assert [item["slug"] for item in data["entries"]] == [story.slug for story in STORIES[:PAGE_SIZE]]


def test_the_late_story_is_listed_only_after_the_switch(site: AppSite) -> None:
    assert fetch(f"{site.url}/api/articles/{LATE_SLUG}")[0] == 404
    site.publish_late()
    assert api(site, "/api/articles?page=1")["data"]["items"][0]["slug"] == LATE_SLUG
    assert fetch(f"{site.url}/articles/{LATE_SLUG}")[0] == 200


def test_the_stuck_story_api_never_answers(site: AppSite) -> None:
    assert fetch(f"{site.url}/articles/{STUCK_SLUG}")[0] == 200
    with pytest.raises((TimeoutError, socket.timeout, urllib.error.URLError)):
        fetch(f"{site.url}/api/articles/{STUCK_SLUG}", timeout=0.5)
    assert STUCK_SLUG not in json.dumps(api(site, "/api/articles?page=3"))
    site.list_stuck()
    assert STUCK_SLUG in json.dumps(api(site, "/api/articles?page=3"))


def test_a_matching_etag_gets_304(site: AppSite) -> None:
    with urllib.request.urlopen(site.url + "/api/articles?page=1", timeout=10) as response:
        etag = response.headers["ETag"]
    request = urllib.request.Request(site.url + "/api/articles?page=1", headers={"If-None-Match": etag})
    with pytest.raises(urllib.error.HTTPError) as raised:
        urllib.request.urlopen(request, timeout=10)
    raised.value.close()
    assert raised.value.code == 304


def test_the_shell_builds_the_listing_and_the_article_in_a_real_browser(site: AppSite) -> None:
    executable = chromium_path()
    sync_api = pytest.importorskip("playwright.sync_api")
    with sync_api.sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=executable, args=CHROMIUM_ARGS)
        try:
            page = browser.new_page()
            page.goto(site.url + "/?page=3")
            page.wait_for_selector("ul.articles a")
            assert [a.get_attribute("href") for a in page.query_selector_all("ul.articles a")] == [
                f"/articles/{STORIES[4].slug}"
            ]
            assert page.query_selector("a[rel=next]") is None  # the last page
            page.goto(f"{site.url}/articles/{STORIES[0].slug}")
            page.wait_for_selector("article .body p")
            assert page.inner_text("article h1") == STORIES[0].title
            assert page.inner_text("article .body") == "\n\n".join(STORIES[0].paragraphs)
            page.goto(f"{site.url}/articles/{STUCK_SLUG}", wait_until="domcontentloaded")
            assert page.query_selector("#app") is not None
            with pytest.raises(sync_api.TimeoutError):
                page.wait_for_selector("article", timeout=1000)
        finally:
            browser.close()
