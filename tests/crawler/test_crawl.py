"""Acceptance of the crawler against fixture sites on 127.0.0.1: one site per source kind, recrawls, day two."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from sqlalchemy import select

from tests.crawler.fixture_sites import Scenario
from warta.storage.database import Database
from warta.storage.models import Capture, Document

SKIP_PATHS = ("/robots.txt",)


def docs(scenario: Scenario, step: str, source: str) -> list[dict[str, object]]:
    return [doc for doc in scenario.steps[step].documents if doc["source"] == source]


def by_path(documents: list[dict[str, object]]) -> dict[str, dict[str, object]]:
    return {str(doc["canonical_url"]).split("/", 3)[3]: doc for doc in documents}


def utc(text: str) -> datetime:
    return datetime.fromisoformat(text).astimezone(UTC)


def test_listing_articles_are_recorded_once_with_title_date_language_and_body(scenario: Scenario) -> None:
    documents = by_path(docs(scenario, "day1", "warta-budaya"))
    assert sorted(documents) == sorted(
        f"berita/{slug}"
        for slug in (
            "pameran-tim-perupa-muda",
            "festival-betawi-setu-babakan",
            "konser-gamelan-gedung-kesenian",
            "museum-fatahillah-jam-malam",
            "lokakarya-batik-anak",
            "teater-koma-naskah-baru",
        )
    )
    pameran = documents["berita/pameran-tim-perupa-muda"]
    assert pameran["title"] == "Pameran Perupa Muda Jakarta Dibuka di Taman Ismail Marzuki"
    assert published(pameran) == utc("2026-11-23T14:05:00+07:00")
    assert pameran["language"] == "id"
    assert "dua puluh perupa muda Jakarta" in str(pameran["text"])
    for document in documents.values():
        assert "Terpopuler" not in str(document["text"]) and "cookie" not in str(document["text"])
    # the link carrying utm_* parameters and a fragment is the same article, recorded once
    assert "berita/festival-betawi-setu-babakan" in documents


def published(document: dict[str, object]) -> datetime:
    value = document["published"]
    assert isinstance(value, datetime)
    return value.astimezone(UTC) if value.tzinfo else value.replace(tzinfo=UTC)


def test_listing_dates_are_exact_instants(scenario: Scenario) -> None:
    documents = by_path(docs(scenario, "day1", "warta-budaya"))
    assert published(documents["berita/konser-gamelan-gedung-kesenian"]) == utc("2026-11-21T19:45:00+07:00")
    assert published(documents["berita/teater-koma-naskah-baru"]) == utc("2026-11-18T20:00:00+07:00")


def test_feed_items_are_recorded_and_the_feed_date_fills_a_page_without_one(scenario: Scenario) -> None:
    documents = by_path(docs(scenario, "day1", "culture-post"))
    assert sorted(documents) == [
        "news/jakarta-biennale-opens",
        "news/keroncong-festival-lineup",
        "news/wayang-night-kota-tua",
    ]
    assert published(documents["news/wayang-night-kota-tua"]) == utc("2026-11-22T13:00:00+00:00")
    assert published(documents["news/jakarta-biennale-opens"]) == utc("2026-11-23T08:30:00+00:00")
    assert {doc["language"] for doc in documents.values()} == {"en"}
    assert documents["news/keroncong-festival-lineup"]["title"] == "Keroncong Festival Announces Lineup for December"


def test_sitemap_index_and_gzipped_child_give_the_followed_pages(scenario: Scenario) -> None:
    documents = by_path(docs(scenario, "day1", "agenda-dki"))
    assert sorted(documents) == [
        "agenda/bulan-bahasa-perpustakaan",
        "agenda/pasar-seni-ancol",
        "agenda/tari-saman-monas",
    ]
    assert published(documents["agenda/bulan-bahasa-perpustakaan"]) == utc("2026-11-20T13:00:00+08:00")
    assert published(documents["agenda/tari-saman-monas"]) == utc("2026-11-23T00:00:00+07:00")
    paths = [entry.path for entry in scenario.steps["day1"].requests["sitemap"]]
    assert "/sitemaps/agenda.xml.gz" in paths
    assert not any(path.startswith(("/agenda/arsip/", "/tentang")) for path in paths)


def test_sitemap_lastmod_not_newer_than_our_fetch_skips_the_page(scenario: Scenario) -> None:
    day1 = [entry.path for entry in scenario.steps["day1"].requests["sitemap"]]
    day2 = [entry.path for entry in scenario.steps["day2"].requests["sitemap"]]
    assert {"/agenda/catatan-panitia", "/agenda/jam-loket"} <= set(day1)  # control: both fetched once
    assert "/sitemaps/agenda.xml.gz" in day2  # the changed sitemap was read on day 2
    assert "/agenda/catatan-panitia" not in day2  # lastmod older than our fetch
    assert "/agenda/jam-loket" in day2  # lastmod newer than our fetch


def test_page_source_records_the_monitored_page(scenario: Scenario) -> None:
    documents = by_path(docs(scenario, "day1", "gedung-kesenian"))
    assert list(documents) == ["pengumuman"]
    assert documents["pengumuman"]["title"] == "Pengumuman Jadwal Layanan Gedung Kesenian Akhir Tahun"
    assert published(documents["pengumuman"]) == utc("2026-11-23T08:00:00+07:00")


def test_short_pages_are_not_recorded_as_documents(scenario: Scenario) -> None:
    paths = [entry.path for entry in scenario.steps["day1"].requests["listing"]]
    assert "/berita/indeks-topik" in paths  # fetched: it matches `follow`...
    assert not any("indeks-topik" in str(doc["canonical_url"]) for doc in scenario.steps["day1"].documents)


@pytest.mark.parametrize(
    ("site", "disallowed"),
    [("listing", "/berita/internal/"), ("feed", "/news/private/"), ("sitemap", "/agenda/draft/"), ("page", "/admin/")],
    ids=["listing", "feed", "sitemap", "page"],
)
def test_robots_disallowed_paths_are_never_requested(scenario: Scenario, site: str, disallowed: str) -> None:
    for step in scenario.steps.values():
        paths = [entry.path for entry in step.requests[site]]
        assert "/robots.txt" in paths  # robots.txt was consulted: the check below is not vacuous
        assert not any(path.startswith(disallowed) for path in paths)


def test_links_to_another_host_are_never_followed(scenario: Scenario) -> None:
    for step in scenario.steps.values():
        assert step.requests["elsewhere"] == []
    assert scenario.steps["day1"].report.source("warta-budaya").links_found > 0


def test_second_crawl_of_unchanged_sites_is_conditional_and_records_nothing(scenario: Scenario) -> None:
    again = scenario.steps["again"]
    for report in again.report.sources:
        assert (report.status, report.new, report.changed) == ("ok", 0, 0), report
    fetched = [entry for log in again.requests.values() for entry in log if entry.path not in SKIP_PATHS]
    assert fetched, "the second crawl requested nothing"
    for entry in fetched:
        assert "If-None-Match" in entry.headers or "If-Modified-Since" in entry.headers, entry.path
        assert entry.status == 304, entry.path
    first_bytes = sum(entry.bytes_sent for log in scenario.steps["day1"].requests.values() for entry in log)
    second_bytes = sum(entry.bytes_sent for log in again.requests.values() for entry in log)
    assert second_bytes <= 0.05 * first_bytes


def test_day_two_gives_three_new_two_changed_one_gone(scenario: Scenario) -> None:
    report = scenario.steps["day2"].report.source("warta-budaya")
    assert (report.new, report.changed, report.gone) == (3, 2, 1)
    for other in scenario.steps["day2"].report.sources:
        if other.id != "warta-budaya":
            assert (other.new, other.changed, other.gone) == (0, 0, 0), other


def test_day_two_moves_the_redirected_article_and_keeps_the_removed_one(scenario: Scenario) -> None:
    before = {doc["id"]: doc for doc in docs(scenario, "day1", "warta-budaya")}
    after = {doc["id"]: doc for doc in docs(scenario, "day2", "warta-budaya")}
    assert set(before) <= set(after)
    assert len(after) == len(before) + 3
    moved = [doc for key, doc in after.items() if doc["canonical_url"] != before.get(key, doc)["canonical_url"]]
    assert [str(doc["canonical_url"]).rsplit("/", 1)[1] for doc in moved] == ["teater-koma-banjir-jakarta"]
    assert moved[0]["revision"] == 1
    gone = [doc for doc in after.values() if doc["status"] == "gone"]
    assert [str(doc["canonical_url"]).rsplit("/", 1)[1] for doc in gone] == ["lokakarya-batik-anak"]
    changed = sorted(str(doc["canonical_url"]).rsplit("/", 1)[1] for doc in after.values() if doc["revision"] == 2)
    assert changed == ["konser-gamelan-gedung-kesenian", "pameran-tim-perupa-muda"]


def test_syndicated_copy_joins_the_original_cluster(scenario: Scenario) -> None:
    original = by_path(docs(scenario, "day1", "warta-budaya"))["berita/festival-betawi-setu-babakan"]
    [copy] = docs(scenario, "day1", "kabar-kota")
    assert copy["cluster"] == original["cluster"]
    unrelated = by_path(docs(scenario, "day1", "warta-budaya"))["berita/museum-fatahillah-jam-malam"]
    assert unrelated["cluster"] != original["cluster"]


def test_every_response_received_is_kept_as_a_capture(scenario: Scenario) -> None:
    for name, step in scenario.steps.items():
        received = sum(len(log) for log in step.requests.values())
        assert step.captures == received, name
    assert all(doc["capture_id"] is not None for doc in scenario.steps["day2"].documents)


def test_each_source_run_is_stored_with_its_counts(scenario: Scenario) -> None:
    step = scenario.steps["day1"]
    stored = {source_id: (status, requests, new) for source_id, status, requests, new in step.runs}
    assert stored == {report.id: ("ok", report.requests, report.new) for report in step.report.sources}
    assert stored["warta-budaya"][2] == 6


def test_every_request_names_the_configured_user_agent(scenario: Scenario) -> None:
    agents = {entry.headers.get("User-Agent") for log in scenario.steps["day1"].requests.values() for entry in log}
    assert agents == {"warta-test/1 (+https://github.com/warta-project/warta)"}


def test_progress_reaches_the_caller_and_ends_with_each_source_finished(scenario: Scenario) -> None:
    events = scenario.steps["day1"].events
    finished = {event.source_id: event for event in events if event.finished}
    assert set(finished) == {report.id for report in scenario.steps["day1"].report.sources}
    assert finished["warta-budaya"].new == 6
    assert any(not event.finished and event.fetched > 0 for event in events)


def test_every_response_of_the_unchanged_crawl_is_a_capture_and_each_304_article_names_its_document(
    scenario: Scenario,
) -> None:
    database = Database(scenario.db_url)
    try:
        with database.reading() as session:
            article_urls = set(session.execute(select(Document.url)).scalars())
            for report in scenario.steps["again"].report.sources:
                captures = session.execute(
                    select(Capture.url, Capture.status, Capture.document_id).where(Capture.run_id == report.run_id)
                ).all()
                assert len(captures) == report.requests, report
                articles = [(url, document_id) for url, status, document_id in captures if url in article_urls]
                assert articles, report
                assert all(document_id is not None for _url, document_id in articles), articles
                assert {status for url, status, _ in captures if url in article_urls} == {304}
    finally:
        database.dispose()
