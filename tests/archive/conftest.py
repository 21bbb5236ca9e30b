"""Archive fixtures: a seeded archive (two sources, revisions, captures, topics, a gone page) and a config."""

from __future__ import annotations

import gzip
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text

from tests.conftest import POSTGRES_URL, postgres_schema_url
from tests.pywb import new_collection, running_pywb
from warta.config import WartaConfig
from warta.storage.captures import HttpExchange, save_capture
from warta.storage.database import Database
from warta.storage.models import Document, TopicMembership
from warta.storage.revisions import PageRecord, mark_gone, record_page
from warta.storage.sources import ensure_source
from warta.storage.types import utcnow

T0 = datetime(2026, 11, 23, 7, 5, tzinfo=UTC)
ORGANIZATION = "Arsip Budaya Jakarta"

FESTIVAL = (
    "Dinas Kebudayaan DKI Jakarta menggelar Festival Budaya Betawi di Setu Babakan pada akhir pekan ini. "
    "Festival ini menampilkan ondel-ondel, lenong, tanjidor dan kuliner khas Betawi bagi warga dan wisatawan. "
    "Kepala Dinas mengatakan acara ini merupakan bagian dari persiapan menuju 500 tahun Jakarta pada 2027 "
    "dan upaya menjadikan Jakarta kota global yang berakar pada budayanya sendiri."
)
# Quotes, commas, line breaks and non-ASCII: what breaks naive CSV and JSON writers.
TRICKY_TITLE = 'Pameran "Jakarta, Kota Global" — dibuka'
TRICKY_TEXT = (
    'Pameran seni rupa dibuka, kata kurator: "Selamat datang".\nBaris kedua; harga tiket Rp 25.000,-\r\nAkhir ✓'
)
MUSEUM = "Museum Fatahillah memperpanjang jam buka selama libur sekolah bagi pengunjung keluarga."
WAYANG = "Pertunjukan wayang kulit semalam suntuk digelar di Taman Ismail Marzuki pada Sabtu malam."

DISBUD = "https://disbud.jakarta.go.id"
KOMPAS = "https://www.kompas.id"


@dataclass
class SeededArchive:
    """The seeded database and what it holds, by name."""

    database: Database
    uids: dict[str, str] = field(default_factory=dict)
    urls: dict[str, str] = field(default_factory=dict)


def html_page(title: str, body: str) -> bytes:
    """Return a realistic article page."""
    return (
        "<!DOCTYPE html><html lang='id'><head><meta charset='utf-8'>"
        f"<title>{title}</title></head><body><nav>Beranda | Berita</nav>"
        f"<article><h1>{title}</h1><p>{body}</p></article><footer>© Pemprov DKI</footer></body></html>"
    ).encode()


def response_headers(body: bytes, gzip_declared: bool = False) -> list[tuple[str, str]]:
    """Return server headers; with `gzip_declared`, as Scrapy keeps them after decoding a gzipped body."""
    headers = [
        ("Date", "Mon, 23 Nov 2026 07:05:00 GMT"),
        ("Server", "nginx"),
        ("Content-Type", "text/html; charset=utf-8"),
        ("ETag", f'"{uuid.uuid4().hex[:8]}"'),
    ]
    if gzip_declared:
        headers += [("Content-Encoding", "gzip"), ("Content-Length", str(len(gzip.compress(body))))]
    else:
        headers.append(("Content-Length", str(len(body))))
    return headers


REQUEST_HEADERS = [("User-Agent", "warta/0.1 (+https://github.com/warta-project/warta)"), ("Accept", "text/html")]


def record(
    archive: SeededArchive,
    name: str,
    source_id: str,
    url: str,
    title: str,
    body_text: str,
    at: datetime,
    *,
    topics: tuple[str, ...] = (),
    gzip_declared: bool = False,
) -> None:
    """Capture and record one page the way the crawler does; remember its uid under `name`."""
    body = html_page(title, body_text)
    with archive.database.transaction() as session:
        capture_id = save_capture(
            session,
            HttpExchange(
                url=url,
                status=200,
                reason="OK",
                response_headers=response_headers(body, gzip_declared),
                body=body,
                fetched_at=at,
                request_headers=REQUEST_HEADERS,
            ),
            source_id=source_id,
        )
        result = record_page(
            session,
            PageRecord(
                source_id=source_id,
                url=url,
                canonical_url=url,
                title=title,
                text=body_text,
                html=f"<p>{body_text}</p>",
                fetched_at=at,
                published=at - timedelta(days=1),
                language="id",
                metadata={"author": "Humas"},
                capture_id=capture_id,
            ),
        )
        document = session.get(Document, result.document_id)
        assert document is not None
        for topic_id in topics:
            if session.get(TopicMembership, (topic_id, document.id)) is None:
                session.add(TopicMembership(topic_id=topic_id, document_id=document.id, matched_at=at))
        archive.uids[name] = document.uid
        archive.urls[name] = url


def seed_first_round(database: Database) -> SeededArchive:
    """Seed two sources, four documents (one edited, one near-duplicate, one gone) and a listing capture."""
    archive = SeededArchive(database)
    with database.transaction() as session:
        ensure_source(session, "disbud", "Dinas Kebudayaan", "listing")
        ensure_source(session, "kompas", "Kompas", "feed")
    festival = f"{DISBUD}/berita/festival-betawi"
    record(
        archive,
        "festival",
        "disbud",
        festival,
        "Festival Budaya Betawi",
        FESTIVAL,
        T0,
        topics=("betawi",),
        gzip_declared=True,
    )
    record(
        archive,
        "festival",
        "disbud",
        festival,
        "Festival Budaya Betawi di Setu Babakan",
        FESTIVAL + " Gratis.",
        T0 + timedelta(hours=6),
        topics=("betawi",),
    )
    record(archive, "pameran", "disbud", f"{DISBUD}/berita/pameran", TRICKY_TITLE, TRICKY_TEXT, T0 + timedelta(hours=1))
    record(
        archive,
        "kompas-festival",
        "kompas",
        f"{KOMPAS}/baca/festival-betawi",
        "Festival Betawi di Setu Babakan",
        FESTIVAL,
        T0 + timedelta(hours=2),
        topics=("betawi",),
    )
    record(archive, "museum", "disbud", f"{DISBUD}/berita/museum", "Jam buka museum", MUSEUM, T0 + timedelta(hours=3))
    with database.transaction() as session:
        mark_gone(session, archive.urls["museum"], T0 + timedelta(hours=9))
        listing = html_page("Berita", "daftar berita")
        save_capture(
            session,
            HttpExchange(f"{DISBUD}/berita", 200, response_headers(listing), listing, T0, reason="OK"),
            source_id="disbud",
        )
    return archive


def seed_second_round(archive: SeededArchive) -> dict[str, str]:
    """Crawl again now: one new page, one edited page, one page gone, one unchanged; return changed names."""
    now = utcnow()
    record(archive, "wayang", "kompas", f"{KOMPAS}/baca/wayang", "Wayang semalam suntuk", WAYANG, now)
    record(archive, "pameran", "disbud", archive.urls["pameran"], TRICKY_TITLE, TRICKY_TEXT + " Diperpanjang.", now)
    record(
        archive,
        "kompas-festival",
        "kompas",
        archive.urls["kompas-festival"],
        "Festival Betawi di Setu Babakan",
        FESTIVAL,
        now,
    )
    with archive.database.transaction() as session:
        mark_gone(session, archive.urls["festival"], now)
    return {name: archive.uids[name] for name in ("wayang", "pameran", "festival")}


@pytest.fixture
def seeded(db: Database) -> SeededArchive:
    """Return the database seeded with the first round of records."""
    return seed_first_round(db)


@pytest.fixture
def cfg() -> WartaConfig:
    """Return a config naming the archiving organization."""
    return WartaConfig.model_validate({"archive": {"organization": ORGANIZATION}})


@pytest.fixture
def empty_db(db_url: str, tmp_path: Path) -> Iterator[Database]:
    """Yield a second, empty archive database on the same backend as `db`."""
    if db_url.startswith("sqlite"):
        database = Database(f"sqlite:///{tmp_path / 'other.db'}")
        database.ensure_schema()
        yield database
        database.dispose()
        return
    assert POSTGRES_URL
    for url in postgres_schema_url():
        database = Database(url)
        database.ensure_schema()
        yield database
        database.dispose()


def table_count(database: Database, table: str) -> int:
    """Return the number of rows in `table`."""
    engine = create_engine(database.url)
    try:
        with engine.connect() as connection:
            return int(connection.execute(text(f"SELECT count(*) FROM {table}")).scalar_one())
    finally:
        engine.dispose()


@pytest.fixture
def wayback(tmp_path: Path) -> Iterator[tuple[Path, str]]:
    """Yield the folder of a pywb with an empty collection `warta` and its URL (tests add WARCs with add_warc)."""
    root = tmp_path / "pywb"
    root.mkdir()
    new_collection(root)
    with running_pywb(root) as base:
        yield root, f"{base}/warta"


def add_not_modified(seeded: SeededArchive, name: str, hours: int) -> None:
    """Store a 304 for the named page, as a conditional recrawl receives it."""
    with seeded.database.transaction() as session:
        save_capture(
            session,
            HttpExchange(
                seeded.urls[name],
                304,
                [("Date", "Tue, 24 Nov 2026 07:05:00 GMT"), ("ETag", '"abc"')],
                b"",
                T0 + timedelta(hours=hours),
                reason="Not Modified",
            ),
            source_id="disbud",
        )
