"""Near-duplicate clusters: a syndicated copy joins the original's cluster; another story does not."""

from __future__ import annotations

from storage.database import Database
from storage.revisions import record_page
from tests.storage.conftest import ARTICLE, later, page

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
