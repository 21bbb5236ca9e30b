"""Near-duplicate clusters: a syndicated copy joins the original's cluster; a series sibling does not."""

from __future__ import annotations

from collections import Counter
from pathlib import Path
from typing import Any

from click.testing import CliRunner
from sqlalchemy import insert, select, text, tuple_, update

from tests.conftest import write_config
from tests.storage.conftest import later, page
from warta.cli.root import cli
from warta.storage import clusters
from warta.storage.clusters import ShingleCache, candidates_query, find_candidates, rebuild_clusters
from warta.storage.database import Database
from warta.storage.dedup import DEFAULT_THRESHOLDS, band_keys
from warta.storage.models import Document, DocumentBand, Revision
from warta.storage.revisions import record_page
from warta.storage.shingling import shingles

PRESS_RELEASE = "\n".join(
    [
        "Dinas Kebudayaan Provinsi DKI Jakarta menggelar Festival Budaya Betawi di Perkampungan Budaya Betawi "
        "Setu Babakan, Jagakarsa, pada 28 hingga 30 November 2026. Festival tahunan ini menghadirkan lenong, "
        "gambang kromong, tanjidor, palang pintu dan bazar kuliner khas Betawi.",
        "Kepala Dinas Kebudayaan mengatakan festival ini merupakan bagian dari persiapan menuju 500 tahun "
        "Jakarta pada 2027 dan upaya menjadikan Jakarta kota global yang berakar pada budayanya sendiri.",
        "Panitia menyiapkan panggung utama di tepi danau, area kuliner dengan lebih dari 80 pedagang, dan "
        "pameran foto sejarah kampung Betawi dari koleksi Museum Sejarah Jakarta.",
        "Pengunjung dapat datang tanpa biaya dan diimbau menggunakan transportasi umum karena lahan parkir "
        "terbatas. Bus TransJakarta rute Setu Babakan beroperasi hingga pukul 22.00 WIB selama festival.",
    ]
)
SYNDICATED_COPY = "JAKARTA (ANTARA) - " + PRESS_RELEASE + "\nSumber: Dinas Kebudayaan DKI Jakarta"
# the next announcement of a series: the same release, another date, venue and performers
SERIES_SIBLING = (
    PRESS_RELEASE.replace("Perkampungan Budaya Betawi Setu Babakan, Jagakarsa", "Kampung Budaya Condet, Kramat Jati")
    .replace("28 hingga 30 November 2026", "12 hingga 14 Desember 2026")
    .replace("lenong, gambang kromong, tanjidor, palang pintu", "topeng Betawi, keroncong Tugu, rebana biang")
    .replace("di tepi danau", "di lapangan kampung")
    .replace("rute Setu Babakan beroperasi hingga pukul 22.00", "rute Condet beroperasi hingga pukul 21.00")
)
OTHER_STORY = "\n".join(
    [
        "Museum Nasional Indonesia membuka kembali Galeri Prasejarah setelah renovasi selama dua tahun. Galeri "
        "baru ini menampilkan lebih dari 500 koleksi, termasuk fosil manusia purba dan perkakas batu.",
        "Kepala Museum Nasional mengatakan renovasi dilakukan untuk meningkatkan keamanan koleksi dan kenyamanan "
        "pengunjung. Sistem pencahayaan kini memenuhi standar museum internasional.",
        "Galeri Prasejarah dibuka setiap Selasa hingga Minggu pukul 08.00 hingga 16.00 WIB.",
    ]
)
COPY_URL = "https://www.antaranews.com/berita/festival-betawi"


def _record(archive: Database, text: str, url: str = COPY_URL, hours: float = 1, source_id: str = "kompas") -> int:
    with archive.transaction() as session:
        result = record_page(session, page(url, source_id=source_id, text=text, fetched_at=later(hours)))
        assert result.cluster_id is not None
        return result.cluster_id


def _original(archive: Database) -> int:
    with archive.transaction() as session:
        return record_page(session, page(text=PRESS_RELEASE)).document_id


def test_syndicated_copy_with_attribution_and_dateline_joins_the_cluster(archive: Database) -> None:
    original = _original(archive)
    assert _record(archive, SYNDICATED_COPY) == original


def test_copy_cut_to_its_first_paragraphs_joins_the_cluster(archive: Database) -> None:
    original = _original(archive)
    assert _record(archive, "\n".join(PRESS_RELEASE.splitlines()[:2])) == original


def test_different_story_starts_its_own_cluster(archive: Database) -> None:
    original = _original(archive)
    with archive.transaction() as session:
        other = record_page(session, page("https://disbud.jakarta.go.id/berita/museum", text=OTHER_STORY))
    assert other.cluster_id == other.document_id != original


def test_two_announcements_of_one_series_remain_two_stories(archive: Database) -> None:
    original = _original(archive)
    assert _record(archive, SERIES_SIBLING) != original


def test_original_recorded_before_a_thousand_colliding_documents_is_still_found(archive: Database) -> None:
    # 1,000 later documents share every LSH key of the original (as unrelated stories sharing a bucket
    # would): the lookup compares all of them, and the old original is still the one the copy joins.
    original = _original(archive)
    keys = band_keys(shingles(PRESS_RELEASE))
    with archive.transaction() as session:
        for number in range(1000):
            url = f"https://disbud.jakarta.go.id/berita/lain-{number}"
            session.add(
                Document(
                    uid=f"decoy-{number}",
                    canonical_url=url,
                    url=url,
                    source_id="disbud",
                    first_seen=later(0.5),
                    last_seen=later(0.5),
                    current_revision=1,
                )
            )
        session.flush()
        decoys = list(session.scalars(select(Document.id).where(Document.uid.like("decoy-%"))))
        session.execute(
            insert(Revision),
            [
                {
                    "document_id": decoy,
                    "number": 1,
                    "fetched_at": later(0.5),
                    "url": "https://disbud.jakarta.go.id/",
                    "title": "Lain",
                    "text": OTHER_STORY + f"\nNomor {decoy}",
                    "html": "",
                    "content_hash": str(decoy),
                    "meta": {},
                }
                for decoy in decoys
            ],
        )
        session.execute(update(Document).where(Document.id.in_(decoys)).values(cluster_id=Document.id))
        session.execute(
            insert(DocumentBand), [{"document_id": d, "band": band, "key": key} for d in decoys for band, key in keys]
        )
    with archive.reading() as session:
        assert len(find_candidates(session, -1, keys)) == 1001
    assert _record(archive, SYNDICATED_COPY, hours=2) == original


def test_candidates_are_found_through_the_band_key_index_not_a_scan(tmp_path: Path) -> None:
    # Checked on SQLite, whose plan does not depend on statistics: a scan would make a lookup's cost
    # grow with the archive (bench/cluster_lookup.py measures it at 500,000 documents).
    database = Database(f"sqlite:///{tmp_path / 'plan.db'}")
    database.ensure_schema()
    keys = band_keys(shingles(PRESS_RELEASE))

    def plan(statement: Any) -> str:
        compiled = statement.compile(database.engine, compile_kwargs={"literal_binds": True})
        with database.reading() as session:
            return " ".join(str(row[-1]) for row in session.execute(text(f"EXPLAIN QUERY PLAN {compiled}")))

    query, parameters = candidates_query(1, keys)
    try:
        assert "ix_document_bands_band_key (band=? AND key=?)" in plan(query.bindparams(**parameters))
        assert "SCAN document_bands" not in plan(query.bindparams(**parameters))
        # negative control: a row-value IN list over the same keys is read by scanning the table
        row_values = select(DocumentBand.document_id).where(tuple_(DocumentBand.band, DocumentBand.key).in_(keys))
        assert "SCAN document_bands" in plan(row_values)
    finally:
        database.dispose()


def test_story_edited_after_syndication_stays_in_its_cluster(archive: Database) -> None:
    original = _original(archive)
    assert _record(archive, SYNDICATED_COPY) == original
    edited = SYNDICATED_COPY.replace("lebih dari 80 pedagang", "lebih dari 120 pedagang") + (
        "\nPembaruan: panitia menambah dua panggung kecil untuk sanggar tari anak dan remaja."
    )
    assert _record(archive, edited, hours=3) == original


def test_original_edited_after_syndication_keeps_its_copies(archive: Database) -> None:
    original = _original(archive)
    assert _record(archive, SYNDICATED_COPY) == original
    edited = PRESS_RELEASE.replace("28 hingga 30 November 2026", "5 hingga 7 Desember 2026")
    with archive.transaction() as session:
        assert record_page(session, page(text=edited, fetched_at=later(3))).cluster_id == original
    with archive.reading() as session:
        assert set(session.scalars(select(Document.cluster_id))) == {original}


def test_copy_that_diverges_into_another_story_leaves_the_cluster_on_its_next_revision(archive: Database) -> None:
    original = _original(archive)
    assert _record(archive, SYNDICATED_COPY) == original
    with archive.reading() as session:
        copy_id = session.scalars(select(Document.id).where(Document.canonical_url == COPY_URL)).one()
    assert _record(archive, OTHER_STORY, hours=3) == copy_id


def test_rebuild_reclusters_deterministically_in_first_seen_order(archive: Database) -> None:
    original = _original(archive)
    _record(archive, SYNDICATED_COPY)
    _record(archive, SERIES_SIBLING, url="https://www.kompas.com/read/seri-berikutnya", hours=2)
    _record(archive, OTHER_STORY, url="https://disbud.jakarta.go.id/berita/museum", hours=3, source_id="disbud")
    with archive.transaction() as session:
        recorded = dict(session.execute(select(Document.id, Document.cluster_id)).all())
        # scramble: every document alone, as an older method might have left them
        session.execute(update(Document).values(cluster_id=Document.id))
    progress: list[tuple[int, int]] = []
    first = rebuild_clusters(archive, DEFAULT_THRESHOLDS, lambda done, total: progress.append((done, total)))
    with archive.reading() as session:
        rebuilt = dict(session.execute(select(Document.id, Document.cluster_id)).all())
    second = rebuild_clusters(archive, DEFAULT_THRESHOLDS)
    with archive.reading() as session:
        again = dict(session.execute(select(Document.id, Document.cluster_id)).all())
    assert rebuilt == again == recorded
    assert sorted(rebuilt.values()).count(original) == 2
    assert first == second and (first.documents, first.clusters, first.clustered_documents) == (4, 1, 2)
    assert progress[-1] == (4, 4)


def test_clusters_rebuild_command_reclusters_with_the_configured_thresholds(
    archive: Database, db_url: str, tmp_path: Path
) -> None:
    original = _original(archive)
    _record(archive, SYNDICATED_COPY)
    with archive.transaction() as session:
        session.execute(update(Document).values(cluster_id=Document.id))
    config = write_config(tmp_path, f'[storage]\nurl = "{db_url}"\n')
    result = CliRunner().invoke(cli, ["--config", str(config), "clusters", "rebuild"], env={"WARTA_STORAGE_URL": None})
    assert result.exit_code == 0, result.output
    assert "2 stories reclustered: 1 clusters of near-duplicates hold 2 of them" in result.output
    with archive.reading() as session:
        assert sorted(session.scalars(select(Document.cluster_id))) == [original, original]
    # negative control: thresholds no copy reaches leave every story alone
    strict = write_config(tmp_path, f'[storage]\nurl = "{db_url}"\n[dedup]\nmin_words = 1000\n', "strict.toml")
    result = CliRunner().invoke(cli, ["--config", str(strict), "clusters", "rebuild"], env={"WARTA_STORAGE_URL": None})
    assert result.exit_code == 0 and "0 clusters" in result.output, result.output
    with archive.reading() as session:
        clusters = list(session.scalars(select(Document.cluster_id)))
    assert len(set(clusters)) == len(clusters) == 2


def test_a_crawls_cache_shingles_each_compared_story_once(archive: Database, monkeypatch: Any) -> None:
    shingled: list[str] = []

    def counting(text: str) -> Any:
        shingled.append(text)
        return shingles(text)

    monkeypatch.setattr(clusters, "shingles", counting)
    cache = ShingleCache()
    copies = [PRESS_RELEASE, SYNDICATED_COPY, SYNDICATED_COPY + "\nBaca juga: Pameran Betawi"]
    cluster_ids = set()
    for number, copy in enumerate(copies):
        with archive.transaction() as session:
            recorded = page(f"{COPY_URL}-{number}", source_id="kompas", text=copy, fetched_at=later(number + 1))
            cluster_ids.add(record_page(session, recorded, shingle_cache=cache).cluster_id)
    assert len(cluster_ids) == 1  # the copies are one story, as without the cache
    # each page's own text once when recorded, and each earlier copy once when first compared
    assert Counter(shingled) == {PRESS_RELEASE: 2, SYNDICATED_COPY: 2, copies[2]: 1}


def test_the_cache_drops_the_least_recently_compared_story_first() -> None:
    first, second, third = (shingles(text) for text in (PRESS_RELEASE, SERIES_SIBLING, OTHER_STORY))
    cache = ShingleCache(max_shingles=len(first.all) + len(second.all) + len(third.all) - 1)
    cache.put(1, 1, first)
    cache.put(2, 1, second)
    assert cache.get(1, 1) is first  # now the most recently compared
    cache.put(3, 1, third)
    assert (cache.get(1, 1), cache.get(2, 1), cache.get(3, 1)) == (first, None, third)
    assert cache.get(1, 2) is None  # another revision of the document is another text


def test_shingles_computed_beforehand_are_the_ones_compared(archive: Database) -> None:
    # a crawl shingles each page in its extraction worker; recording compares those, not its own
    original = _original(archive)
    with archive.transaction() as session:
        given = page(
            COPY_URL, source_id="kompas", text=SYNDICATED_COPY, fetched_at=later(1), story=shingles(OTHER_STORY)
        )
        apart = record_page(session, given).cluster_id
    with archive.transaction() as session:
        copy = page(f"{COPY_URL}-2", source_id="kompas", text=SYNDICATED_COPY, fetched_at=later(2))
        joined = record_page(session, copy).cluster_id
    assert apart != original and joined == original


def test_a_lookup_compares_every_candidate_even_those_its_cache_cannot_hold(archive: Database) -> None:
    copies = [PRESS_RELEASE, SYNDICATED_COPY, SYNDICATED_COPY + "\nBaca juga: Pameran Betawi"]
    for number, copy in enumerate(copies):
        _record(archive, copy, url=f"{COPY_URL}-{number}", hours=number + 1)
    keys = band_keys(shingles(PRESS_RELEASE))
    with archive.reading() as session:
        found = find_candidates(session, -1, keys, cache=ShingleCache(max_shingles=1))
    assert len(found) == len(copies)  # the cache keeps one story; the lookup still compares all three
