"""Page requisites in a real crawl: fetched politely, once, within budget, linked, exported, and replayed.

A fixture site (tests/crawler/sites/requisites, images written at set-up) has three
articles sharing a stylesheet that imports another (with a font) and names background
images, images with srcsets, an image robots.txt forbids, one image over the page budget,
and the same logo under two URLs. It is crawled once with requisites on (and once more,
answering 304s), and once with them off as the control.
"""

from __future__ import annotations

import base64
import random
import shutil
import sqlite3
import struct
import subprocess
import sys
import urllib.request
import zlib
from collections.abc import Callable, Iterator
from contextlib import closing, contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import aliased
from warcio.archiveiterator import ArchiveIterator
from warcio.warcwriter import WARCWriter

from tests.child_crawl import crawl_in_child
from tests.conftest import BACKENDS, postgres_schema_url, require_tool, wait_for, write_config
from tests.crawler.fixture_sites import fast_crawl_tables
from tests.pywb import add_warc, running_pywb
from warta import archive
from warta.config import WartaConfig, load_config
from warta.crawler.report import CrawlReport
from warta.demo.siteserver import LoggedRequest, SiteServer
from warta.storage.database import Database
from warta.storage.models import Blob, Capture, CaptureRequisite, Document, Revision
from warta.storage.requisites import requisites_of

SITE = Path(__file__).parent / "sites" / "requisites"
BIN = Path(sys.executable).parent
USER_AGENT = "warta-test/1 (+https://github.com/warta-project/warta)"
FESTIVAL, PAMERAN, GALERI = "/berita/festival-topeng", "/berita/pameran-wayang", "/berita/galeri-foto"
BUDGET_BYTES = 64_000
Pixel = Callable[[int, int], tuple[int, int, int]]
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking", "--no-first-run"]
# Both pages are shown the same way: in an 800x700 frame of an empty page. pywb's replay page sends a
# browser to its framed view (with a banner) when it is the top window, but not inside a frame.
FRAME_PAGE = (
    '<html><body style="margin:0"><iframe id="shown" src="{url}" style="border:0;width:800px;height:700px">'
    "</iframe></body></html>"
)
# The share of pixels of two same-sized PNG screenshots whose colours differ noticeably, computed in the browser.
DIFFERING_SHARE = """async ([first, second]) => {
  const load = (source) => new Promise((resolve, reject) => {
    const image = new Image(); image.onload = () => resolve(image); image.onerror = reject; image.src = source;
  });
  const images = await Promise.all([load(first), load(second)]);
  const [width, height] = [images[0].width, images[0].height];
  if (images[1].width !== width || images[1].height !== height) return 1;
  const [a, b] = images.map((image) => {
    const canvas = document.createElement("canvas");
    [canvas.width, canvas.height] = [width, height];
    const context = canvas.getContext("2d");
    context.drawImage(image, 0, 0);
    return context.getImageData(0, 0, width, height).data;
  });
  let differing = 0;
  for (let i = 0; i < a.length; i += 4) {
    if (Math.abs(a[i] - b[i]) + Math.abs(a[i + 1] - b[i + 1]) + Math.abs(a[i + 2] - b[i + 2]) > 30) differing++;
  }
  return differing / (width * height);
}"""


def png(width: int, height: int, pixel: Pixel) -> bytes:
    """Return an RGB PNG image whose pixel (x, y) has the colour `pixel(x, y)`."""
    rows = (b"\x00" + bytes(channel for x in range(width) for channel in pixel(x, y)) for y in range(height))

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(b"".join(rows)))
        + chunk(b"IEND", b"")
    )


def stripes(first: tuple[int, int, int], second: tuple[int, int, int], width: int = 16) -> Pixel:
    return lambda x, y: first if (x // width + y // width) % 2 else second


def site_files() -> dict[str, bytes]:
    """Return the binary files of the fixture site: images (and a font) made here rather than checked in."""
    noise = random.Random(19)
    logo = png(64, 64, stripes((122, 31, 31), (240, 200, 60), 8))
    return {
        "img/logo.png": logo,
        "img/logo-salinan.png": logo,  # the same bytes under another URL
        "img/topeng.png": png(160, 100, stripes((30, 90, 160), (250, 250, 250))),
        "img/topeng-2x.png": png(320, 200, stripes((30, 90, 160), (250, 250, 250), 32)),
        "img/gerbang.png": png(120, 60, stripes((20, 120, 60), (200, 230, 200))),
        "img/gerbang-kecil.png": png(60, 30, stripes((20, 120, 60), (200, 230, 200), 8)),
        "img/wayang.png": png(160, 100, stripes((160, 60, 20), (20, 20, 20))),
        "img/pita.png": png(24, 24, stripes((255, 240, 240), (255, 255, 255), 6)),
        "img/pola.png": png(16, 16, stripes((244, 233, 201), (228, 210, 170), 4)),
        "img/banner.png": png(48, 120, lambda x, y: (122 + y, 31, 31 + x)),
        "img/kecil.png": png(80, 50, stripes((90, 30, 120), (230, 220, 240))),
        # random pixels do not compress: about 200 kB, far over the page budget
        "img/besar.png": png(256, 256, lambda x, y: (noise.randrange(256), noise.randrange(256), 0)),
        "private/rahasia.png": png(10, 10, lambda x, y: (0, 0, 0)),
        "static/fonts/warta.woff2": b"wOF2" + bytes(60),
    }


def config_text(site_url: str, db_url: str, requisites: bool) -> str:
    return f"""{fast_crawl_tables(db_url, USER_AGENT)}
capture_requisites = {str(requisites).lower()}
requisites_max_bytes = "{BUDGET_BYTES // 1000}KB"

[[sources]]
id = "sanggar"
kind = "listing"
urls = ["{site_url}/berita/"]
follow = ["/berita/."]

[[sources]]
id = "sanggar-tentang"
kind = "page"
urls = ["{site_url}/tentang"]
capture_requisites = false
"""


@dataclass
class Crawl:
    """One crawl of the fixture site: its report and what the server was asked."""

    report: CrawlReport
    requests: list[LoggedRequest]

    @property
    def run_ids(self) -> list[int]:
        return [source.run_id for source in self.report.sources if source.run_id is not None]

    def paths(self) -> list[str]:
        return [request.path for request in self.requests]


@dataclass
class CrawledSite:
    """The fixture site, crawled with requisites into `database`, and with them off into `control`."""

    backend: str
    server: SiteServer
    cfg: WartaConfig
    database: Database
    control: Database
    first: Crawl
    folder: Path

    def url(self, path: str) -> str:
        return self.server.url + path


def crawl(server: SiteServer, config_path: Path) -> Crawl:
    server.clear_log()
    report = crawl_in_child(config_path, timeout_seconds=120)
    assert report.all_ran, report
    return Crawl(report, server.requests)


@pytest.fixture(scope="module", params=BACKENDS)
def site(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Iterator[CrawledSite]:
    folder = tmp_path_factory.mktemp("requisites")
    root = folder / "site"
    shutil.copytree(SITE, root)
    for name, body in site_files().items():
        (root / "day1" / name).parent.mkdir(parents=True, exist_ok=True)
        (root / "day1" / name).write_bytes(body)
    urls = postgres_schema_url() if request.param == "postgresql" else iter([f"sqlite:///{folder / 'warta.db'}"])
    db_url = next(urls)
    with SiteServer(root) as server:
        control_path = write_config(
            folder, config_text(server.url, f"sqlite:///{folder / 'control.db'}", False), "control.toml"
        )
        crawl(server, control_path)
        config_path = write_config(folder, config_text(server.url, db_url, True))
        first = crawl(server, config_path)
        cfg = load_config(config_path, environ={})
        database, control = Database.from_config(cfg), Database(f"sqlite:///{folder / 'control.db'}")
        yield CrawledSite(request.param, server, cfg, database, control, first, folder)
        database.dispose()
        control.dispose()
    for _ in urls:  # drops the PostgreSQL schema
        pass


def page_capture(database: Database, url: str) -> int:
    """Return the capture id the current revision of the page at `url` was made from."""
    with database.reading() as session:
        capture_id = session.scalar(
            select(Revision.capture_id)
            .join(Document, (Document.id == Revision.document_id) & (Revision.number == Document.current_revision))
            .where(Document.url == url)
        )
    assert capture_id is not None, f"{url} was not recorded from a capture"
    return capture_id


def linked_urls(database: Database, capture_id: int) -> set[str]:
    """Return the URLs of the captures linked to a page capture as its requisites."""
    with database.reading() as session:
        ids = requisites_of(session, capture_id)
        return set(session.scalars(select(Capture.url).where(Capture.id.in_(ids))))


def captures_of(database: Database, url: str, run_ids: list[int]) -> list[Capture]:
    with database.reading() as session:
        rows = session.scalars(select(Capture).where(Capture.url == url, Capture.run_id.in_(run_ids)))
        return list(rows)


def test_article_page_is_linked_to_its_stylesheets_fonts_and_images(site: CrawledSite) -> None:
    linked = linked_urls(site.database, page_capture(site.database, site.url(FESTIVAL)))
    assert linked == {
        site.url(path)
        for path in (
            "/static/site.css",
            "/static/fonts.css",  # @import in site.css
            "/static/fonts/warta.woff2",  # @font-face in fonts.css
            "/img/pola.png",  # url() backgrounds in site.css
            "/img/banner.png",
            "/img/logo.png",
            "/img/topeng.png",
            "/img/topeng-2x.png",  # srcset
            "/img/gerbang.png",  # <picture><source srcset>
            "/img/gerbang-kecil.png",
        )
    }


def test_inline_style_backgrounds_are_requisites_too(site: CrawledSite) -> None:
    linked = linked_urls(site.database, page_capture(site.database, site.url(PAMERAN)))
    assert {site.url("/img/pita.png"), site.url("/img/wayang.png"), site.url("/static/site.css")} <= linked


def test_requisite_shared_by_pages_is_fetched_once_and_linked_to_each(site: CrawledSite) -> None:
    paths = site.first.paths()
    for path in ("/static/site.css", "/static/fonts.css", "/img/banner.png"):
        assert paths.count(path) == 1, path
    [stylesheet] = captures_of(site.database, site.url("/static/site.css"), site.first.run_ids)
    for article in (FESTIVAL, PAMERAN, GALERI):
        with site.database.reading() as session:
            assert stylesheet.id in requisites_of(session, page_capture(site.database, site.url(article))), article


def test_same_image_under_two_urls_is_stored_once(site: CrawledSite) -> None:
    [logo] = captures_of(site.database, site.url("/img/logo.png"), site.first.run_ids)
    [copy] = captures_of(site.database, site.url("/img/logo-salinan.png"), site.first.run_ids)
    assert logo.body_sha256 is not None and logo.body_sha256 == copy.body_sha256
    with site.database.reading() as session:
        assert session.scalar(select(func.count()).select_from(Blob).where(Blob.sha256 == logo.body_sha256)) == 1


def test_robots_txt_keeps_a_requisite_unfetched(site: CrawledSite) -> None:
    assert "/robots.txt" in site.first.paths()
    assert not any(path.startswith("/private/") for path in site.first.paths())
    assert captures_of(site.database, site.url("/private/rahasia.png"), site.first.run_ids) == []


def test_requisite_requests_carry_the_crawl_user_agent_and_the_page_as_referer(site: CrawledSite) -> None:
    [request] = [request for request in site.first.requests if request.path == "/img/topeng-2x.png"]
    assert request.headers["User-Agent"] == USER_AGENT
    assert request.headers["Referer"] == site.url(FESTIVAL)
    # fetched whole: the crawl never asks for a requisite conditionally
    assert "If-None-Match" not in request.headers and "If-Modified-Since" not in request.headers


def test_page_budget_leaves_out_what_does_not_fit_and_keeps_the_rest(site: CrawledSite) -> None:
    heavy = site.server.state.root / "day1" / "img" / "besar.png"
    assert heavy.stat().st_size > BUDGET_BYTES
    assert captures_of(site.database, site.url("/img/besar.png"), site.first.run_ids) == []
    linked = linked_urls(site.database, page_capture(site.database, site.url(GALERI)))
    assert site.url("/img/kecil.png") in linked
    assert site.url("/img/besar.png") not in linked


def test_requisites_change_neither_the_extracted_text_nor_the_documents(site: CrawledSite) -> None:
    def stories(database: Database) -> list[tuple[str, str, str, int]]:
        with database.reading() as session:
            rows = session.execute(
                select(Document.url, Revision.title, Revision.content_hash, Document.current_revision)
                .join(Revision, (Revision.document_id == Document.id) & (Revision.number == Document.current_revision))
                .order_by(Document.url)
            ).all()
        return [
            (url.removeprefix(site.server.url), title, content_hash, number)
            for url, title, content_hash, number in rows
        ]

    with_requisites, without = stories(site.database), stories(site.control)
    assert len(with_requisites) == 4  # three articles and the page; no image or stylesheet became a document
    assert with_requisites == without
    with site.control.reading() as session:
        control_urls = set(session.scalars(select(Capture.url)))
    assert site.url("/img/topeng.png") not in control_urls  # the control crawl fetched no requisites


def test_a_source_can_turn_requisites_off(site: CrawledSite) -> None:
    about = page_capture(site.database, site.url("/tentang"))
    assert linked_urls(site.database, about) == set()


def test_warc_export_holds_each_page_with_its_requisites(site: CrawledSite) -> None:
    output = site.folder / f"sanggar-{site.backend}.warc.gz"
    archive.export(site.cfg, site.database, "warc", output, archive.Selection(sources=("sanggar",)))
    responses = {}
    with output.open("rb") as stream:
        for record in ArchiveIterator(stream):
            if record.rec_type == "response":
                responses[record.rec_headers.get_header("WARC-Target-URI")] = record.http_headers.get_statuscode()
    expected = linked_urls(site.database, page_capture(site.database, site.url(FESTIVAL)))
    assert {url: "200" for url in expected} | {site.url(FESTIVAL): "200"} == {
        url: status for url, status in responses.items() if url in expected | {site.url(FESTIVAL)}
    }
    assert site.url("/img/besar.png") not in responses
    checked = subprocess.run([BIN / "warcio", "check", str(output)], capture_output=True, text=True, timeout=120)
    assert checked.returncode == 0, checked.stdout + checked.stderr


def requisite_links(database: Database) -> set[tuple[str, str, str]]:
    """Return every page-requisite link as (page URL, requisite URL, requisite time), whatever the ids."""
    page, requisite = aliased(Capture), aliased(Capture)
    with database.reading() as session:
        rows = session.execute(
            select(page.url, requisite.url, requisite.fetched_at)
            .join(CaptureRequisite, CaptureRequisite.capture_id == page.id)
            .join(requisite, requisite.id == CaptureRequisite.requisite_id)
        )
        return {(page_url, url, moment.isoformat()) for page_url, url, moment in rows}


def warc_records(path: Path) -> list[tuple[str, str, str, str | None]]:
    """Return each record but the warcinfo by its type, URI, date and payload digest."""
    with path.open("rb") as stream:
        return [
            (
                record.rec_type,
                record.rec_headers.get_header("WARC-Target-URI"),
                record.rec_headers.get_header("WARC-Date"),
                record.rec_headers.get_header("WARC-Payload-Digest"),
            )
            for record in ArchiveIterator(stream)
            if record.rec_type != "warcinfo"
        ]


def test_a_bag_restore_links_each_page_to_its_requisites_again(site: CrawledSite, tmp_path: Path) -> None:
    bag = tmp_path / "bag"
    archive.export(site.cfg, site.database, "bagit", bag)
    restored = Database(f"sqlite:///{tmp_path / 'restored.db'}")
    try:
        restored.ensure_schema()
        report = archive.import_archive(site.cfg, restored, bag)
        assert report.conflicts == []
        assert requisite_links(restored) == requisite_links(site.database) != set()
        # so a selection of the restored archive takes the pages' requisites along, as the original's does
        before, after = tmp_path / "before.warc.gz", tmp_path / "after.warc.gz"
        archive.export(site.cfg, site.database, "warc", before, archive.Selection(sources=("sanggar",)))
        archive.export(site.cfg, restored, "warc", after, archive.Selection(sources=("sanggar",)))
    finally:
        restored.dispose()
    # the pages and their requisites come out as before (a restored capture that showed no document,
    # e.g. robots.txt, belongs to no source any more: docs/archive-records.md)
    linked = {url for pair in requisite_links(site.database) for url in pair[:2]}
    assert [record for record in warc_records(after) if record[1] in linked] == [
        record for record in warc_records(before) if record[1] in linked
    ]
    assert ("metadata", site.url(FESTIVAL)) in {record[:2] for record in warc_records(after)}


def test_recrawl_of_unchanged_pages_fetches_no_requisites(site: CrawledSite, tmp_path: Path) -> None:
    again = crawl(site.server, site.cfg.config_path or tmp_path)
    not_modified = [request for request in again.requests if request.path == FESTIVAL]
    assert [request.status for request in not_modified] == [304]
    assert not any(path.startswith(("/img/", "/static/")) for path in again.paths())


def test_redirected_requisite_links_every_hop(site: CrawledSite) -> None:
    linked = linked_urls(site.database, page_capture(site.database, site.url(PAMERAN)))
    # the 301 the page's URL answered, and the image it led to: replay follows the same way
    assert {site.url("/img/lama.png"), site.url("/img/logo.png")} <= linked


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    """Yield a headless Debian chromium driven by Playwright (skipped without one, except in CI)."""
    executable = require_tool("chromium", "chromium")
    sync_api = pytest.importorskip("playwright.sync_api")
    with sync_api.sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=executable, args=CHROMIUM_ARGS)
        yield launched
        launched.close()


def copy_records(source: Path, target: Path, keep: Callable[[Any], bool]) -> None:
    """Write the records of a WARC that `keep` accepts into a new WARC."""
    with source.open("rb") as stream, target.open("wb") as out:
        writer = WARCWriter(out, gzip=True, warc_version="1.1")
        for record in ArchiveIterator(stream):
            if keep(record):
                writer.write_record(record)


@contextmanager
def wayback(root: Path, collections: dict[str, Path], probe: str) -> Iterator[str]:
    """Run pywb over one collection per WARC and yield its base URL once `probe` replays from each.

    The indexes are written before pywb starts (`wb-manager add`): pywb's own auto-indexing
    could answer a request made while it indexed with a 404 that it then kept answering.
    """
    for name, warc in collections.items():
        for folder in ("archive", "indexes"):
            (root / "collections" / name / folder).mkdir(parents=True)
        add_warc(root, name, warc)
    with running_pywb(root) as base:

        def replays(collection: str) -> bool:
            try:
                with urllib.request.urlopen(f"{base}/{collection}/{probe}", timeout=5) as response:
                    return bool(response.status == 200)
            except OSError:  # not listening yet
                return False

        for collection in collections:
            wait_for(lambda name=collection: replays(name), timeout=120)
        yield base


def render(browser: Any, url: str, blocked_prefix: str | None = None) -> tuple[bytes, list[str]]:
    """Return a screenshot of the page at `url` shown in a frame, and the requests to `blocked_prefix` refused."""
    context = browser.new_context(viewport={"width": 900, "height": 800})
    refused: list[str] = []

    def guard(route: Any) -> None:
        if blocked_prefix and route.request.url.startswith(blocked_prefix):
            refused.append(route.request.url)
            route.abort()
        else:
            route.continue_()

    try:
        context.route("**/*", guard)
        page = context.new_page()
        page.set_content(FRAME_PAGE.format(url=url), wait_until="load")
        page.wait_for_load_state("networkidle")
        return page.locator("#shown").screenshot(), refused
    finally:
        context.close()


def differing_share(browser: Any, first: bytes, second: bytes) -> float:
    """Return the share of pixels in which two screenshots differ (1.0 when their sizes differ)."""
    context = browser.new_context()
    try:
        page = context.new_page()
        images = ["data:image/png;base64," + base64.b64encode(shot).decode() for shot in (first, second)]
        return float(page.evaluate(DIFFERING_SHARE, images))
    finally:
        context.close()


@pytest.mark.parametrize("site", ["sqlite"], indirect=True)  # what pywb replays does not depend on the database
def test_pywb_replay_shows_the_page_with_its_images_and_styles(site: CrawledSite, browser: Any, tmp_path: Path) -> None:
    page_url = site.url(FESTIVAL)
    full = tmp_path / "full.warc.gz"
    archive.export(site.cfg, site.database, "warc", full, archive.Selection(sources=("sanggar",)))
    # the control: the same export without the requisites, as a crawl without them would have it
    page_only = tmp_path / "page-only.warc.gz"
    copy_records(
        full,
        page_only,
        lambda record: record.rec_type == "warcinfo" or record.rec_headers.get_header("WARC-Target-URI") == page_url,
    )
    with site.database.reading() as session:
        fetched_at = session.scalar(
            select(Capture.fetched_at).where(Capture.id == page_capture(site.database, page_url))
        )
    assert fetched_at is not None
    timestamp = fetched_at.strftime("%Y%m%d%H%M%S")
    original, _ = render(browser, page_url)
    replay_path = f"{timestamp}mp_/{page_url}"
    with wayback(tmp_path / "pywb", {"full": full, "page-only": page_only}, replay_path) as base:
        # the live site is refused to the replay: what it shows must come from the WARC
        replayed, leaked = render(browser, f"{base}/full/{replay_path}", blocked_prefix=site.server.url)
        bare, _ = render(browser, f"{base}/page-only/{replay_path}", blocked_prefix=site.server.url)
    assert leaked == []
    assert differing_share(browser, original, replayed) < 0.002
    assert differing_share(browser, original, bare) > 0.25


@pytest.fixture
def without_validators(site: CrawledSite) -> Iterator[None]:
    """Make the festival page answer 200 without validators, as a server that ignores conditional requests does."""
    body = (site.server.state.root / "day1" / "berita" / "festival-topeng.html").read_bytes()

    def answer(handler: Any) -> None:
        handler.send_response(200)
        handler.send_header("Content-Type", "text/html; charset=utf-8")
        handler.send_header("Content-Length", str(len(body)))
        handler.end_headers()
        handler.wfile.write(body)

    site.server.add_route(FESTIVAL, answer)
    yield
    site.server.state.routes.pop(FESTIVAL)


def newest_capture(database: Database, url: str) -> int:
    with database.reading() as session:
        capture_id = session.scalar(select(func.max(Capture.id)).where(Capture.url == url, Capture.status == 200))
    assert capture_id is not None
    return capture_id


def test_unchanged_page_with_archived_requisites_does_not_fetch_them_again(
    site: CrawledSite, without_validators: None, tmp_path: Path
) -> None:
    again = crawl(site.server, site.cfg.config_path or tmp_path)
    assert [request.status for request in again.requests if request.path == FESTIVAL] == [200]
    assert not any(path.startswith(("/img/", "/static/")) for path in again.paths())


def test_unchanged_page_gets_its_requisites_once_they_are_turned_on(
    site: CrawledSite, without_validators: None, tmp_path: Path
) -> None:
    # a copy of the control archive holds the page without requisites (the control itself stays as
    # other tests expect it); now the crawl asks for them
    copy = tmp_path / "control-copy.db"
    with closing(sqlite3.connect(site.folder / "control.db")) as source, closing(sqlite3.connect(copy)) as target:
        source.backup(target)
    config_path = write_config(tmp_path, config_text(site.server.url, f"sqlite:///{copy}", True))
    again = crawl(site.server, config_path)
    assert [request.status for request in again.requests if request.path == FESTIVAL] == [200]
    control = Database(f"sqlite:///{copy}")
    try:
        linked = linked_urls(control, newest_capture(control, site.url(FESTIVAL)))
    finally:
        control.dispose()
    assert {site.url("/static/site.css"), site.url("/img/topeng.png")} <= linked
