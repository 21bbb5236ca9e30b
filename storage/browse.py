"""Read-only queries of the archive browser: story lists, one story with its revisions, changes over time.

Every function returns plain values (frozen dataclasses) for a web page or its
JSON to render; none writes. Lists are paged with LIMIT/OFFSET over indexed
orderings (documents.updated_at, topic_memberships(topic_id, matched_at)). Time
buckets (stories per day) are counted in Python over a bounded window, so one
query serves SQLite and PostgreSQL alike.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Any

from sqlalchemy import BindParameter, Executable, and_, bindparam, func, select
from sqlalchemy.orm import Session

from warta.storage.captures import read_blob
from warta.storage.models import Capture, CrawlRun, Document, Revision, Source, TopicMembership

# Ids arrive from URLs; PostgreSQL's bigint refuses anything larger, so such an id is simply unknown.
MAX_ID = 2**63 - 1


@dataclass(frozen=True)
class StoryRow:
    """A story as a list shows it: its current title and where it comes from."""

    id: int
    title: str
    url: str
    source_id: str
    source_name: str
    language: str | None
    published: datetime | None
    updated_at: datetime | None
    status: str
    revisions: int


@dataclass(frozen=True)
class StoryPage:
    """One page of a story list, with the total it was cut from."""

    total: int
    stories: list[StoryRow]


@dataclass(frozen=True)
class SourceRow:
    """A source with its health and how many stories the archive holds of it."""

    id: str
    name: str
    kind: str
    health: str
    health_reason: str
    health_since: datetime | None
    stories: int


@dataclass(frozen=True)
class RevisionRow:
    """One revision of a story."""

    number: int
    fetched_at: datetime
    title: str
    text: str
    url: str
    capture_id: int | None


@dataclass(frozen=True)
class CaptureRow:
    """One stored HTTP response of a story."""

    id: int
    url: str
    status: int
    fetched_at: datetime
    body_size: int


@dataclass(frozen=True)
class RelatedStory:
    """Another source's copy of the same story (same near-duplicate cluster)."""

    id: int
    title: str
    url: str
    source_id: str
    source_name: str


@dataclass(frozen=True)
class StoryCluster:
    """The near-duplicate cluster a story belongs to (storage.clusters): its id, first-seen member, the others."""

    id: int
    first_seen: RelatedStory
    members: list[RelatedStory]


@dataclass(frozen=True)
class StoryDetail:
    """Everything the story page shows: the document, its revisions (oldest first), captures and copies."""

    id: int
    uid: str
    url: str
    source_id: str
    source_name: str
    status: str
    first_seen: datetime
    updated_at: datetime | None
    gone_at: datetime | None
    title: str
    language: str | None
    published: datetime | None
    topics: list[str]
    revisions: list[RevisionRow]
    captures: list[CaptureRow]
    related: list[RelatedStory]
    cluster: StoryCluster | None = None


@dataclass(frozen=True)
class CapturedBody:
    """A captured response body with the media type it was served with."""

    url: str
    content_type: str
    body: bytes


@dataclass(frozen=True)
class ChangeEvent:
    """A story that became new, changed or gone at a point in time."""

    at: datetime
    kind: str
    story_id: int
    title: str
    source_id: str
    source_name: str
    revision: int


@dataclass(frozen=True)
class DayCount:
    """New and changed stories of one day."""

    day: date
    new: int
    changed: int


def list_sources(session: Session) -> list[SourceRow]:
    """Return every source in the archive with its health and story count, by id."""
    counts = dict(session.execute(select(Document.source_id, func.count()).group_by(Document.source_id)).all())
    sources = session.execute(select(Source).order_by(Source.id)).scalars()
    return [
        SourceRow(
            source.id,
            source.name,
            source.kind,
            source.health or "unknown",
            source.health_reason or "",
            source.health_since,
            int(counts.get(source.id, 0)),
        )
        for source in sources
    ]


def find_source(session: Session, source_id: str) -> SourceRow | None:
    """Return the source with this id, or None."""
    return next((row for row in list_sources(session) if row.id == source_id), None)


def story_page(
    session: Session, page: int, page_size: int, source_id: str | None = None, topic_id: str | None = None
) -> StoryPage:
    """Return page `page` (from 1) of the stories, newest first, optionally of one source or one topic."""
    statement = _story_rows().where(Document.current_revision > 0)
    counting = select(func.count()).select_from(Document).where(Document.current_revision > 0)
    if source_id is not None:
        statement = statement.where(Document.source_id == source_id)
        counting = counting.where(Document.source_id == source_id)
    if topic_id is not None:
        members = select(TopicMembership.document_id).where(TopicMembership.topic_id == topic_id)
        statement = statement.where(Document.id.in_(members))
        counting = counting.where(Document.id.in_(members))
    total = int(session.execute(counting).scalar_one())
    ordered = statement.order_by(Document.updated_at.desc(), Document.id.desc())
    rows = session.execute(ordered.limit(page_size).offset((page - 1) * page_size)).all()
    return StoryPage(total, [_story(row) for row in rows])


def stories_by_id(session: Session, story_ids: Sequence[int]) -> dict[int, StoryRow]:
    """Return the stories with these ids, by id (unknown ids are left out)."""
    if not story_ids:
        return {}
    rows = session.execute(_story_rows().where(Document.id.in_(list(story_ids)))).all()
    return {row.id: _story(row) for row in rows}


def story_detail(session: Session, story_id: int) -> StoryDetail | None:
    """Return the story with all its revisions, captures, topics and copies, or None if there is none."""
    if not 0 < story_id <= MAX_ID:
        return None
    # the statements are built once (see _STORY_DETAIL) and read through the connection: building
    # them and the ORM's handling of their rows took longer than the queries themselves
    connection, story = session.connection(), {"story_id": story_id}
    document = connection.execute(_STORY_DETAIL.document, story).first()
    rows = connection.execute(_STORY_DETAIL.revisions, story).all() if document is not None else []
    if document is None or not rows:
        return None
    current = rows[-1]
    related, cluster = [], None
    if document.cluster_id is not None:
        copies = {**story, "cluster_id": document.cluster_id, "source_id": document.source_id}
        related = [RelatedStory(*row[:5]) for row in connection.execute(_STORY_DETAIL.related, copies)]
        members = [RelatedStory(*row[:5]) for row in connection.execute(_STORY_DETAIL.members, copies)]
        if len(members) > 1:
            others = [member for member in members if member.id != document.id]
            cluster = StoryCluster(document.cluster_id, members[0], others)
    return StoryDetail(
        id=document.id,
        uid=document.uid,
        url=document.url,
        source_id=document.source_id,
        source_name=document.name,
        status=document.status,
        first_seen=document.first_seen,
        updated_at=document.updated_at,
        gone_at=document.gone_at,
        title=current.title,
        language=current.language,
        published=current.published,
        topics=list(connection.execute(_STORY_DETAIL.topics, story).scalars()),
        revisions=[RevisionRow(*row[:6]) for row in rows],
        captures=[CaptureRow(*row) for row in connection.execute(_STORY_DETAIL.captures, story)],
        related=related,
        cluster=cluster,
    )


def captured_body(session: Session, capture_id: int) -> CapturedBody | None:
    """Return the body of a stored capture that belongs to a story, or None if there is no such capture."""
    if not 0 < capture_id <= MAX_ID:
        return None
    capture = session.get(Capture, capture_id)
    if capture is None or capture.body_sha256 is None or capture.document_id is None:
        return None
    content_type = next(
        (str(value) for name, value in capture.response_headers if str(name).lower() == "content-type"),
        "application/octet-stream",
    )
    return CapturedBody(capture.url, content_type, read_blob(session, capture.body_sha256))


def recent_changes(
    session: Session,
    since: datetime,
    limit: int,
    source_id: str | None = None,
    topic_id: str | None = None,
) -> list[ChangeEvent]:
    """Return what became new, changed or gone since `since`, newest first, at most `limit` events."""
    revisions = (
        select(Revision.fetched_at, Revision.number, Revision.title, Document.id, Document.source_id, Source.name)
        .join(Document, Document.id == Revision.document_id)
        .join(Source, Source.id == Document.source_id)
        .where(Revision.fetched_at >= since)
    )
    gone = (
        select(
            Document.gone_at, Document.current_revision, Revision.title, Document.id, Document.source_id, Source.name
        )
        .join(Source, Source.id == Document.source_id)
        .join(Revision, and_(Revision.document_id == Document.id, Revision.number == Document.current_revision))
        .where(Document.gone_at.is_not(None), Document.gone_at >= since)
    )
    revisions, gone = _narrow(revisions, source_id, topic_id), _narrow(gone, source_id, topic_id)
    events = [
        ChangeEvent(row[0], "new" if row[1] == 1 else "changed", row[3], row[2], row[4], row[5], row[1])
        for row in session.execute(revisions.order_by(Revision.fetched_at.desc(), Revision.id.desc()).limit(limit))
    ]
    events += [
        ChangeEvent(row[0], "gone", row[3], row[2], row[4], row[5], row[1])
        for row in session.execute(gone.order_by(Document.gone_at.desc()).limit(limit))
    ]
    events.sort(key=lambda event: (event.at, event.story_id), reverse=True)
    return events[:limit]


def daily_changes(session: Session, source_id: str, days: int, today: date | None = None) -> list[DayCount]:
    """Return new and changed stories of the source per day over the last `days` days, oldest day first."""
    last = today or datetime.now(UTC).date()
    first = last - timedelta(days=days - 1)
    since = datetime.combine(first, datetime.min.time(), tzinfo=UTC)
    rows = session.execute(
        select(Revision.fetched_at, Revision.number)
        .join(Document, Document.id == Revision.document_id)
        .where(Document.source_id == source_id, Revision.fetched_at >= since)
    )
    new: Counter[date] = Counter()
    changed: Counter[date] = Counter()
    for fetched_at, number in rows:
        (new if number == 1 else changed)[fetched_at.astimezone(UTC).date()] += 1
    return [DayCount(day, new[day], changed[day]) for day in (first + timedelta(days=offset) for offset in range(days))]


def recent_runs(session: Session, source_id: str, limit: int) -> list[CrawlRun]:
    """Return the source's most recent crawl runs, newest first."""
    statement = (
        select(CrawlRun)
        .where(CrawlRun.source_id == source_id)
        .order_by(CrawlRun.started_at.desc(), CrawlRun.id.desc())
        .limit(limit)
    )
    return list(session.execute(statement).scalars())


def _story_rows() -> Any:  # a Select of the StoryRow columns
    return (
        select(
            Document.id,
            Revision.title,
            Document.url,
            Document.source_id,
            Source.name,
            Revision.language,
            Revision.published,
            Document.updated_at,
            Document.status,
            Document.current_revision,
        )
        .join(Source, Source.id == Document.source_id)
        .join(Revision, and_(Revision.document_id == Document.id, Revision.number == Document.current_revision))
    )


def _story(row: Any) -> StoryRow:
    return StoryRow(*row)


def _narrow(statement: Any, source_id: str | None, topic_id: str | None) -> Any:
    if source_id is not None:
        statement = statement.where(Document.source_id == source_id)
    if topic_id is not None:
        members = select(TopicMembership.document_id).where(TopicMembership.topic_id == topic_id)
        statement = statement.where(Document.id.in_(members))
    return statement


@dataclass(frozen=True)
class _StoryDetailStatements:
    """The queries of story_detail, with the story's id (and its cluster and source) as parameters."""

    document: Executable
    revisions: Executable
    topics: Executable
    captures: Executable
    related: Executable
    members: Executable


_STORY_ID: BindParameter[Any] = bindparam("story_id")
# the members a story's JSON lists (a cluster is the copies of one story: a few dozen at most)
MAX_CLUSTER_MEMBERS = 100
_STORY_DETAIL = _StoryDetailStatements(
    document=select(
        Document.id,
        Document.uid,
        Document.url,
        Document.source_id,
        Source.name,
        Document.status,
        Document.first_seen,
        Document.updated_at,
        Document.gone_at,
        Document.cluster_id,
    )
    .join(Source, Source.id == Document.source_id)
    .where(Document.id == _STORY_ID),
    # the columns a story shows: not each revision's stored HTML and metadata, often larger than its text
    revisions=select(
        Revision.number,
        Revision.fetched_at,
        Revision.title,
        Revision.text,
        Revision.url,
        Revision.capture_id,
        Revision.language,
        Revision.published,
    )
    .where(Revision.document_id == _STORY_ID)
    .order_by(Revision.number),
    topics=select(TopicMembership.topic_id)
    .where(TopicMembership.document_id == _STORY_ID)
    .order_by(TopicMembership.topic_id),
    captures=select(Capture.id, Capture.url, Capture.status, Capture.fetched_at, Capture.body_size)
    .where(Capture.document_id == _STORY_ID, Capture.body_sha256.is_not(None))
    .order_by(Capture.fetched_at, Capture.id),
    # other sources' copies in the story's near-duplicate cluster
    related=_story_rows()
    .where(
        Document.cluster_id == bindparam("cluster_id"),
        Document.id != _STORY_ID,
        Document.source_id != bindparam("source_id"),
    )
    .order_by(Document.first_seen, Document.id)
    .limit(20),
    # every member of the story's cluster, the first seen first
    members=_story_rows()
    .where(Document.cluster_id == bindparam("cluster_id"))
    .order_by(Document.first_seen, Document.id)
    .limit(MAX_CLUSTER_MEMBERS),
)
