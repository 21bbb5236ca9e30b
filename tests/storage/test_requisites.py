"""Page requisites in storage: links from a page capture to the captures it uses, and exports taking them along."""

from __future__ import annotations

from dataclasses import dataclass

import pytest
from sqlalchemy.orm import Session

from tests.storage.conftest import T0, later, page
from warta.storage.captures import HttpExchange, save_capture
from warta.storage.database import Database
from warta.storage.exports import DocumentFilter, iter_captures
from warta.storage.models import Capture, TopicMembership
from warta.storage.requisites import document_has_requisites, link_requisites, requisites_of
from warta.storage.revisions import record_page
from warta.storage.revisits import attach_capture

SITE = "https://disbud.jakarta.go.id"


def exchange(url: str, body: bytes, content_type: str = "text/html", hours: float = 0) -> HttpExchange:
    return HttpExchange(url, 200, [("Content-Type", content_type)], body, later(hours), reason="OK")


@dataclass
class Pages:
    """Two recorded pages (one in topic 'teater'), their captures, a shared stylesheet and a stray image."""

    festival: int
    pameran: int
    stylesheet: int
    logo: int
    stray: int


@pytest.fixture
def pages(archive: Database) -> Pages:
    with archive.transaction() as session:
        captures = {}
        for name in ("festival", "pameran"):
            url = f"{SITE}/berita/{name}"
            capture_id = save_capture(session, exchange(url, f"<p>{name}</p>".encode()), "disbud")
            result = record_page(session, page(url, title=name, text=f"Berita {name} " * 20, capture_id=capture_id))
            attach_capture(session, capture_id, result.document_id)
            captures[name] = (capture_id, result.document_id)
        stylesheet = save_capture(session, exchange(f"{SITE}/static/site.css", b"body{}", "text/css"), "disbud")
        logo = save_capture(session, exchange(f"{SITE}/img/logo.png", b"\x89PNG logo", "image/png"), "disbud")
        stray = save_capture(session, exchange(f"{SITE}/img/lain.png", b"\x89PNG lain", "image/png"), "disbud")
        session.add(TopicMembership(topic_id="teater", document_id=captures["festival"][1], matched_at=T0))
    return Pages(captures["festival"][0], captures["pameran"][0], stylesheet, logo, stray)


def test_links_are_stored_once_however_often_given(archive: Database, pages: Pages) -> None:
    with archive.transaction() as session:
        link_requisites(session, pages.festival, [pages.logo, pages.stylesheet, pages.logo])
    with archive.transaction() as session:
        link_requisites(session, pages.festival, [pages.stylesheet])
    with archive.reading() as session:
        assert requisites_of(session, pages.festival) == sorted([pages.stylesheet, pages.logo])
        assert requisites_of(session, pages.pameran) == []


def test_a_page_is_never_its_own_requisite(archive: Database, pages: Pages) -> None:
    with archive.transaction() as session:
        link_requisites(session, pages.festival, [pages.festival, pages.logo])
    with archive.reading() as session:
        assert requisites_of(session, pages.festival) == [pages.logo]


def test_document_has_requisites_once_one_of_its_captures_has_them(archive: Database, pages: Pages) -> None:
    with archive.transaction() as session:
        recapture = save_capture(session, exchange(f"{SITE}/berita/festival", b"<p>festival</p>", hours=24), "disbud")
    with archive.reading() as session:
        assert not document_has_requisites(session, pages.festival)
    with archive.transaction() as session:
        link_requisites(session, pages.festival, [pages.stylesheet])
        document_id = _document_of(session, pages.festival)
        attach_capture(session, recapture, document_id)
    with archive.reading() as session:
        # the recapture of the same story has none of its own yet; its document has them
        assert document_has_requisites(session, recapture)
        assert not document_has_requisites(session, pages.pameran)
        # a capture of no document never has requisites through one
        assert not document_has_requisites(session, pages.stray)


def _document_of(session: Session, capture_id: int) -> int:
    capture = session.get(Capture, capture_id)
    assert capture is not None and capture.document_id is not None
    return capture.document_id


def test_topic_export_takes_the_requisites_of_its_pages_along(archive: Database, pages: Pages) -> None:
    with archive.transaction() as session:
        link_requisites(session, pages.festival, [pages.stylesheet, pages.logo])
        link_requisites(session, pages.pameran, [pages.stylesheet])
    with archive.reading() as session:
        urls = [capture.url for capture in iter_captures(session, DocumentFilter(topics=("teater",)))]
        control = [capture.url for capture in iter_captures(session, DocumentFilter(topics=("tari",)))]
    # the festival page of the topic, its stylesheet and logo; not the other page, not the stray image
    assert urls == [f"{SITE}/berita/festival", f"{SITE}/static/site.css", f"{SITE}/img/logo.png"]
    assert control == []


def test_source_export_holds_requisites_of_no_document(archive: Database, pages: Pages) -> None:
    with archive.transaction() as session:
        link_requisites(session, pages.festival, [pages.logo])
    with archive.reading() as session:
        disbud = {capture.url for capture in iter_captures(session, DocumentFilter(sources=("disbud",)))}
        kompas = {capture.url for capture in iter_captures(session, DocumentFilter(sources=("kompas",)))}
    assert f"{SITE}/img/logo.png" in disbud and f"{SITE}/static/site.css" in disbud
    assert kompas == set()
