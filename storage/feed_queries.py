"""The newest items of a feed: one entry per near-duplicate cluster, with the other sources that carried it.

A feed is the whole archive, one source, or one topic. Its newest documents come
from an indexed range scan (documents.updated_at, documents(source_id,
updated_at) or topic_memberships(topic_id, matched_at)) limited to the window,
then everything else is fetched by key for that window only, so building a
feed costs the same on a 1k or a 1M document archive. This module returns
plain values; rendering them as Atom, RSS or JSON is the feeds package's job.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Literal

from sqlalchemy import and_, func, select
from sqlalchemy.orm import Session, aliased

from warta.storage.models import Document, Revision, Source, TopicMembership

MAX_RELATED = 10
# Near-duplicates of one story can fill a page of candidates; stop after this many pages of the window's size.
MAX_CANDIDATE_PAGES = 5


@dataclass(frozen=True)
class FeedScope:
    """Which documents a feed holds: the whole archive, one source or one topic."""

    kind: Literal["all", "source", "topic"]
    key: str = ""

    @classmethod
    def everything(cls) -> FeedScope:
        """Return the scope of the feed of all documents."""
        return cls("all")

    @classmethod
    def source(cls, source_id: str) -> FeedScope:
        """Return the scope of one source's feed."""
        return cls("source", source_id)

    @classmethod
    def topic(cls, topic_id: str) -> FeedScope:
        """Return the scope of one topic's feed."""
        return cls("topic", topic_id)


@dataclass(frozen=True)
class RelatedCopy:
    """Another source's document in the same near-duplicate cluster."""

    source_id: str
    source_name: str
    url: str


@dataclass(frozen=True)
class FeedItem:
    """A document as a feed shows it: its current revision, the one before, topics and related copies."""

    document_id: int
    uid: str
    url: str
    source_id: str
    source_name: str
    status: str
    gone_at: datetime | None
    first_seen: datetime
    updated_at: datetime
    revision_number: int
    title: str
    published: datetime | None
    language: str | None
    text: str
    html: str
    previous_title: str | None
    previous_text: str | None
    topics: tuple[str, ...]
    related: tuple[RelatedCopy, ...]


@dataclass(frozen=True)
class _Member:
    id: int
    source_id: str
    source_name: str
    url: str
    first_seen: datetime
    updated_at: datetime | None


def newest_feed_items(session: Session, scope: FeedScope, limit: int) -> list[FeedItem]:
    """Return the newest `limit` items of the feed `scope`, newest first, one per near-duplicate cluster."""
    groups = _newest_groups(session, scope, limit)
    if not groups:
        return []
    members = _cluster_members(session, [key for key, _, clustered in groups if clustered])
    eligible_ids = _eligible(session, scope, [member.id for cluster in members.values() for member in cluster])
    chosen: list[tuple[int, list[_Member]]] = []
    for key, newest_id, clustered in groups:
        cluster = members.get(key, []) if clustered else []
        # The earliest copy the feed may show stands for the cluster; failing that, the one the scan found.
        representative = next((member for member in cluster if member.id in eligible_ids), None)
        shown_id = representative.id if representative else newest_id
        shown_source = representative.source_id if representative else None
        related: dict[str, _Member] = {}
        for member in cluster:
            if member.id != shown_id and member.source_id != shown_source and member.source_id not in related:
                related[member.source_id] = member
        chosen.append((shown_id, list(related.values())[:MAX_RELATED]))
    shown_ids = [shown_id for shown_id, _ in chosen]
    contents = _contents(session, shown_ids)
    topics = _topics(session, shown_ids)
    items = []
    for shown_id, copies in chosen:
        row = contents.get(shown_id)
        if row is not None:
            others = [member for member in copies if member.source_id != row["source_id"]]
            items.append(_item(row, topics.get(shown_id, ()), others))
    items.sort(key=lambda item: (item.updated_at, item.document_id), reverse=True)
    return items


def _newest_groups(session: Session, scope: FeedScope, limit: int) -> list[tuple[int, int, bool]]:
    """Return (cluster key, newest document id, is clustered) of the scope's newest `limit` distinct clusters."""
    page_size = max(limit * 2, 20)
    groups: dict[int, tuple[int, int, bool]] = {}
    for page in range(MAX_CANDIDATE_PAGES):
        rows = _candidates(session, scope, page_size, page * page_size)
        for document_id, cluster_id in rows:
            key = cluster_id if cluster_id is not None else -document_id
            groups.setdefault(key, (cluster_id or document_id, document_id, cluster_id is not None))
        if len(groups) >= limit or len(rows) < page_size:
            break
    return list(groups.values())[:limit]


def _candidates(session: Session, scope: FeedScope, limit: int, offset: int) -> list[tuple[int, int | None]]:
    """Return (id, cluster id) of the scope's documents, newest first, through the index that orders them."""
    if scope.kind == "topic":
        statement = (
            select(Document.id, Document.cluster_id)
            .join(TopicMembership, TopicMembership.document_id == Document.id)
            .where(TopicMembership.topic_id == scope.key)
            .order_by(TopicMembership.matched_at.desc(), TopicMembership.document_id.desc())
        )
    else:
        statement = select(Document.id, Document.cluster_id).where(Document.updated_at.is_not(None))
        if scope.kind == "source":
            statement = statement.where(Document.source_id == scope.key)
        statement = statement.order_by(Document.updated_at.desc(), Document.id.desc())
    return [(row[0], row[1]) for row in session.execute(statement.limit(limit).offset(offset))]


def _cluster_members(session: Session, cluster_ids: Sequence[int]) -> dict[int, list[_Member]]:
    """Return the earliest documents of each cluster, earliest first (capped per cluster)."""
    if not cluster_ids:
        return {}
    rank = (
        func.row_number()
        .over(partition_by=Document.cluster_id, order_by=(Document.first_seen, Document.id))
        .label("rank")
    )
    ranked = (
        select(
            Document.id,
            Document.source_id,
            Source.name,
            Document.url,
            Document.first_seen,
            Document.updated_at,
            Document.cluster_id,
            rank,
        )
        .join(Source, Source.id == Document.source_id)
        .where(Document.cluster_id.in_(cluster_ids), Document.current_revision > 0)
        .subquery()
    )
    rows = session.execute(
        select(ranked).where(ranked.c.rank <= MAX_RELATED * 3).order_by(ranked.c.cluster_id, ranked.c.rank)
    ).all()
    members: dict[int, list[_Member]] = {}
    for row in rows:
        members.setdefault(row.cluster_id, []).append(
            _Member(row.id, row.source_id, row.name, row.url, row.first_seen, row.updated_at)
        )
    return members


def _eligible(session: Session, scope: FeedScope, document_ids: Sequence[int]) -> set[int]:
    """Return which of these documents belong to the scope."""
    if not document_ids:
        return set()
    if scope.kind == "all":
        return set(document_ids)
    if scope.kind == "source":
        statement = select(Document.id).where(Document.id.in_(document_ids), Document.source_id == scope.key)
    else:
        statement = select(TopicMembership.document_id).where(
            TopicMembership.topic_id == scope.key, TopicMembership.document_id.in_(document_ids)
        )
    return set(session.scalars(statement))


def _contents(session: Session, document_ids: Sequence[int]) -> dict[int, dict[str, Any]]:
    """Return the documents with their current and previous revisions, by document id."""
    current = aliased(Revision)
    previous = aliased(Revision)
    statement = (
        select(
            Document.id,
            Document.uid,
            Document.url,
            Document.source_id,
            Source.name.label("source_name"),
            Document.status,
            Document.gone_at,
            Document.first_seen,
            Document.updated_at,
            Document.current_revision,
            current.title,
            current.published,
            current.language,
            current.text,
            current.html,
            previous.title.label("previous_title"),
            previous.text.label("previous_text"),
        )
        .join(Source, Source.id == Document.source_id)
        .join(current, and_(current.document_id == Document.id, current.number == Document.current_revision))
        .outerjoin(
            previous, and_(previous.document_id == Document.id, previous.number == Document.current_revision - 1)
        )
        .where(Document.id.in_(document_ids))
    )
    return {row.id: dict(row._mapping) for row in session.execute(statement)}


def _topics(session: Session, document_ids: Iterable[int]) -> dict[int, tuple[str, ...]]:
    """Return the topic ids of each document, sorted."""
    found: dict[int, list[str]] = {}
    statement = (
        select(TopicMembership.document_id, TopicMembership.topic_id)
        .where(TopicMembership.document_id.in_(list(document_ids)))
        .order_by(TopicMembership.document_id, TopicMembership.topic_id)
    )
    for document_id, topic_id in session.execute(statement):
        found.setdefault(document_id, []).append(topic_id)
    return {document_id: tuple(topic_ids) for document_id, topic_ids in found.items()}


def _item(row: dict[str, Any], topics: tuple[str, ...], related: list[_Member]) -> FeedItem:
    """Return the feed item of a content row; its updated time is the newest of it and its related copies."""
    times = [row["updated_at"], *(member.updated_at for member in related if member.updated_at is not None)]
    return FeedItem(
        document_id=row["id"],
        uid=row["uid"],
        url=row["url"],
        source_id=row["source_id"],
        source_name=row["source_name"],
        status=row["status"],
        gone_at=row["gone_at"],
        first_seen=row["first_seen"],
        updated_at=max(times),
        revision_number=row["current_revision"],
        title=row["title"],
        published=row["published"],
        language=row["language"],
        text=row["text"],
        html=row["html"],
        previous_title=row["previous_title"],
        previous_text=row["previous_text"],
        topics=topics,
        related=tuple(RelatedCopy(member.source_id, member.source_name, member.url) for member in related),
    )
