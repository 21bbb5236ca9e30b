"""The recorder: a Scrapy extension that opens and settles a run, and its bulk look-up of discovered links."""

from __future__ import annotations

import os
from zoneinfo import ZoneInfo

import pytest
from scrapy.exceptions import CloseSpider
from scrapy.utils.test import get_crawler
from sqlalchemy import event

from tests.storage.conftest import later, page
from warta.config import SourceConfig, WartaConfig
from warta.crawler.extraction import Extracted
from warta.crawler.extractor_pool import ExtractorPool
from warta.crawler.recorder import RUN_ALREADY_CLOSED, SourceRecorder, recorder_settings
from warta.crawler.settings import scrapy_settings
from warta.crawler.spiders import ListingSpider
from warta.storage.database import Database
from warta.storage.dispatched_runs import close_if_running, open_dispatched_run
from warta.storage.fetch_states import save_fetch_state
from warta.storage.fingerprints import fingerprint
from warta.storage.models import CrawlRun
from warta.storage.revisions import find_document, record_page
from warta.storage.shingling import shingles
from warta.storage.sources import ensure_source

SOURCE = SourceConfig(id="disbud", name="Dinas Kebudayaan", kind="listing", urls=["https://disbud.jakarta.go.id/"])
ARCHIVED = "https://disbud.jakarta.go.id/berita/festival-betawi"
FETCHED_ONLY = "https://disbud.jakarta.go.id/tentang"
NEW = "https://disbud.jakarta.go.id/berita/baru"


EXTENSIONS = scrapy_settings(WartaConfig())["EXTENSIONS"]


def crawl_recorder(db: Database, run_id: int | None = None) -> SourceRecorder:
    """Return the recorder Scrapy builds for a crawl whose settings name the test database (and a run)."""
    settings = {"EXTENSIONS": EXTENSIONS, **recorder_settings(db.url, run_id)}
    recorder = get_crawler(settings_dict=settings).get_extension(SourceRecorder)
    assert recorder is not None
    return recorder


def run_of(db: Database, run_id: int) -> CrawlRun:
    with db.reading() as session:
        run = session.get(CrawlRun, run_id)
    assert run is not None
    return run


def test_a_crawl_without_a_database_has_no_recorder() -> None:
    assert get_crawler(settings_dict={"EXTENSIONS": EXTENSIONS}).get_extension(SourceRecorder) is None


def test_recorder_counts_in_the_crawlers_stats_and_settles_its_run_with_them(db: Database) -> None:
    recorder = crawl_recorder(db)
    run_id = recorder.open(SOURCE)
    assert run_id is not None and run_of(db, run_id).status == "running"
    recorder.add_error(NEW, "HTTP 500")
    recorder.count("links_found", 3)
    assert recorder.stats.get_value("warta/errors") == 1
    report = recorder.settle("ok")
    run = run_of(db, run_id)
    assert (run.status, run.errors, run.links_found) == ("ok", 1, 3)
    assert (report.run_id, report.errors, report.links_found) == (run_id, 1, 3)


def test_recorder_of_a_dispatched_crawl_adopts_the_daemons_run(db: Database) -> None:
    with db.transaction() as session:
        ensure_source(session, SOURCE.id, SOURCE.display_name, SOURCE.kind)
        run_id = open_dispatched_run(session, SOURCE.id, "node-1", later(0))
    recorder = crawl_recorder(db, run_id)
    assert recorder.open(SOURCE) == run_id
    recorder.count("new")
    recorder.settle("ok")
    run = run_of(db, run_id)
    assert (run.status, run.new, run.pid) == ("ok", 1, os.getpid())


def test_recorder_of_a_dispatched_crawl_records_nothing_once_the_daemon_closed_its_run(db: Database) -> None:
    with db.transaction() as session:
        ensure_source(session, SOURCE.id, SOURCE.display_name, SOURCE.kind)
        run_id = open_dispatched_run(session, SOURCE.id, "node-1", later(0))
        close_if_running(session, run_id, "timeout", "the daemon gave up on the job")
    recorder = crawl_recorder(db, run_id)
    spider = ListingSpider(SOURCE, ExtractorPool(), ZoneInfo("Asia/Jakarta"), revisit_days=30, max_xml_bytes=1000)
    with pytest.raises(CloseSpider):
        recorder.spider_opened(spider)
    recorder.spider_closed(spider, RUN_ALREADY_CLOSED)
    assert recorder.report is not None and recorder.report.status == "failed"
    assert "closed by the daemon before this job started" in recorder.report.error
    run = run_of(db, run_id)
    assert (run.status, run.pid) == ("timeout", None)


def test_look_up_answers_is_known_and_validators_of_many_links_in_one_read(db: Database) -> None:
    with db.transaction() as session:
        ensure_source(session, "disbud", "Dinas Kebudayaan", "listing")
        record_page(session, page(ARCHIVED))
        save_fetch_state(session, ARCHIVED, 200, later(0), '"v1"', None)
        save_fetch_state(session, FETCHED_ONLY, 200, later(1), None, "Mon, 23 Nov 2026 07:00:00 GMT")
    recorder = crawl_recorder(db)
    recorder.open(SOURCE)
    # a link as the page wrote it: canonicalized before it is looked up, as is_known does
    links = [ARCHIVED + "?utm_source=feed", FETCHED_ONLY, NEW]
    recorder.look_up(links)
    statements: list[str] = []
    event.listen(recorder.database.engine, "before_cursor_execute", lambda *args: statements.append(args[2]))
    assert [recorder.is_known(url) for url in links] == [True, False, False]
    assert recorder.validators(FETCHED_ONLY) == (None, "Mon, 23 Nov 2026 07:00:00 GMT", later(1))
    assert recorder.validators(NEW) == (None, None, None)
    assert statements == []
    # once its answer is used, a link is looked up afresh (the run may have archived it meanwhile)
    assert recorder.is_known(ARCHIVED) is True
    assert statements
    recorder.settle("ok")


def test_recorder_clusters_with_the_configs_dedup_thresholds(db: Database) -> None:
    cfg = WartaConfig.model_validate({"dedup": {"min_words": 500, "stay_min_coverage": 0.2}})
    settings = {**scrapy_settings(cfg), **recorder_settings(db.url)}
    recorder = get_crawler(settings_dict=settings).get_extension(SourceRecorder)
    assert recorder is not None
    assert (recorder.dedup.min_words, recorder.dedup.stay_min_coverage) == (500, 0.2)
    # negative control: without the table's settings, the defaults apply
    assert crawl_recorder(db).dedup.min_words == WartaConfig().dedup.min_words != 500


def test_recorder_keeps_a_recorded_pages_shingles_for_the_next_pages_lookups(db: Database) -> None:
    recorder = crawl_recorder(db)
    recorder.open(SOURCE)
    text = "Dinas Kebudayaan menggelar Festival Budaya Betawi di Setu Babakan pada akhir November."
    extracted = Extracted(
        title="Festival Betawi",
        text=text,
        html=f"<p>{text}</p>",
        published=None,
        language="id",
        canonical_url=None,
        metadata={},
        word_count=len(text.split()),
        fingerprint=fingerprint("Festival Betawi", text),
    )
    story = shingles(text)
    recorder.record_article(NEW, None, extracted, None, (None, None), fetched_at=later(0), story=story)
    with db.reading() as session:
        document = find_document(session, NEW)
    assert document is not None and document.current_revision == 1
    assert recorder.shingles.get(document.id, 1) is story  # as given: not read back and shingled again
    recorder.settle("ok")
