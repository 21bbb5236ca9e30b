"""Near-duplicate clusters: a syndicated copy joins the original's cluster; another story does not."""

from __future__ import annotations

from tests.storage.conftest import ARTICLE, later, page
from warta.storage.clusters import MAX_CANDIDATES, set_fingerprint
from warta.storage.database import Database
from warta.storage.fingerprints import fingerprint, to_signed64
from warta.storage.models import Document
from warta.storage.revisions import record_page

LONG_ARTICLE = " ".join([ARTICLE] * 2) + (
    " Panitia menyiapkan panggung utama, area kuliner dan pameran foto sejarah kampung Betawi."
    " Pengunjung dapat datang tanpa biaya dan diimbau menggunakan transportasi umum."
)


def test_syndicated_copy_with_trimmed_sentence_joins_the_cluster(archive: Database) -> None:
    copy_text = LONG_ARTICLE.rsplit(" Pengunjung", 1)[0]
    with archive.transaction() as session:
        original = record_page(session, page(text=LONG_ARTICLE))
    with archive.transaction() as session:
        copy = record_page(
            session,
            page(
                "https://www.kompas.com/read/2026/11/23/festival-betawi",
                source_id="kompas",
                text=copy_text,
                fetched_at=later(1),
            ),
        )
    assert copy.cluster_id == original.cluster_id == original.document_id


def test_different_story_starts_its_own_cluster(archive: Database) -> None:
    other = (
        "Museum Nasional Indonesia membuka kembali Galeri Prasejarah setelah renovasi dua tahun. "
        "Koleksi baru mencakup fosil, perkakas batu dan replika gua hunian yang dapat dijelajahi pengunjung. "
    ) * 4
    with archive.transaction() as session:
        first = record_page(session, page(text=LONG_ARTICLE))
    with archive.transaction() as session:
        second = record_page(session, page("https://disbud.jakarta.go.id/berita/museum", text=other))
    assert second.cluster_id == second.document_id != first.cluster_id


def test_a_recent_original_is_found_among_more_band_collisions_than_are_compared(archive: Database) -> None:
    # In a large archive many unrelated documents share one 16-bit band with a new page by chance
    # (about 30 at 500,000 documents); only MAX_CANDIDATES are compared. The newest must be among
    # them: a story is carried by other sources within days, not by documents of years before.
    copy_text = LONG_ARTICLE.rsplit(" Pengunjung", 1)[0]
    copy_simhash = fingerprint(page().title, copy_text).simhash
    with archive.transaction() as session:
        for number in range(MAX_CANDIDATES + 8):
            decoy = record_page(
                session, page(f"https://disbud.jakarta.go.id/berita/lain-{number}", text=f"lain {number}")
            )
            document = session.get(Document, decoy.document_id)
            assert document is not None
            # the same lowest band as the copy, every other bit flipped: 48 bits away
            set_fingerprint(document, to_signed64((copy_simhash ^ ~0xFFFF) & ((1 << 64) - 1)))
    with archive.transaction() as session:
        original = record_page(session, page(text=LONG_ARTICLE, fetched_at=later(1)))
    with archive.transaction() as session:
        copy = record_page(
            session,
            page("https://www.kompas.com/read/2026/11/23/festival-betawi", source_id="kompas", text=copy_text),
        )
    assert copy.cluster_id == original.cluster_id == original.document_id
