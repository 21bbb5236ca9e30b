"""Stored events: the events each revision of a story announces, and the calendar's reading of them.

`record_events` runs for every new revision (storage.revisions.record_page), so
an edit that moves a date moves the event. An event is known across revisions
by its story and its position among the story's events; when anything a
calendar shows changes (dates, times, name, venue, status), its `sequence`
goes up and `changed_at` moves to the revision's fetch time. The calendar reads
the events of every story's current revision (`calendar_events`); a story that
is gone marks its events cancelled there. The extraction itself is
storage.event_extraction.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, time

from sqlalchemy import Connection, delete, select
from sqlalchemy.orm import Session, defer

from warta.storage.event_extraction import ExtractedEvent, StoryEvents, story_day, story_events
from warta.storage.models import Document, Event, Revision, TopicMembership

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class CalendarEvent:
    """An event as a calendar shows it, with its story."""

    story_id: int
    story_uid: str
    story_url: str
    source_id: str
    position: int
    name: str
    kind: str
    starts_on: date
    ends_on: date
    start_time: time | None
    end_time: time | None
    zone: str
    venue: str
    is_cancelled: bool
    sequence: int
    changed_at: datetime
    topics: tuple[str, ...] = ()

    @property
    def uid(self) -> str:
        """Return the event's stable UID: its story's and its position there."""
        return f"{self.story_uid}-{self.position}@warta"


def record_events(session: Session, document: Document, revision: Revision, found: StoryEvents | None = None) -> int:
    """Store the events `revision` announces, carrying sequences over from the previous revision; return how many.

    `found`: the revision's events read beforehand (a crawl reads them in its extraction workers);
    read here when not given or read from another day than the revision's.
    """
    if found is None or found.dated != story_day(revision.published, revision.fetched_at):
        found = story_events(revision.title, revision.text, revision.language, revision.published, revision.fetched_at)
    previous: dict[int, Event] = {}
    if revision.number > 1:  # a story's first revision has no events before it
        previous = {
            event.position: event
            for event in session.execute(
                select(Event).where(Event.document_id == document.id, Event.revision_number == revision.number - 1)
            ).scalars()
        }
    for event in found.events:
        session.add(_row(document.id, revision, event, previous.get(event.position)))
    session.flush()
    return len(found.events)


def backfill_events(connection: Connection) -> int:
    """Store (afresh) the events of every document's current revision (migration 0004); return how many."""
    stored = 0
    with Session(bind=connection) as session:
        rows = session.execute(
            select(Document, Revision)
            .join(Revision, (Revision.document_id == Document.id) & (Revision.number == Document.current_revision))
            # migration 0005 runs this before migration 0008 adds the column
            .options(defer(Revision.recorded_at, raiseload=True))
        )
        for document, revision in rows:
            session.execute(delete(Event).where(Event.revision_id == revision.id))
            stored += record_events(session, document, revision)
        session.flush()
    logger.info("stored %d events of the archive's current revisions", stored)
    return stored


def calendar_events(
    session: Session,
    *,
    topic_id: str | None = None,
    source_id: str | None = None,
    ending_after: date | None = None,
) -> list[CalendarEvent]:
    """Return the events of every story's current revision (of one topic or source), soonest first."""
    statement = (
        select(Event, Document)
        .join(Document, (Document.id == Event.document_id) & (Document.current_revision == Event.revision_number))
        .order_by(Event.starts_on, Event.start_time, Event.id)
    )
    if topic_id is not None:
        statement = statement.join(
            TopicMembership, (TopicMembership.document_id == Document.id) & (TopicMembership.topic_id == topic_id)
        )
    if source_id is not None:
        statement = statement.where(Document.source_id == source_id)
    if ending_after is not None:
        statement = statement.where(Event.ends_on >= ending_after)
    rows = session.execute(statement).all()
    topics = _topics_of(session, {document.id for _, document in rows})
    return [_calendar_event(event, document, topics.get(document.id, ())) for event, document in rows]


def _topics_of(session: Session, document_ids: set[int]) -> dict[int, tuple[str, ...]]:
    """Return the topics of these documents, by document id."""
    found: dict[int, list[str]] = {}
    ids = sorted(document_ids)
    for start in range(0, len(ids), 500):
        chunk = ids[start : start + 500]
        rows = session.execute(
            select(TopicMembership.document_id, TopicMembership.topic_id)
            .where(TopicMembership.document_id.in_(chunk))
            .order_by(TopicMembership.topic_id)
        )
        for document_id, topic_id in rows:
            found.setdefault(document_id, []).append(topic_id)
    return {document_id: tuple(topics) for document_id, topics in found.items()}


def _calendar_event(event: Event, document: Document, topics: Sequence[str]) -> CalendarEvent:
    """Return a stored event as the calendar shows it; a gone story's event is cancelled from the day it went."""
    is_gone = document.status == "gone"
    changed_at = event.changed_at
    if is_gone and document.gone_at is not None:
        changed_at = max(changed_at, document.gone_at)
    return CalendarEvent(
        story_id=document.id,
        story_uid=document.uid,
        story_url=document.url,
        source_id=document.source_id,
        position=event.position,
        name=event.name,
        kind=event.kind,
        starts_on=event.starts_on,
        ends_on=event.ends_on,
        start_time=_time(event.start_time),
        end_time=_time(event.end_time),
        zone=event.zone,
        venue=event.venue,
        is_cancelled=event.is_cancelled or is_gone,
        sequence=event.sequence + (1 if is_gone and not event.is_cancelled else 0),
        changed_at=changed_at,
        topics=tuple(topics),
    )


def _row(document_id: int, revision: Revision, event: ExtractedEvent, previous: Event | None) -> Event:
    """Return the row of `event` in `revision`, its sequence moved on when it differs from `previous`."""
    row = Event(
        document_id=document_id,
        revision_id=revision.id,
        revision_number=revision.number,
        position=event.position,
        name=event.name,
        kind=event.kind,
        starts_on=event.starts_on,
        ends_on=event.ends_on,
        start_time=event.start_time.strftime("%H:%M") if event.start_time else None,
        end_time=event.end_time.strftime("%H:%M") if event.end_time else None,
        zone=event.zone,
        venue=event.venue,
        is_cancelled=event.is_cancelled,
        sequence=0,
        changed_at=revision.fetched_at,
    )
    if previous is not None:
        is_same = _shown(previous) == _shown(row)
        row.sequence = previous.sequence if is_same else previous.sequence + 1
        row.changed_at = previous.changed_at if is_same else revision.fetched_at
    return row


def _shown(event: Event) -> tuple[object, ...]:
    """Return what a calendar shows of an event, to tell whether it changed."""
    return (
        event.name,
        event.kind,
        event.starts_on,
        event.ends_on,
        event.start_time,
        event.end_time,
        event.zone,
        event.venue,
        event.is_cancelled,
    )


def _time(value: str | None) -> time | None:
    return time.fromisoformat(value) if value else None
