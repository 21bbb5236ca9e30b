"""The recorder: a Scrapy extension that opens and settles a run, and its bulk look-up of discovered links."""

from __future__ import annotations

from scrapy.utils.test import get_crawler
from sqlalchemy import event
from warta.config import SourceConfig, WartaConfig
from warta.crawler.recorder import SourceRecorder, recorder_settings
from warta.crawler.settings import scrapy_settings
from warta.storage.database import Database
from warta.storage.fetch_states import save_fetch_state
from warta.storage.revisions import record_page
from warta.storage.sources import ensure_source

from tests.storage.conftest import later, page

SOURCE = SourceConfig(id="disbud", name="Dinas Kebudayaan", kind="listing", urls=["https://disbud.jakarta.go.id/"])
ARCHIVED = "https://disbud.jakarta.go.id/berita/festival-betawi"
FETCHED_ONLY = "https://disbud.jakarta.go.id/tentang"
NEW = "https://disbud.jakarta.go.id/berita/baru"


def crawl_recorder(db: Database) -> SourceRecorder:
    """Return the recorder Scrapy builds for a crawl whose settings name the test database."""
    settings = {"EXTENSIONS": scrapy_settings(WartaConfig())["EXTENSIONS"], **recorder_settings(db.url)}
    recorder = get_crawler(settings_dict=settings).get_extension(SourceRecorder)
    assert recorder is not None
    return recorder


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
