"""`warta discover` on application shells: it says so, proposes render = "browser" and guesses a JSON source."""

from __future__ import annotations

import os
import tomllib
from collections.abc import Iterator
from pathlib import Path

import pytest
from click.testing import CliRunner

from tests.conftest import write_config
from tests.crawler.appsite import AppSite
from warta.cli.root import cli
from warta.crawler.app_shell import detect_app_shell
from warta.crawler.browser import find_browser
from warta.crawler.json_guess import guess_json_mapping

ARTICLE = "<p>" + " ".join(["Dinas Kebudayaan mengundang warga menyaksikan pentas lenong."] * 8) + "</p>"


@pytest.mark.parametrize(
    ("html", "is_shell"),
    [
        ('<html><body><div id="app"></div><script src="/app.js"></script></body></html>', True),
        ('<html><body><div id="root"></div></body></html>', True),
        ('<html><body><main>Memuat...</main><script src="/bundle.3f9a.js"></script></body></html>', True),
        (f'<html><body><article>{ARTICLE}</article><script src="/analytics.js"></script></body></html>', False),
        ("<html><body><p>Halaman kosong tanpa skrip.</p></body></html>", False),
    ],
    ids=["empty-root-and-bundle", "empty-root-only", "bundle-only", "article-with-script", "short-page-no-script"],
)
def test_app_shell_is_little_text_and_a_bundle_or_an_empty_root(html: str, is_shell: bool) -> None:
    assert (detect_app_shell(html.encode()) is not None) is is_shell


def test_json_guess_maps_items_fields_and_next_page() -> None:
    data = {
        "status": "ok",
        "data": {
            "next": "https://example.org/api?page=2",
            "items": [
                {
                    "slug": "a-b-c",
                    "link": "https://example.org/a-b-c",
                    "judul": "Pentas lenong",
                    "tanggal": "2026-11-27T14:05:00+07:00",
                    "isi": "<p>Isi</p>",
                }
            ],
        },
    }
    guess = guess_json_mapping("https://example.org/api", data)
    assert guess is not None and guess.is_complete
    assert guess.items == "data.items"
    assert guess.fields == {
        "url": "link",
        "title": "judul",
        "published": "tanggal",
        "body": "isi",
        "next_page": "data.next",
    }


def test_json_without_a_list_of_objects_gives_no_guess() -> None:
    assert guess_json_mapping("https://example.org/api", {"status": "ok", "count": 3, "tags": ["a"]}) is None


@pytest.fixture(scope="module")
def site() -> Iterator[AppSite]:
    with AppSite() as running:
        yield running


def discover_output(url: str, env: dict[str, str] | None = None) -> str:
    result = CliRunner().invoke(cli, ["discover", url], env=env)
    assert result.exit_code == 0, result.output
    return result.output


def test_discover_names_the_shell_and_proposes_a_browser_source(site: AppSite) -> None:
    output = discover_output(site.url + "/")
    assert "is an application shell" in output and "div#app" in output
    blocks = tomllib.loads(output)["sources"]
    assert blocks[0]["render"] == "browser"


@pytest.mark.skipif(
    find_browser(None) is None and os.environ.get("CI") != "true",
    reason="no Chromium found (apt install chromium); CI installs it",
)
def test_discover_lists_the_json_requests_and_guesses_a_json_source(site: AppSite, tmp_path: Path) -> None:
    output = discover_output(site.url + "/")
    assert f"#   {site.url}/api/articles?page=1" in output
    assert "GUESSED mappings" in output
    [_, json_source] = tomllib.loads(output)["sources"]
    assert json_source["kind"] == "json"
    assert json_source["urls"] == [f"{site.url}/api/articles?page=1"]
    assert json_source["json"] == {
        "items": "data.items",
        "url": "url",
        "title": "title",
        "published": "published",
        "body": "body",
        "next_page": "data.next",
    }
    # the proposed blocks are a config warta accepts as it is
    config = write_config(tmp_path, f'[storage]\nurl = "sqlite:///{tmp_path}/warta.db"\n' + output)
    check = CliRunner().invoke(cli, ["--config", str(config), "config", "check"])
    assert check.exit_code == 0, check.output
