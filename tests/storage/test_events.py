"""Stored events: found for each revision, moved by an edit with a higher sequence, cancelled when a story goes."""

from __future__ import annotations

from datetime import date, time

from sqlalchemy import func, select

from tests.storage.conftest import later, page
from warta.storage.database import Database
from warta.storage.event_extraction import story_events
from warta.storage.events import calendar_events
from warta.storage.models import Event
from warta.storage.revisions import mark_gone, record_page

FESTIVAL = (
    "Dinas Kebudayaan menggelar Festival Budaya Betawi di Perkampungan Budaya Betawi Setu Babakan "
    "pada 28-30 November 2026. Pentas puncak pada Sabtu (28/11) pukul 19.30 WIB."
)
MOVED = FESTIVAL.replace("28-30 November 2026", "5-7 Desember 2026").replace("Sabtu (28/11)", "Sabtu (5/12)")


def record(db: Database, text: str, hours: float = 0) -> None:
    with db.transaction() as session:
        record_page(session, page(text=text, fetched_at=later(hours)))


def test_a_recorded_story_stores_its_event(archive: Database) -> None:
    record(archive, FESTIVAL)
    with archive.reading() as session:
        (event,) = calendar_events(session)
    assert (event.starts_on, event.ends_on, event.kind) == (date(2026, 11, 28), date(2026, 11, 30), "festival")
    assert event.venue == "Perkampungan Budaya Betawi Setu Babakan"
    assert event.sequence == 0 and not event.is_cancelled


def test_an_edit_that_moves_the_date_moves_the_event_with_a_higher_sequence(archive: Database) -> None:
    record(archive, FESTIVAL)
    with archive.reading() as session:
        (before,) = calendar_events(session)
    record(archive, MOVED, hours=30)
    with archive.reading() as session:
        (after,) = calendar_events(session)
        stored = session.scalar(select(func.count()).select_from(Event))
    assert (after.starts_on, after.ends_on) == (date(2026, 12, 5), date(2026, 12, 7))
    assert after.uid == before.uid
    assert after.sequence == before.sequence + 1
    assert after.changed_at > before.changed_at
    assert stored == 2  # one row per revision: the first revision keeps its own event


def test_an_edit_elsewhere_in_the_story_keeps_the_sequence(archive: Database) -> None:
    record(archive, FESTIVAL)
    record(archive, FESTIVAL + " Panitia menyediakan bus pengumpan gratis.", hours=30)
    with archive.reading() as session:
        (event,) = calendar_events(session)
    assert event.sequence == 0 and event.changed_at == later(0)


def test_a_story_that_disappears_cancels_its_event(archive: Database) -> None:
    record(archive, FESTIVAL)
    with archive.transaction() as session:
        assert mark_gone(session, page().url, later(48))
    with archive.reading() as session:
        (event,) = calendar_events(session)
    assert event.is_cancelled and event.sequence == 1 and event.changed_at == later(48)


def test_events_are_filtered_by_source_and_end(archive: Database) -> None:
    record(archive, FESTIVAL)
    with archive.reading() as session:
        assert calendar_events(session, source_id="kompas") == []
        assert len(calendar_events(session, source_id="disbud")) == 1
        assert calendar_events(session, ending_after=date(2026, 12, 1)) == []
        (event,) = calendar_events(session, ending_after=date(2026, 11, 30))
    assert event.start_time is None  # the evening show is one day of the festival, not an event of its own
    assert event.zone == "Asia/Jakarta" and event.end_time is None
    assert time(19, 30) != event.start_time


def test_events_read_beforehand_are_stored_as_they_were_read(archive: Database) -> None:
    # a crawl reads a page's events in its extraction worker; recording stores those, not its own reading
    found = story_events("Kabar budaya", MOVED, "id", None, later(0))
    with archive.transaction() as session:
        record_page(session, page(text=FESTIVAL, fetched_at=later(0), events=found))
    with archive.reading() as session:
        (event,) = calendar_events(session)
    assert (event.starts_on, event.ends_on) == (date(2026, 12, 5), date(2026, 12, 7))


def test_events_read_from_another_day_are_read_again(archive: Database) -> None:
    # "Sabtu (28/11)" without a year resolves from the story's day: a reading from another day is not trusted
    found = story_events("Kabar budaya", MOVED, "id", None, later(-24 * 400))
    assert found.dated != story_events("Kabar budaya", FESTIVAL, "id", None, later(0)).dated
    with archive.transaction() as session:
        record_page(session, page(text=FESTIVAL, fetched_at=later(0), events=found))
    with archive.reading() as session:
        (event,) = calendar_events(session)
    assert (event.starts_on, event.ends_on) == (date(2026, 11, 28), date(2026, 11, 30))
