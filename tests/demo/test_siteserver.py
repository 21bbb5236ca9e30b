"""The site server: files with validators, 304s, day switching, status and redirect tables, a request log."""

from __future__ import annotations

import urllib.error
import urllib.request
from pathlib import Path

import pytest

from warta.demo.siteserver import SiteServer


@pytest.fixture
def site(tmp_path: Path):
    for day, text in (("day1", "Festival hari pertama"), ("day2", "Festival hari kedua")):
        folder = tmp_path / day
        (folder / "berita").mkdir(parents=True)
        (folder / "index.html").write_text(f"<h1>{text}</h1>")
        (folder / "berita" / "festival.html").write_text(f"<p>{text}</p>")
        (folder / "robots.txt").write_text("User-agent: *\nDisallow: /rahasia/\n")
    (tmp_path / "day2" / "_status").write_text("/berita/lama 410\n")
    (tmp_path / "day2" / "_redirects").write_text("/berita/pindah 301 /berita/festival\n")
    with SiteServer(tmp_path) as server:
        yield server


def fetch(url: str, headers: dict[str, str] | None = None) -> tuple[int, bytes, dict[str, str]]:
    request = urllib.request.Request(url, headers=headers or {})
    try:
        with urllib.request.urlopen(request) as response:
            return response.status, response.read(), dict(response.headers)
    except urllib.error.HTTPError as error:
        return error.code, error.read(), dict(error.headers)


def test_serves_pages_with_validators_and_answers_304(site: SiteServer) -> None:
    status, body, headers = fetch(site.url + "/berita/festival")
    assert (status, body) == (200, b"<p>Festival hari pertama</p>")
    assert headers["Content-Type"].startswith("text/html")
    again, _, _ = fetch(site.url + "/berita/festival", {"If-None-Match": headers["ETag"]})
    assert again == 304
    assert [entry.status for entry in site.requests] == [200, 304]


def test_switching_day_changes_content_status_and_redirects(site: SiteServer) -> None:
    assert fetch(site.url + "/berita/lama")[0] == 404
    site.switch("day2")
    assert fetch(site.url + "/")[1] == b"<h1>Festival hari kedua</h1>"
    assert fetch(site.url + "/berita/lama")[0] == 410
    status, body, _ = fetch(site.url + "/berita/pindah")
    assert (status, body) == (200, b"<p>Festival hari kedua</p>")


def test_paths_outside_the_site_are_not_served(site: SiteServer) -> None:
    assert fetch(site.url + "/../day2/index.html")[0] == 404
    assert fetch(site.url + "/%2e%2e/day2/index.html")[0] == 404
    assert fetch(site.url + "/_status")[0] == 404


def test_site_url_marker_is_filled_in_text_files_only(tmp_path: Path) -> None:
    (tmp_path / "day1").mkdir()
    (tmp_path / "day1" / "feed.xml").write_text("<link>{{site_url}}/a</link>")
    (tmp_path / "day1" / "logo.png").write_bytes(b"{{site_url}}")
    with SiteServer(tmp_path) as server:
        assert fetch(server.url + "/feed.xml")[1] == f"<link>{server.url}/a</link>".encode()
        assert fetch(server.url + "/logo.png")[1] == b"{{site_url}}"
