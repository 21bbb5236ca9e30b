"""What an entry shows: sanitized bodies, gone notes, one entry per near-duplicate cluster, the newest window."""

from __future__ import annotations

import json

import feedparser
import pytest
from lxml import etree
from sqlalchemy import text

from tests.feeds.conftest import FESTIVAL, MUSEUM, T0, Archive, build, make_config, page
from warta.storage.database import Database
from warta.storage.revisions import mark_gone

HOSTILE_HTML = (
    "<p>Festival Budaya Betawi <b>dibuka</b>.</p>"
    "<script>alert('xss-script')</script>"
    "<style>body{display:none}</style>"
    '<iframe src="https://evil.example/frame">frame text</iframe>'
    '<img src="https://cdn.example/x.png" onerror="alert(\'xss-onerror\')">'
    "<a href=\"javascript:alert('xss-link')\">klik</a>"
    '<a href="JaVaScRiPt:alert(1)">klik2</a>'
    '<p onclick="steal()" style="color:red">teks</p>'
    '<a href="/berita/lain">relatif</a>'
)
FORBIDDEN = ("<script", "alert(", "<iframe", "onerror", "onclick", "javascript:", "display:none", "color:red", "xss-")


def test_hostile_html_never_reaches_a_feed_file_or_the_index(archive: Archive) -> None:
    archive.record(page("festival-betawi", html=HOSTILE_HTML))
    build(archive)
    files = [path for path in archive.feed_dir.rglob("*") if path.is_file()]
    assert len(files) == 3 * 7 + 7 + 2  # seven feeds in three formats, their seven calendars, the index and OPML
    for path in files:
        body = path.read_text(encoding="utf-8")
        # Atom and RSS escape HTML; unescape so escaped markup cannot hide a payload.
        if path.suffix in (".atom", ".rss"):
            body = "".join(etree.fromstring(path.read_bytes()).itertext())
        elif path.suffix == ".json":
            body = json.dumps(json.loads(body), ensure_ascii=False)
        lowered = body.lower()
        assert not [word for word in FORBIDDEN if word in lowered], path
    content = feedparser.parse((archive.feed_dir / "all.atom").read_bytes()).entries[0].content[0].value
    assert "<b>dibuka</b>" in content
    assert 'href="https://disbud.jakarta.go.id/berita/lain"' in content


def test_page_without_html_shows_its_text_as_escaped_paragraphs(archive: Archive) -> None:
    archive.record(page("teks-saja", html="", text="Baris <satu> & dua.\n\nParagraf kedua."))
    build(archive)
    content = feedparser.parse((archive.feed_dir / "all.atom").read_bytes()).entries[0].content[0].value
    assert content == "<p>Baris &lt;satu&gt; &amp; dua.</p><p>Paragraf kedua.</p>"


def test_gone_story_stays_in_the_feed_with_a_note(seeded: Archive) -> None:
    with seeded.db.transaction() as session:
        assert mark_gone(session, page("festival-betawi").canonical_url, T0.replace(day=25))
    build(seeded)
    entries = feedparser.parse((seeded.feed_dir / "all.atom").read_bytes()).entries
    gone = next(entry for entry in entries if entry.link.endswith("/festival-betawi"))
    assert "no longer available at its source since 2026-11-25" in gone.content[0].value
    others = [entry for entry in entries if entry is not gone]
    assert others and all("no longer available" not in entry.content[0].value for entry in others)


def test_near_duplicate_cluster_appears_once_with_links_to_the_other_sources(archive: Archive) -> None:
    archive.record(page("festival-betawi", "disbud", hours=0))
    copy = archive.record(page("festival-betawi-setu-babakan", "kompas", hours=1, title="Festival Betawi (Kompas)"))
    assert copy.cluster_id is not None
    build(archive)
    for feed in ("all.atom", "topics/festivals.atom"):
        entries = feedparser.parse((archive.feed_dir / feed).read_bytes()).entries
        assert len(entries) == 1, feed
        entry = entries[0]
        assert entry.link == "https://disbud.jakarta.go.id/berita/festival-betawi"
        related = [link.href for link in entry.links if link.rel == "related"]
        assert related == ["https://www.kompas.com/read/festival-betawi-setu-babakan"]
        assert 'Also reported by: <a href="https://www.kompas.com/read/' in entry.content[0].value
    kompas = feedparser.parse((archive.feed_dir / "sources" / "kompas.atom").read_bytes()).entries
    assert [entry.link for entry in kompas] == ["https://www.kompas.com/read/festival-betawi-setu-babakan"]
    assert [link.href for link in kompas[0].links if link.rel == "related"] == [
        "https://disbud.jakarta.go.id/berita/festival-betawi"
    ]


def test_different_stories_are_not_merged(archive: Archive) -> None:
    archive.record(page("festival-betawi", "disbud", hours=0))
    archive.record(page("pameran", "kompas", hours=1, text=MUSEUM))
    build(archive)
    entries = feedparser.parse((archive.feed_dir / "all.atom").read_bytes()).entries
    assert len(entries) == 2
    assert all(link.rel != "related" for entry in entries for link in entry.links)


def test_feed_holds_the_newest_max_entries_newest_first(archive: Archive, db_url: str, tmp_path) -> None:
    archive.cfg = make_config(tmp_path, db_url, feeds={"base_url": "https://feeds.example.org/", "max_entries": 3})
    for hour in range(6):
        archive.record(page(f"cerita-{hour}", hours=hour, text=f"Cerita nomor {hour}. {MUSEUM}"))
    build(archive)
    for feed in ("all.atom", "sources/disbud.atom", "topics/museums.atom"):
        entries = feedparser.parse((archive.feed_dir / feed).read_bytes()).entries
        assert [entry.link.rsplit("/", 1)[1] for entry in entries] == ["cerita-5", "cerita-4", "cerita-3"], feed


@pytest.mark.parametrize(
    ("statement", "index"),
    [
        (
            "SELECT id FROM documents WHERE source_id = 'disbud' AND updated_at IS NOT NULL "
            "ORDER BY updated_at DESC, id DESC LIMIT 50",
            "ix_documents_source_updated",
        ),
        (
            "SELECT documents.id FROM documents JOIN topic_memberships ON topic_memberships.document_id = documents.id "
            "WHERE topic_memberships.topic_id = 'wccf' ORDER BY topic_memberships.matched_at DESC LIMIT 50",
            "ix_topic_memberships_topic_matched",
        ),
    ],
    ids=["source-window", "topic-window"],
)
def test_feed_windows_are_read_through_an_index_not_a_sort_of_the_archive(tmp_path, statement, index) -> None:
    # Checked on SQLite only: PostgreSQL's plan for a tiny test table depends on its statistics.
    database = Database(f"sqlite:///{tmp_path / 'plan.db'}")
    database.ensure_schema()
    with database.reading() as session:
        plan = " ".join(str(row[-1]) for row in session.execute(text("EXPLAIN QUERY PLAN " + statement)))
    database.dispose()
    assert index in plan
    assert "TEMP B-TREE" not in plan


def test_fesival_text_is_long_enough_to_cluster() -> None:
    assert len(FESTIVAL.split()) >= 40


def test_plan_check_detects_a_sort_of_the_archive(tmp_path) -> None:
    database = Database(f"sqlite:///{tmp_path / 'plan.db'}")
    database.ensure_schema()
    with database.reading() as session:
        statement = "SELECT id FROM documents WHERE source_id = 'disbud' ORDER BY first_seen DESC LIMIT 50"
        plan = " ".join(str(row[-1]) for row in session.execute(text("EXPLAIN QUERY PLAN " + statement)))
    database.dispose()
    assert "TEMP B-TREE" in plan


@pytest.mark.parametrize(
    "stored_html",
    [
        "Festival Betawi<p>Dinas Kebudayaan menggelar festival.</p>",
        "<h1>Festival  betawi</h1><p>Dinas Kebudayaan menggelar festival.</p>",
        "<p>FESTIVAL BETAWI.</p><p>Dinas Kebudayaan menggelar festival.</p>",
    ],
    ids=["bare-text", "heading", "paragraph"],
)
def test_entry_content_does_not_open_with_the_headline(archive: Archive, stored_html: str) -> None:
    archive.record(page("festival-betawi", html=stored_html))
    build(archive)
    [entry] = feedparser.parse((archive.feed_dir / "all.atom").read_bytes()).entries
    assert entry.title == "Festival Betawi"
    assert entry.content[0].value == "<p>Dinas Kebudayaan menggelar festival.</p>"


def test_a_first_paragraph_that_only_starts_like_the_headline_is_kept(archive: Archive) -> None:
    stored = "<p>Festival Betawi dibuka hari ini.</p><p>Dinas Kebudayaan menggelar festival.</p>"
    archive.record(page("festival-betawi", html=stored))
    build(archive)
    [entry] = feedparser.parse((archive.feed_dir / "all.atom").read_bytes()).entries
    assert entry.content[0].value == stored


def test_text_body_does_not_open_with_the_headline(archive: Archive) -> None:
    archive.record(page("festival-betawi", html="", text="Festival Betawi\nDinas Kebudayaan menggelar festival."))
    build(archive)
    [entry] = feedparser.parse((archive.feed_dir / "all.atom").read_bytes()).entries
    assert entry.content[0].value == "<p>Dinas Kebudayaan menggelar festival.</p>"
