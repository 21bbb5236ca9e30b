"""Sources with render = "browser": the application-shell site rendered in Chromium through scrapy-playwright."""

from __future__ import annotations

import io
import os
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from sqlalchemy import select
from warcio.archiveiterator import ArchiveIterator

from tests.child_crawl import crawl_in_child
from tests.conftest import write_config
from tests.crawler.appsite import EDITED_SLUG, STORIES, STUCK_SLUG, AppSite, json_source_toml
from warta.archive.provenance import Provenance
from warta.archive.warc import write_warc
from warta.archive.warc_import import read_captures
from warta.config import load_config
from warta.crawler.browser import find_browser
from warta.crawler.report import CrawlReport
from warta.demo.siteserver import SiteServer
from warta.storage.captures import read_blob
from warta.storage.database import Database
from warta.storage.exports import DocumentFilter, iter_captures
from warta.storage.models import Capture, CrawlError, CrawlRun, Document, Revision

BROWSER = find_browser(None)
if BROWSER is None and os.environ.get("CI") != "true":
    pytest.skip("no Chromium found (apt install chromium); CI installs it", allow_module_level=True)


@dataclass
class Archive:
    """One test folder: the config's path and its database."""

    config_path: Path
    database: Database

    def crawl(self, *source_ids: str) -> CrawlReport:
        # a browser crawl starts Chromium on top of a crawl child's start-up; a busy CI machine needs room
        return crawl_in_child(self.config_path, list(source_ids) or None, timeout_seconds=240)

    def texts(self, source_id: str, newest: bool = True) -> dict[str, str]:
        """Return the newest (or first) text of each document of the source, by URL path."""
        with self.database.reading() as session:
            rows = session.execute(
                select(Document.url, Revision.text)
                .join(Revision, Revision.document_id == Document.id)
                .where(Document.source_id == source_id)
                .order_by(Revision.id if newest else Revision.id.desc())
            )
            return {url.split("/", 3)[3]: text for url, text in rows}

    def captures(self, run_id: int | None) -> list[Capture]:
        with self.database.reading() as session:
            return list(session.execute(select(Capture).where(Capture.run_id == run_id).order_by(Capture.id)).scalars())

    def error_reasons(self, run_id: int | None) -> list[str]:
        with self.database.reading() as session:
            return list(session.execute(select(CrawlError.reason).where(CrawlError.run_id == run_id)).scalars())

    def run(self, run_id: int | None) -> CrawlRun:
        with self.database.reading() as session:
            run = session.get(CrawlRun, run_id)
            assert run is not None
            return run


@pytest.fixture(scope="module")
def site() -> Iterator[AppSite]:
    with AppSite() as running:
        yield running


def make_archive(folder: Path, sources: str, crawler: str = "") -> Archive:
    folder.mkdir(parents=True, exist_ok=True)
    path = write_config(
        folder,
        f"""
[storage]
url = "sqlite:///{folder}/warta.db"
[crawler]
download_delay = "0s"
{crawler}
{sources}
""",
    )
    cfg = load_config(path)
    return Archive(path, Database.from_config(cfg, create=True))


def app_listing(site: AppSite) -> str:
    return f"""
[[sources]]
id = "app"
kind = "listing"
urls = ["{site.url}/"]
follow = ["/articles/"]
render = "browser"
wait_for = "ul.articles, article h1"
max_pages = 5
"""


@pytest.fixture(scope="module")
def app_days(site: AppSite, tmp_path_factory: pytest.TempPathFactory) -> tuple[Archive, CrawlReport, CrawlReport]:
    """Crawl the app site's listing rendered, then again after a day-two edit and a shell-only change."""
    site.reset()
    archive = make_archive(tmp_path_factory.mktemp("app"), app_listing(site))
    day_one = archive.crawl()
    site.edit_day_two()
    site.change_shell()
    day_two = archive.crawl()
    site.reset()
    return archive, day_one, day_two


def test_rendered_listing_archives_every_story_with_its_api_text(
    app_days: tuple[Archive, CrawlReport, CrawlReport],
) -> None:
    archive, day_one, _ = app_days
    [report] = day_one.sources
    assert report.status == "ok", report.error
    assert report.new == len(STORIES)
    texts = archive.texts("app", newest=False)
    for story in STORIES:
        # the text a JSON source maps from `body`, as the page shows it under its headline and date line
        assert texts[f"articles/{story.slug}"].endswith(story.text()), story.slug


def test_rendered_page_keeps_the_server_shell_and_the_rendered_dom(
    app_days: tuple[Archive, CrawlReport, CrawlReport],
) -> None:
    archive, day_one, _ = app_days
    captures = archive.captures(day_one.sources[0].run_id)
    story = STORIES[0]
    mine = [capture for capture in captures if capture.url.endswith(f"/articles/{story.slug}")]
    assert [capture.method for capture in mine] == ["GET", "RENDER"]
    with archive.database.reading() as session:
        served, rendered = (read_blob(session, capture.body_sha256 or "").decode() for capture in mine)
    assert 'id="app"' in served and story.title not in served
    assert f"<h1>{story.title}</h1>" in rendered


def test_warc_holds_the_rendered_dom_as_a_conversion_of_the_response(
    app_days: tuple[Archive, CrawlReport, CrawlReport],
) -> None:
    archive, _, _ = app_days
    out = io.BytesIO()
    with archive.database.reading() as session:
        write_warc(iter_captures(session, DocumentFilter()), out, Provenance("test", "rendered"), "test.warc.gz")
    records = list(ArchiveIterator(io.BytesIO(out.getvalue())))
    responses = {
        record.rec_headers.get_header("WARC-Record-ID"): record.rec_headers.get_header("WARC-Target-URI")
        for record in records
        if record.rec_type == "response"
    }
    rendered = [
        record
        for record in records
        if record.rec_type == "conversion" and record.rec_headers.get_header("Content-Type").startswith("text/html")
    ]
    assert rendered, "no rendered DOM in the WARC"
    for record in rendered:
        referred = record.rec_headers.get_header("WARC-Refers-To")
        assert responses[referred] == record.rec_headers.get_header("WARC-Target-URI")


def test_the_rendered_dom_comes_back_as_a_render_capture_from_the_warc(
    app_days: tuple[Archive, CrawlReport, CrawlReport], tmp_path: Path
) -> None:
    archive, _, _ = app_days
    path = tmp_path / "rendered.warc.gz"
    with archive.database.reading() as session, path.open("wb") as out:
        write_warc(iter_captures(session, DocumentFilter()), out, Provenance("test", "rendered"), path.name)
        stored = [
            (capture.url, capture.method, capture.status, read_blob(session, capture.body_sha256 or ""))
            for capture in session.execute(select(Capture).order_by(Capture.id)).scalars()
            if capture.method == "RENDER"
        ]
    restored = [
        (capture.exchange.url, capture.exchange.method, capture.exchange.status, capture.exchange.body)
        for capture in read_captures(path)
        if capture.exchange.method == "RENDER"
    ]
    assert stored and restored == stored


def test_day_two_finds_the_edit_and_nothing_where_only_the_shell_changed(
    app_days: tuple[Archive, CrawlReport, CrawlReport],
) -> None:
    archive, _, day_two = app_days
    [report] = day_two.sources
    assert report.status == "ok", report.error
    assert (report.new, report.changed, report.unchanged) == (0, 1, len(STORIES) - 1)
    assert "Jadwal berubah" in archive.texts("app")[f"articles/{EDITED_SLUG}"]


def test_a_page_the_server_answers_304_is_not_rendered_again(site: AppSite, tmp_path: Path) -> None:
    site.reset()
    story = STORIES[2]
    archive = make_archive(
        tmp_path,
        f"""
[[sources]]
id = "printed"
kind = "page"
urls = ["{site.url}/print/{story.slug}"]
render = "browser"
""",
    )
    first = archive.crawl()
    assert first.sources[0].new == 1, first.sources[0].error
    second = archive.crawl()
    [report] = second.sources
    assert report.not_modified == 1
    methods = [capture.method for capture in archive.captures(report.run_id)]
    assert "RENDER" not in methods and methods.count("GET") >= 1


def test_a_page_that_never_settles_is_a_page_error_at_render_timeout(site: AppSite, tmp_path: Path) -> None:
    site.reset()
    story = STORIES[3]
    archive = make_archive(
        tmp_path,
        f"""
[[sources]]
id = "stuck"
kind = "page"
urls = ["{site.url}/articles/{STUCK_SLUG}", "{site.url}/articles/{story.slug}"]
render = "browser"
wait_for = "article h1"
# long enough for the healthy page on a busy machine (it settles in well under a second alone)
render_timeout = "10s"
""",
    )
    [report] = archive.crawl().sources
    assert archive.run(report.run_id).errors == 1
    assert any("render_timeout (10s)" in reason for reason in archive.error_reasons(report.run_id))
    # the crawl went on: the other page is archived
    assert list(archive.texts("stuck")) == [f"articles/{story.slug}"]


def test_missing_or_crashing_browser_fails_that_source_alone(site: AppSite, tmp_path: Path) -> None:
    site.reset()
    crashing = tmp_path / "crashing-chromium"
    crashing.write_text("#!/bin/sh\necho 'this browser crashes at start' >&2\nexit 1\n")
    crashing.chmod(0o755)
    story = STORIES[4]
    sources = f"""
[[sources]]
id = "plain"
kind = "page"
urls = ["{site.url}/print/{story.slug}"]

[[sources]]
id = "rendered"
kind = "page"
urls = ["{site.url}/articles/{story.slug}"]
render = "browser"
"""
    missing = make_archive(tmp_path / "missing", sources, f'browser_path = "{tmp_path}/no-such-chromium"')
    reports = {report.id: report for report in missing.crawl().sources}
    assert reports["plain"].status == "ok" and reports["plain"].new == 1
    assert reports["rendered"].status == "failed"
    assert "browser_path" in reports["rendered"].error and "apt install chromium" in reports["rendered"].error

    crashed = make_archive(tmp_path / "crashed", sources, f'browser_path = "{crashing}"')
    reports = {report.id: report for report in crashed.crawl().sources}
    assert reports["plain"].status == "ok" and reports["plain"].new == 1
    assert reports["rendered"].status == "failed"
    assert "the browser failed" in reports["rendered"].error


HEAVY_PAGE = """<!doctype html><html lang="id"><head><meta charset="utf-8"><title>Pameran foto Jakarta lama</title>
<style>@font-face {{ font-family: Judul; src: url(/font.woff2); }} h1 {{ font-family: Judul; }}</style></head>
<body><article><h1>Pameran foto Jakarta lama</h1><img src="/pic.png" alt="foto">
<video src="/clip.mp4" autoplay muted></video><div id="more"></div>
<p>{text}</p></article>
<script>fetch("/more.json").then(r => r.json())
  .then(d => {{ document.getElementById("more").textContent = d.note; }});</script>
</body></html>
"""


def test_images_fonts_and_media_are_not_downloaded_but_data_requests_are(tmp_path: Path) -> None:
    day = tmp_path / "site" / "day1"
    day.mkdir(parents=True)
    text = " ".join(["Museum Sejarah Jakarta memamerkan foto kota lama dari koleksi arsip."] * 8)
    (day / "pameran.html").write_text(HEAVY_PAGE.format(text=text), encoding="utf-8")
    (day / "more.json").write_text('{"note": "Dibuka setiap hari kecuali Senin."}', encoding="utf-8")
    for name in ("pic.png", "font.woff2", "clip.mp4"):
        (day / name).write_bytes(b"\0" * 64)
    with SiteServer(tmp_path / "site") as server:
        archive = make_archive(
            tmp_path / "archive",
            f'[[sources]]\nid = "heavy"\nkind = "page"\nurls = ["{server.url}/pameran"]\nrender = "browser"\n'
            'wait_for = "#more:not(:empty)"\n',
        )
        [report] = archive.crawl().sources
        paths = {request.path for request in server.requests}
    assert report.new == 1, report.error
    # the negative control: the page's own data request did reach the server, and the rendered DOM shows it
    assert "/more.json" in paths
    [rendered] = [capture for capture in archive.captures(report.run_id) if capture.method == "RENDER"]
    with archive.database.reading() as session:
        assert "Dibuka setiap hari" in read_blob(session, rendered.body_sha256 or "").decode()
    assert not paths & {"/pic.png", "/font.woff2", "/clip.mp4"}


def test_preview_shows_what_a_browser_source_would_record(site: AppSite, tmp_path: Path) -> None:
    site.reset()
    archive = make_archive(tmp_path, app_listing(site))
    result = subprocess.run(
        [sys.executable, "-m", "warta", "--config", str(archive.config_path), "preview", "app", "--limit", "2"],
        capture_output=True,
        text=True,
        timeout=240,
        env={**os.environ, "COLUMNS": "200"},
    )
    assert result.returncode == 0, result.stderr[-2000:]
    assert "app: 2 pages would be recorded" in result.stdout
    assert STORIES[0].title in result.stdout
    with archive.database.reading() as session:
        assert session.execute(select(Document.id)).first() is None  # the archive was not touched


def test_a_rendered_page_redirected_off_the_source_origins_is_a_page_error_naming_the_target(
    site: AppSite, tmp_path: Path
) -> None:
    site.reset()
    story = STORIES[1]
    day = tmp_path / "site" / "day1"
    day.mkdir(parents=True)
    target = f"{site.url}/print/{story.slug}"
    (day / "_redirects").write_text(f"/pindah 301 {target}\n", encoding="utf-8")
    with SiteServer(tmp_path / "site") as server:
        archive = make_archive(
            tmp_path / "archive",
            f'[[sources]]\nid = "moved"\nkind = "page"\nurls = ["{server.url}/pindah"]\nrender = "browser"\n',
        )
        [report] = archive.crawl().sources
    assert report.status == "failed"
    assert f"redirected to {target}, outside the source's origins: not followed" in (report.error or "")
    # the other origin (another port on the same host) was never asked, not even for robots.txt
    assert site.paths() == []


def test_rendered_and_json_sources_archive_the_same_story_text(site: AppSite, tmp_path: Path) -> None:
    site.reset()
    # two archives: in one, the second source would find the first one's documents already archived
    browser_archive = make_archive(tmp_path / "browser", app_listing(site))
    json_archive = make_archive(tmp_path / "json", json_source_toml(site.url, "api"))
    assert browser_archive.crawl().sources[0].new == json_archive.crawl().sources[0].new == len(STORIES)
    rendered, from_json = browser_archive.texts("app"), json_archive.texts("api")
    for story in STORIES:
        path = f"articles/{story.slug}"
        # the rendered page shows the headline and the date line above the body the API carries
        assert rendered[path].endswith(from_json[path]) and from_json[path] == story.text(), story.slug
