"""Revisits: a 304 and an unchanged 200 are WARC revisit records that pywb replays with the content they repeat."""

from __future__ import annotations

import subprocess
from collections.abc import Iterator
from dataclasses import dataclass
from email.utils import format_datetime
from pathlib import Path

import pytest
from sqlalchemy import select
from warcio.archiveiterator import ArchiveIterator
from warcio.recordloader import ArcWarcRecord

from tests.archive.conftest import SeededArchive, add_not_modified, seed_second_round
from tests.child_crawl import crawl_in_child
from tests.pywb import BIN, add_warc, fetch_memento
from warta import archive
from warta.archive import Selection, export
from warta.config import WartaConfig, load_config
from warta.demo.config import DEMO_SITE, demo_config_text
from warta.demo.siteserver import SiteServer
from warta.storage.captures import read_blob
from warta.storage.database import Database
from warta.storage.models import Capture, Document

NOT_MODIFIED = "http://netpreserve.org/warc/1.1/revisit/server-not-modified"
IDENTICAL = "http://netpreserve.org/warc/1.1/revisit/identical-payload-digest"


def records(path: Path) -> list[ArcWarcRecord]:
    """Return the records of a WARC with their headers (payloads are not kept)."""
    with path.open("rb") as stream:
        return [record for record in ArchiveIterator(stream)]


def warcio_check(path: Path) -> None:
    check = subprocess.run([str(BIN / "warcio"), "check", str(path)], capture_output=True, text=True)
    assert check.returncode == 0, check.stdout + check.stderr


def test_a_304_is_a_server_not_modified_revisit_of_the_last_full_capture(seeded: SeededArchive, cfg, tmp_path):
    add_not_modified(seeded, "pameran", 20)
    output = tmp_path / "archive.warc.gz"
    export(cfg, seeded.database, "warc", output)
    warcio_check(output)
    revisits = [r for r in records(output) if r.rec_type == "revisit"]
    assert len(revisits) == 1
    headers = revisits[0].rec_headers
    assert headers.get_header("WARC-Profile") == NOT_MODIFIED
    assert headers.get_header("WARC-Target-URI") == seeded.urls["pameran"]
    assert headers.get_header("WARC-Refers-To-Target-URI") == seeded.urls["pameran"]
    assert headers.get_header("WARC-Refers-To-Date") == "2026-11-23T08:05:00Z"
    assert headers.get_header("WARC-Date") == "2026-11-24T03:05:00Z"
    original = next(
        r
        for r in records(output)
        if r.rec_type == "response" and r.rec_headers.get_header("WARC-Date") == "2026-11-23T08:05:00Z"
    )
    # it stands for the body the server said is unchanged: indexers and pywb find that body by its digest
    assert headers.get_header("WARC-Payload-Digest") == original.rec_headers.get_header("WARC-Payload-Digest")
    # the 304's own status line and headers follow the revisit, nothing received is dropped
    metadata = [r for r in records(output) if r.rec_type == "metadata"]
    assert [m.rec_headers.get_header("WARC-Refers-To") for m in metadata] == [headers.get_header("WARC-Record-ID")]


def test_an_unchanged_200_is_an_identical_payload_revisit_of_the_first_capture_of_its_body(
    seeded: SeededArchive, cfg, tmp_path
):
    seed_second_round(seeded)  # kompas-festival fetched again, same body
    output = tmp_path / "archive.warc.gz"
    export(cfg, seeded.database, "warc", output)
    warcio_check(output)
    by_uri = [
        r for r in records(output) if r.rec_headers.get_header("WARC-Target-URI") == seeded.urls["kompas-festival"]
    ]
    kinds = [r.rec_type for r in by_uri if r.rec_type in ("response", "revisit")]
    assert kinds == ["response", "revisit"]
    original, revisit = (r for r in by_uri if r.rec_type in ("response", "revisit"))
    assert revisit.rec_headers.get_header("WARC-Profile") == IDENTICAL
    assert revisit.rec_headers.get_header("WARC-Payload-Digest") == original.rec_headers.get_header(
        "WARC-Payload-Digest"
    )
    assert revisit.rec_headers.get_header("WARC-Refers-To-Date") == original.rec_headers.get_header("WARC-Date")
    # negative control: the edited page's second capture has another body, so it is a full response
    edited = [
        r.rec_type for r in records(output) if r.rec_headers.get_header("WARC-Target-URI") == seeded.urls["pameran"]
    ]
    assert edited.count("response") == 2 and "revisit" not in edited


def test_incremental_warc_holds_the_capture_its_revisits_refer_to(seeded: SeededArchive, cfg, tmp_path):
    first = export(cfg, seeded.database, "warc", tmp_path / "full.warc.gz")
    add_not_modified(seeded, "pameran", 20)
    output = tmp_path / "incremental.warc.gz"
    info = export(cfg, seeded.database, "warc", output, Selection(since_snapshot=first.id))
    warcio_check(output)
    found = records(output)
    revisit = next(r for r in found if r.rec_type == "revisit")
    referred = [
        r
        for r in found
        if r.rec_type == "response"
        and r.rec_headers.get_header("WARC-Target-URI") == revisit.rec_headers.get_header("WARC-Refers-To-Target-URI")
        and r.rec_headers.get_header("WARC-Date") == revisit.rec_headers.get_header("WARC-Refers-To-Date")
    ]
    assert len(referred) == 1
    assert info.captures == 2  # the 304 and the capture it repeats, nothing else


def test_pywb_replays_a_304_revisit_with_the_content_it_repeats(seeded: SeededArchive, cfg, wayback, tmp_path):
    root, base = wayback
    add_not_modified(seeded, "pameran", 20)
    output = tmp_path / "archive.warc.gz"
    export(cfg, seeded.database, "warc", output)
    add_warc(root, "warta", output)
    status, body, memento = fetch_memento(f"{base}/20261124030500id_/{seeded.urls['pameran']}")
    # replayed from the revisit itself (its time), not from the nearest full capture
    assert (status, memento) == (200, "Tue, 24 Nov 2026 03:05:00 GMT") and body.startswith(b"<!DOCTYPE html>")
    assert b"Jakarta, Kota Global" in body


@dataclass
class Recrawled:
    """The demo site crawled twice on day one: the second crawl is all 304s and unchanged pages."""

    cfg: WartaConfig
    database: Database
    folder: Path


@pytest.fixture(scope="module")
def recrawled(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Recrawled]:
    folder = tmp_path_factory.mktemp("recrawled")
    with SiteServer(DEMO_SITE) as site:
        config_path = folder / "warta.toml"
        # the demo's browser-rendered source stays out: its replay is the server's shell (see test_browser_render)
        config_path.write_text(demo_config_text(site.url, folder, has_browser=False))
        cfg = load_config(config_path, environ={})
        assert crawl_in_child(config_path, timeout_seconds=120).all_ran
        assert crawl_in_child(config_path, timeout_seconds=120).all_ran
    database = Database.from_config(cfg)
    yield Recrawled(cfg, database, folder)
    database.dispose()


def test_recrawl_of_an_unchanged_site_replays_every_page_with_content(recrawled: Recrawled, wayback):
    root, base = wayback
    output = recrawled.folder / "archive.warc.gz"
    archive.export(recrawled.cfg, recrawled.database, "warc", output)
    warcio_check(output)
    with recrawled.database.reading() as session:
        urls = list(session.scalars(select(Document.url)))
        not_modified = list(session.execute(select(Capture.url, Capture.fetched_at).where(Capture.status == 304)))
        full = session.execute(
            select(Capture.url, Capture.body_sha256).where(Capture.status == 200).order_by(Capture.id)
        )
        bodies = {url: read_blob(session, digest) for url, digest in full if url in urls and digest}
    assert len(urls) == 17 and not_modified  # negative control: the recrawl was answered with 304s
    revisits = [r for r in records(output) if r.rec_type == "revisit"]
    assert {r.rec_headers.get_header("WARC-Target-URI") for r in revisits} >= set(urls)
    add_warc(root, "warta", output)
    for url, fetched_at in not_modified:
        if url not in urls:
            continue
        status, body, memento = fetch_memento(f"{base}/{fetched_at.strftime('%Y%m%d%H%M%S')}id_/{url}")
        # replayed from the revisit itself (its time), not from the nearest full capture
        assert (status, memento) == (200, format_datetime(fetched_at.replace(microsecond=0), usegmt=True)), url
        assert body == bodies[url], url


def test_wacz_of_a_recrawl_with_revisits_validates(recrawled: Recrawled) -> None:
    output = recrawled.folder / "archive.wacz"
    archive.export(recrawled.cfg, recrawled.database, "wacz", output)
    result = subprocess.run([str(BIN / "wacz"), "validate", "-f", str(output)], capture_output=True, text=True)
    assert result.returncode == 0, result.stdout + result.stderr
