"""Feed fixtures: a config with sources and topics, and an archive seeded through the storage API."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from warta.config import WartaConfig, parse_config
from warta.feeds.builder import BuildReport, build_feeds
from warta.storage.database import Database
from warta.storage.revisions import PageRecord, RecordResult, record_page
from warta.storage.sources import ensure_source
from warta.storage.topics import TopicMatcher

T0 = datetime(2026, 11, 23, 7, 5, tzinfo=UTC)

FESTIVAL = (
    "Dinas Kebudayaan DKI Jakarta menggelar Festival Budaya Betawi di Setu Babakan pada akhir pekan ini. "
    "Festival ini menampilkan ondel-ondel, lenong, tanjidor dan kuliner khas Betawi bagi warga dan wisatawan. "
    "Kepala Dinas mengatakan acara ini merupakan bagian dari persiapan menuju 500 tahun Jakarta pada 2027 "
    "dan upaya menjadikan Jakarta kota global yang berakar pada budayanya sendiri."
)
WCCF = (
    "Jakarta resmi bergabung dengan World Cities Culture Forum (WCCF) dan akan mengirim delegasi ke "
    "Leadership Exchange Programme tahun depan. Pemerintah Provinsi DKI Jakarta menyebut keanggotaan ini "
    "sebagai langkah penting menuju Jakarta kota global dengan kebudayaan sebagai fondasinya."
)
MUSEUM = (
    "Museum Fatahillah di Kota Tua membuka pameran baru tentang sejarah Batavia. Pameran berlangsung "
    "selama satu bulan dan terbuka untuk umum setiap hari kecuali Senin."
)

CONFIG = {
    "feeds": {"base_url": "https://feeds.example.org/warta/", "max_entries": 50, "title_prefix": "warta"},
    "sources": [
        {
            "id": "disbud",
            "name": "Dinas Kebudayaan DKI Jakarta",
            "kind": "listing",
            "urls": ["https://disbud.jakarta.go.id/berita"],
            "language": "id",
            "tags": ["government"],
        },
        {
            "id": "kompas",
            "name": "Kompas.com",
            "kind": "feed",
            "urls": ["https://www.kompas.com/rss"],
            "language": "id",
            "tags": ["news"],
        },
    ],
    "topics": [
        {"id": "jakarta-global-city", "title": "Jakarta global city", "any": ["kota global", "global city"]},
        {"id": "wccf", "title": "World Cities Culture Forum", "any": ["WCCF", "World Cities Culture Forum"]},
        {"id": "festivals", "title": "Festivals", "any": ["festival"], "none": ["festival belanja"]},
        {"id": "museums", "title": "Museums", "any": ["museum", "pameran"]},
    ],
}


def make_config(tmp_path: Path, db_url: str, **overrides: Any) -> WartaConfig:
    """Return a validated config for the test archive; top-level keys in `overrides` replace the defaults."""
    raw: dict[str, Any] = {**CONFIG, "storage": {"url": db_url}, **overrides}
    raw["feeds"] = {"dir": str(tmp_path / "public"), **raw["feeds"]}
    return parse_config(raw, base_dir=tmp_path, environ={})


def page(slug: str, source_id: str = "disbud", hours: float = 0, **changes: Any) -> PageRecord:
    """Return a page record of the test archive; `hours` after T0."""
    host = {"disbud": "https://disbud.jakarta.go.id/berita/", "kompas": "https://www.kompas.com/read/"}[source_id]
    text = changes.pop("text", FESTIVAL)
    values: dict[str, Any] = {
        "source_id": source_id,
        "url": host + slug,
        "canonical_url": host + slug,
        "title": slug.replace("-", " ").title(),
        "text": text,
        "html": "".join(f"<p>{part}</p>" for part in text.split("\n\n")),
        "fetched_at": T0 + timedelta(hours=hours),
        "language": "id",
    }
    values.update(changes)
    return PageRecord(**values)


@dataclass
class Archive:
    """A test archive: its database, config and topic matcher, and a way to record pages."""

    db: Database
    cfg: WartaConfig
    matcher: TopicMatcher

    def record(self, record: PageRecord) -> RecordResult:
        """Record one page the way the crawler does (its topics are matched by the next build)."""
        with self.db.transaction() as session:
            return record_page(session, record)

    @property
    def feed_dir(self) -> Path:
        """Return the folder the feeds are built into."""
        return self.cfg.feeds.dir


@pytest.fixture
def archive(db: Database, db_url: str, tmp_path: Path) -> Archive:
    """Return an empty archive with the config's sources registered."""
    cfg = make_config(tmp_path, db_url)
    with db.transaction() as session:
        for source in cfg.sources:
            ensure_source(session, source.id, source.display_name, source.kind)
    return Archive(db, cfg, TopicMatcher.from_config(cfg))


@pytest.fixture
def seeded(archive: Archive) -> Archive:
    """Return the archive with three stories from two sources."""
    archive.record(page("festival-betawi", hours=0))
    archive.record(page("jakarta-gabung-wccf", hours=1, text=WCCF, title="Jakarta gabung WCCF"))
    archive.record(page("pameran-batavia", "kompas", hours=2, text=MUSEUM, title="Pameran Batavia di Kota Tua"))
    return archive


def build(archive: Archive, **kwargs: Any) -> BuildReport:
    """Build the archive's feeds with its config."""
    return build_feeds(archive.cfg, archive.db, **kwargs)


def feed_files(folder: Path, suffix: str) -> list[Path]:
    """Return the files with this suffix anywhere in the feed folder, sorted."""
    return sorted(folder.rglob(f"*{suffix}"))


def file_states(folder: Path) -> dict[str, tuple[bytes, int]]:
    """Return every file's bytes and st_mtime_ns, by relative path."""
    return {
        str(path.relative_to(folder)): (path.read_bytes(), path.stat().st_mtime_ns)
        for path in sorted(folder.rglob("*"))
        if path.is_file()
    }
