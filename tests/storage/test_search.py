"""Searching the archive: accents, case, word forms, phrases, filters, facets, pages, ranking, bad queries, upkeep."""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any

import pytest

from tests.storage.conftest import insert_story_by_hand, later, page
from warta.storage import migrate
from warta.storage.database import Database
from warta.storage.document_records import DocumentRecord, RevisionRecord
from warta.storage.errors import SearchQueryError, StorageError
from warta.storage.fingerprints import content_hash
from warta.storage.imports import import_document
from warta.storage.revisions import mark_gone, record_page
from warta.storage.search import SearchPage, SearchQuery, SnippetPart, search_documents
from warta.storage.search_index import build_search_index
from warta.storage.topics import add_memberships

BASE = "https://disbud.jakarta.go.id/berita/"


def story(db: Database, slug: str, **changes: Any) -> int:
    """Record one page at BASE + slug (titled "Acara" unless given) and return its document id."""
    with db.transaction() as session:
        return record_page(session, page(BASE + slug, **{"title": "Acara", **changes})).document_id


def search(db: Database, text: str, **filters: Any) -> SearchPage:
    with db.reading() as session:
        return search_documents(session, SearchQuery(text, **filters))


def found(db: Database, text: str, **filters: Any) -> set[int]:
    return {hit.document_id for hit in search(db, text, **filters).hits}


def is_postgresql(db: Database) -> bool:
    return not db.is_sqlite


@pytest.mark.parametrize(
    ("stored", "query"),
    [
        ("Pertunjukan di Café Batavia", "cafe"),
        ("Pertunjukan di Cafe Batavia", "Café"),
        ("Pameran kebudayaan Betawi", "KÉBUDAYAAN"),
        ("Pameran KEBUDAYAAN Betawi", "kebudayaan"),
    ],
    ids=["accented-text-plain-query", "plain-text-accented-query", "accent-and-case", "upper-case-text"],
)
def test_matching_ignores_case_and_accents(archive: Database, stored: str, query: str) -> None:
    wanted = story(archive, "a", title="Acara", text=stored)
    story(archive, "b", title="Acara", text="Lomba ondel-ondel di Monas")
    assert found(archive, query) == {wanted}


def test_longer_words_match_with_indonesian_suffixes(archive: Database) -> None:
    wanted = story(archive, "a", title="Acara", text="Warga merayakan budayanya di Setu Babakan")
    story(archive, "b", title="Acara", text="Lomba ondel-ondel di Monas")
    assert found(archive, "budaya") == {wanted}


def test_a_word_does_not_match_longer_words_it_merely_starts(archive: Database) -> None:
    art = story(archive, "a", title="Acara", text="Pameran seni rupa di Cikini")
    story(archive, "b", title="Acara", text="Pameran dibuka hari Senin di Cikini")
    assert found(archive, "seni") == {art}
    assert len(found(archive, "pameran")) == 2


def test_postgresql_stems_indonesian_words(archive: Database) -> None:
    if not is_postgresql(archive):
        pytest.skip("FTS5 has no Indonesian stemmer: SQLite matches listed suffixes only (see storage.search_index)")
    wanted = story(archive, "a", title="Acara", text="Festival budaya digelar di Setu Babakan", language="id")
    story(archive, "b", title="Acara", text="Lomba ondel-ondel di Monas", language="id")
    assert found(archive, "kebudayaan") == {wanted}
    assert found(archive, "menggelar") == {wanted}


def test_english_words_match_their_stems(archive: Database) -> None:
    wanted = story(archive, "a", title="Museum night", text="The museum hosts dance performances", language="en")
    story(archive, "b", title="Museum night", text="The museum is closed", language="en")
    assert found(archive, "performance") == {wanted}
    assert found(archive, "hosting") == {wanted}


def test_quoted_phrase_matches_words_in_that_order_only(archive: Database) -> None:
    wanted = story(archive, "a", title="Acara", text="Festival budaya Betawi di Setu Babakan")
    story(archive, "b", title="Acara", text="Betawi punya festival, budaya kita bersama")
    assert found(archive, '"budaya betawi"') == {wanted}
    assert len(found(archive, "budaya betawi")) == 2


def test_or_and_exclusion(archive: Database) -> None:
    music = story(archive, "a", title="Konser", text="Konser musik keroncong di Taman Ismail Marzuki")
    dance = story(archive, "b", title="Tari", text="Pentas tari Betawi di Taman Ismail Marzuki")
    story(archive, "c", title="Lain", text="Rapat kerja dinas")
    assert found(archive, "keroncong OR tari") == {music, dance}
    assert found(archive, "marzuki -keroncong") == {dance}
    assert found(archive, 'marzuki -"musik keroncong"') == {dance}


def test_filters_narrow_by_topic_source_language_and_date(archive: Database) -> None:
    first = story(archive, "a", text="Festival musik", published=datetime(2025, 3, 1, tzinfo=UTC))
    second = story(archive, "b", text="Festival tari", language="en", published=datetime(2026, 6, 1, tzinfo=UTC))
    with archive.transaction() as session:
        kompas = page("https://kompas.com/f", source_id="kompas", title="Acara", text="Festival film")
        third = record_page(session, kompas).document_id
        add_memberships(session, {first: (["musik"], later(0)), third: (["musik"], later(0))})
    assert found(archive, "festival") == {first, second, third}
    assert found(archive, "festival", topic="musik") == {first, third}
    assert found(archive, "festival", source="kompas") == {third}
    assert found(archive, "festival", lang="en") == {second}
    assert found(archive, "festival", date_from=date(2026, 1, 1)) == {second, third}
    assert found(archive, "festival", date_to=date(2025, 3, 1)) == {first}
    assert found(archive, "festival", topic="musik", source="disbud") == {first}


def test_facets_count_matches_per_topic_source_and_year(archive: Database) -> None:
    first = story(archive, "a", text="Festival musik", published=datetime(2025, 3, 1, tzinfo=UTC))
    second = story(archive, "b", text="Festival tari", published=datetime(2026, 6, 1, tzinfo=UTC))
    story(archive, "c", text="Rapat dinas", published=datetime(2024, 6, 1, tzinfo=UTC))
    with archive.transaction() as session:
        kompas = page("https://kompas.com/f", source_id="kompas", title="Acara", text="Festival film")
        third = record_page(session, kompas).document_id
        add_memberships(session, {first: (["musik"], later(0)), second: (["tari", "musik"], later(0))})
    result = search(archive, "festival")
    assert result.total == 3 and {hit.document_id for hit in result.hits} == {first, second, third}
    assert result.facets.sources == (("disbud", 2), ("kompas", 1))
    assert result.facets.topics == (("musik", 2), ("tari", 1))
    assert result.facets.years == ((2026, 2), (2025, 1))  # the kompas story was first seen in 2026
    narrowed = search(archive, "festival", topic="tari")
    assert (narrowed.total, narrowed.facets.sources) == (1, (("disbud", 1),))


def test_pages_split_the_ranked_hits_without_overlap(archive: Database) -> None:
    ids = {story(archive, str(number), text=f"Pameran lukisan ke-{number}") for number in range(25)}
    pages = [search(archive, "lukisan", page=number, page_size=10) for number in (1, 2, 3, 4)]
    seen = [hit.document_id for result in pages for hit in result.hits]
    assert [len(result.hits) for result in pages] == [10, 10, 5, 0]
    assert set(seen) == ids and len(seen) == 25
    assert pages[0].total == 25 and pages[0].pages == 3


def test_a_query_with_more_matches_than_are_counted_says_so(archive: Database) -> None:
    ids = {story(archive, str(number), text=f"Pameran lukisan ke-{number}") for number in range(5)}
    with archive.reading() as session:
        capped = search_documents(session, SearchQuery("lukisan"), max_counted=3)
        exact = search_documents(session, SearchQuery("lukisan"), max_counted=5)
    assert (capped.total, capped.is_capped, capped.pages) == (3, True, 1)
    assert sum(count for _, count in capped.facets.sources) == 3 and len(capped.hits) == 3
    assert {hit.document_id for hit in capped.hits} < ids
    assert (exact.total, exact.is_capped, {hit.document_id for hit in exact.hits}) == (5, False, ids)


def test_sqlite_counts_the_newest_matches_when_there_are_too_many(archive: Database) -> None:
    if is_postgresql(archive):
        pytest.skip("PostgreSQL counts the first matches its index yields (see storage.search)")
    ids = [story(archive, str(number), text=f"Pameran lukisan ke-{number}") for number in range(5)]
    with archive.reading() as session:
        capped = search_documents(session, SearchQuery("lukisan"), max_counted=3)
    assert {hit.document_id for hit in capped.hits} == set(ids[-3:])


def test_a_title_match_ranks_above_a_passing_mention(archive: Database) -> None:
    passing = story(
        archive, "a", title="Agenda pekan ini", text="Rapat, lomba, dan satu pertunjukan wayang di balai kota"
    )
    central = story(archive, "b", title="Pertunjukan wayang kulit semalam suntuk", text="Dalang memainkan wayang")
    ranked = search(archive, "wayang").hits
    assert [hit.document_id for hit in ranked] == [central, passing]
    assert ranked[0].rank > ranked[1].rank


def test_snippet_marks_the_matches_as_plain_parts(archive: Database) -> None:
    story(archive, "a", title="Keroncong <b>malam</b>", text="Malam ini ada pertunjukan keroncong di Cikini")
    (hit,) = search(archive, "keroncong").hits
    assert SnippetPart("keroncong", True) in hit.snippet
    assert "".join(part.text for part in hit.snippet) == "Malam ini ada pertunjukan keroncong di Cikini"
    assert hit.title == "Keroncong <b>malam</b>"
    assert SnippetPart("Keroncong", True) in hit.title_parts
    assert not any("\ue000" in part.text or "\ue001" in part.text for part in hit.snippet + hit.title_parts)


@pytest.mark.parametrize(
    "query",
    [
        '"festival budaya',
        'festival"',
        "festival*",
        "festival -",
        "^festival",
        "(festival",
        "festival) OR",
        "'festival'",
        "festival & !budaya | <->",
        "\\festival\\",
        '"" festival',
        "festival\x00",
    ],
)
def test_a_query_with_stray_syntax_still_searches_its_words(archive: Database, query: str) -> None:
    wanted = story(archive, "a", title="Festival", text="Festival budaya Betawi")
    story(archive, "b", title="Acara", text="Rapat dinas")
    assert found(archive, query) == {wanted}


@pytest.mark.parametrize(
    "query",
    ["NEAR(festival budaya)", "title:festival", "near AND title", "NOT near", "near + title", "NEAR("],
)
def test_operators_of_the_databases_are_plain_words(archive: Database, query: str) -> None:
    wanted = story(archive, "a", text="Catatan: near festival budaya; title festival; festival dan not")
    story(archive, "b", text="Festival budaya Betawi")
    assert found(archive, query) == {wanted}


@pytest.mark.parametrize(
    ("query", "message"),
    [
        ("", "no word to search for"),
        ('"', "no word to search for"),
        ("* : ^ ( ) -", "no word to search for"),
        ("-festival", "not only words to leave out"),
        ("festival " * 2000, "at most 500 characters"),
        ("a " * 40, "at most 32"),
    ],
    ids=["empty", "lone-quote", "only-syntax", "only-exclusions", "10-kb", "too-many-words"],
)
def test_a_query_that_cannot_run_says_what_to_change(archive: Database, query: str, message: str) -> None:
    story(archive, "a")
    with pytest.raises(SearchQueryError, match=message) as caught:
        search(archive, query)
    assert isinstance(caught.value, StorageError)


@pytest.mark.parametrize(
    ("filters", "message"),
    [
        ({"page": 0}, "pages start at 1"),
        ({"page_size": 0}, "use 1 to 100"),
        ({"page": 600}, "beyond the first"),
        ({"date_from": date(2026, 2, 1), "date_to": date(2026, 1, 1)}, "swap them"),
    ],
    ids=["page-zero", "page-size-zero", "too-deep", "reversed-dates"],
)
def test_bad_paging_or_dates_say_what_to_change(archive: Database, filters: dict[str, Any], message: str) -> None:
    with pytest.raises(SearchQueryError, match=message):
        search(archive, "festival", **filters)


def test_the_index_follows_the_current_revision(archive: Database) -> None:
    document = story(archive, "a", text="Pentas keroncong di Taman Ismail Marzuki")
    story(archive, "a", text="Pentas gambang kromong di Taman Ismail Marzuki", fetched_at=later(1))
    assert found(archive, "keroncong") == set()
    assert found(archive, "kromong") == {document}
    result = search(archive, "marzuki")
    assert result.total == 1 and result.hits[0].revision == 2


def test_gone_documents_stay_searchable_with_their_status(archive: Database) -> None:
    document = story(archive, "a", text="Pentas keroncong")
    with archive.transaction() as session:
        mark_gone(session, BASE + "a", later(2))
    (hit,) = search(archive, "keroncong").hits
    assert (hit.document_id, hit.status) == (document, "gone")


def test_imported_documents_are_searchable(archive: Database) -> None:
    revision = RevisionRecord(
        number=1,
        fetched_at=later(0),
        url=BASE + "imported",
        title="Pameran arsip",
        text="Pameran arsip foto Batavia",
        content_hash=content_hash("Pameran arsip", "Pameran arsip foto Batavia"),
    )
    incoming = DocumentRecord(
        uid="00000000-0000-4000-8000-000000000001",
        url=BASE + "imported",
        canonical_url=BASE + "imported",
        source_id="disbud",
        status="active",
        first_seen=later(0),
        last_seen=later(0),
        revisions=(revision,),
    )
    with archive.transaction() as session:
        import_document(session, incoming, {})
    assert len(found(archive, "batavia")) == 1


def test_building_the_index_covers_pages_recorded_without_it(archive: Database) -> None:
    with archive.transaction() as session:
        for number in range(5):
            record_page(session, page(f"{BASE}{number}", text=f"Pentas keroncong {number}"), keep_search_index=False)
    assert found(archive, "keroncong") == set()
    heard: list[tuple[int, int]] = []
    with archive.transaction() as session:
        assert build_search_index(session.connection(), lambda done, total: heard.append((done, total))) == 5
    assert len(found(archive, "keroncong")) == 5
    assert heard[-1] == (5, 5)
    with archive.transaction() as session:
        assert build_search_index(session.connection()) == 0


def test_upgrading_an_archive_builds_its_index_with_progress(db_url: str) -> None:
    database = Database(db_url)
    try:
        with database.engine.begin() as connection:
            migrate.upgrade(connection, "0002")
            for number in (1, 2, 3):
                insert_story_by_hand(connection, number, f"Pentas keroncong {number}")
        heard: list[tuple[int, int]] = []
        before, after = database.upgrade(progress=lambda done, total: heard.append((done, total)))
        assert (before, after) == ("0002", migrate.HEAD_REVISION)
        assert heard[-1] == (3, 3)
        assert len(found(database, "keroncong")) == 3
    finally:
        database.dispose()
