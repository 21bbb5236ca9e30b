"""Storage fixtures: a page factory and a database with one source."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import text
from sqlalchemy.engine import Connection

from warta.storage.database import Database
from warta.storage.revisions import PageRecord
from warta.storage.sources import ensure_source

T0 = datetime(2026, 11, 23, 7, 5, tzinfo=UTC)

ARTICLE = (
    "Dinas Kebudayaan DKI Jakarta menggelar Festival Budaya Betawi di Setu Babakan pada akhir pekan ini. "
    "Festival ini menampilkan ondel-ondel, lenong, tanjidor dan kuliner khas Betawi bagi warga dan wisatawan. "
    "Kepala Dinas mengatakan acara ini merupakan bagian dari persiapan menuju 500 tahun Jakarta pada 2027 "
    "dan upaya menjadikan Jakarta kota global yang berakar pada budayanya sendiri."
)


def page(url: str = "https://disbud.jakarta.go.id/berita/festival-betawi", **changes: Any) -> PageRecord:
    """Return a page record for the test source, with `changes` applied."""
    values: dict[str, Any] = {
        "source_id": "disbud",
        "url": url,
        "canonical_url": url,
        "title": "Festival Budaya Betawi digelar di Setu Babakan",
        "text": ARTICLE,
        "html": f"<p>{ARTICLE}</p>",
        "fetched_at": T0,
        "language": "id",
    }
    values.update(changes)
    return PageRecord(**values)


def later(hours: float) -> datetime:
    """Return a time `hours` after the first fetch."""
    return T0 + timedelta(hours=hours)


@pytest.fixture
def archive(db: Database) -> Database:
    """Return the database with the test sources registered."""
    with db.transaction() as session:
        ensure_source(session, "disbud", "Dinas Kebudayaan", "listing")
        ensure_source(session, "kompas", "Kompas", "feed")
    return db


def insert_story_by_hand(connection: Connection, number: int, body: str) -> None:
    """Insert document `number` with one revision (and its source) in plain SQL, as an older schema holds it."""
    connection.execute(
        text(
            "INSERT INTO sources (id, name, kind, created_at, health, health_reason) "
            "VALUES ('disbud', 'Disbud', 'listing', '2026-01-01 00:00:00.000000', 'unknown', '') "
            "ON CONFLICT (id) DO NOTHING"
        )
    )
    at = "2026-01-01 00:00:00.000000"
    url = f"https://disbud.jakarta.go.id/berita/{number}"
    connection.execute(
        text(
            "INSERT INTO documents (id, uid, canonical_url, url, source_id, status, first_seen, last_seen, "
            "updated_at, current_revision) VALUES (:id, :uid, :url, :url, 'disbud', 'active', :at, :at, :at, 1)"
        ),
        {"id": number, "uid": f"u{number}", "url": url, "at": at},
    )
    connection.execute(
        text(
            "INSERT INTO revisions (id, document_id, number, fetched_at, url, title, text, html, content_hash, "
            "simhash, metadata) VALUES (:id, :id, 1, :at, :url, 'Pentas', :body, '', 'x', 0, '{}')"
        ),
        {"id": number, "url": url, "at": at, "body": body},
    )
