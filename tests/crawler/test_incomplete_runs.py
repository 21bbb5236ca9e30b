"""A run that did not get to all its articles does not hide them from the next run behind a 304."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import select

from tests.child_crawl import crawl_in_child
from tests.conftest import write_config
from warta.demo.siteserver import SiteServer
from warta.storage.database import Database
from warta.storage.models import Document

BODY = (
    "Dinas Kebudayaan DKI Jakarta mengumumkan jadwal pertunjukan tari Betawi di Gedung Kesenian Jakarta. "
    "Pertunjukan menghadirkan sanggar dari lima wilayah kota dan terbuka bagi warga tanpa biaya masuk. "
    "Panitia meminta pengunjung datang lebih awal karena kursi terbatas dan pintu ditutup saat acara dimulai."
)


def article(title: str) -> str:
    return (
        f"<html lang='id'><head><title>{title}</title></head><body><nav>Beranda Berita Agenda</nav>"
        f"<article><h1>{title}</h1><p>Jumat, 20 November 2026 | 10:00 WIB</p><p>{BODY}</p><p>{BODY}</p></article>"
        "<footer>Pemprov DKI Jakarta</footer></body></html>"
    )


def write_site(root: Path) -> None:
    listing = (
        "<html><body><h1>Berita</h1><ul>"
        "<li><a href='/berita/tari-betawi'>Tari Betawi</a></li>"
        "<li><a href='/berita/musik-gambang'>Musik Gambang</a></li>"
        "</ul></body></html>"
    )
    for day in ("day1", "day2"):
        (root / day / "berita").mkdir(parents=True)
        (root / day / "berita" / "index.html").write_text(listing)  # the same bytes, so the same ETag
        (root / day / "berita" / "tari-betawi.html").write_text(article("Pertunjukan Tari Betawi"))
        (root / day / "berita" / "musik-gambang.html").write_text(article("Konser Musik Gambang Kromong"))
    (root / "day1" / "_status").write_text("/berita/musik-gambang 500\n")


def test_article_that_failed_is_fetched_next_run_though_the_listing_is_unchanged(tmp_path: Path, db_url: str) -> None:
    write_site(tmp_path / "site")
    with SiteServer(tmp_path / "site") as site:
        config = write_config(
            tmp_path,
            f"""
[storage]
url = "{db_url}"

[crawler]
download_delay = "0s"

[[sources]]
id = "disbud"
kind = "listing"
urls = ["{site.url}/berita/"]
follow = ['/berita/[a-z-]+$']
""",
        )
        first = crawl_in_child(config, timeout_seconds=120).source("disbud")
        assert (first.new, first.errors) == (1, 1)
        site.switch("day2")
        site.clear_log()
        second = crawl_in_child(config, timeout_seconds=120).source("disbud")
        listing_answers = [entry.status for entry in site.requests if entry.path == "/berita/"]
    assert second.new == 1
    assert listing_answers == [200]  # read in full: the first run's validators were not kept
    database = Database(db_url)
    try:
        with database.reading() as session:
            urls = sorted(session.execute(select(Document.canonical_url)).scalars())
    finally:
        database.dispose()
    assert [url.rsplit("/", 1)[1] for url in urls] == ["musik-gambang", "tari-betawi"]
