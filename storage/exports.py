"""Streaming reads for archive exports: documents with their revisions, and captures, in id order.

Every reader walks the table by keyset pagination (WHERE id > last ORDER BY id
LIMIT n) and hands back plain frozen values, clearing the session after each
batch, so memory stays flat whatever the archive size. The filter is a plain
value (DocumentFilter) built by the archive layer; this module only turns it
into SQL. Exports run inside `consistent_reading`, which on PostgreSQL is a
REPEATABLE READ transaction so that every batch sees the same archive.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import ColumnElement, and_, exists, func, or_, select
from sqlalchemy.orm import Session, aliased

from warta.storage.captures import read_blobs
from warta.storage.database import Database, in_chunks
from warta.storage.document_records import DocumentRecord, RevisionRecord
from warta.storage.models import Capture, Document, Revision, TopicMembership, UrlAlias

DOCUMENT_BATCH = 100
CAPTURE_BATCH = 500
BLOB_BATCH = 20


@dataclass(frozen=True)
class DocumentFilter:
    """Which documents (and captures) an export holds; empty fields do not filter."""

    since: datetime | None = None
    after_revision_id: int | None = None
    status_changed_after: datetime | None = None
    after_capture_id: int | None = None
    sources: tuple[str, ...] = ()
    topics: tuple[str, ...] = ()
    current_only: bool = False


@dataclass(frozen=True)
class Watermark:
    """The highest revision and capture ids in the archive at one moment."""

    revision_id: int
    capture_id: int


@dataclass(frozen=True)
class ConversionRow:
    """The extracted text of one revision that was made from a capture."""

    document_uid: str
    number: int
    title: str
    text: str


@dataclass(frozen=True)
class CaptureRow:
    """One stored HTTP exchange with its body and the revisions extracted from it."""

    id: int
    url: str
    method: str
    status: int
    reason: str
    http_version: str
    request_headers: list[tuple[str, str]]
    response_headers: list[tuple[str, str]]
    fetched_at: datetime
    body: bytes
    conversions: tuple[ConversionRow, ...]


@contextmanager
def consistent_reading(database: Database) -> Iterator[Session]:
    """Yield a read-only session whose every query sees the same state of the archive."""
    with database.read_sessions() as session, session.begin():
        if not database.is_sqlite:
            # SQLite's deferred read transaction is already a snapshot; PostgreSQL's default is not.
            session.connection(execution_options={"isolation_level": "REPEATABLE READ"})
        yield session


def current_watermark(session: Session) -> Watermark:
    """Return the highest revision and capture ids now stored (0 when none)."""
    revision_id = session.execute(select(func.coalesce(func.max(Revision.id), 0))).scalar_one()
    capture_id = session.execute(select(func.coalesce(func.max(Capture.id), 0))).scalar_one()
    return Watermark(int(revision_id), int(capture_id))


def _document_conditions(selection: DocumentFilter) -> list[ColumnElement[bool]]:
    conditions: list[ColumnElement[bool]] = [Document.current_revision > 0]
    if selection.sources:
        conditions.append(Document.source_id.in_(selection.sources))
    if selection.topics:
        conditions.append(
            exists().where(TopicMembership.document_id == Document.id, TopicMembership.topic_id.in_(selection.topics))
        )
    if selection.since is not None:
        conditions.append(Document.changed_at >= selection.since)
    if selection.after_revision_id is not None:
        newer_revision = exists().where(Revision.document_id == Document.id, Revision.id > selection.after_revision_id)
        if selection.status_changed_after is not None:
            conditions.append(or_(newer_revision, Document.changed_at > selection.status_changed_after))
        else:
            conditions.append(newer_revision)
    return conditions


def iter_documents(
    session: Session, selection: DocumentFilter, batch_size: int = DOCUMENT_BATCH
) -> Iterator[DocumentRecord]:
    """Yield the selected documents in id order, each with its revisions (or only the current one)."""
    last_id = 0
    while True:
        documents = (
            session.execute(
                select(Document)
                .where(Document.id > last_id, *_document_conditions(selection))
                .order_by(Document.id)
                .limit(batch_size)
            )
            .scalars()
            .all()
        )
        if not documents:
            return
        last_id = documents[-1].id
        rows = _document_rows(session, documents, selection.current_only)
        session.expunge_all()
        yield from rows


def _document_rows(session: Session, documents: Sequence[Document], current_only: bool) -> list[DocumentRecord]:
    ids = [document.id for document in documents]
    revisions = _revisions_by_document(session, documents, current_only)
    topics: dict[int, list[str]] = defaultdict(list)
    for document_id, topic_id in session.execute(
        select(TopicMembership.document_id, TopicMembership.topic_id)
        .where(TopicMembership.document_id.in_(ids))
        .order_by(TopicMembership.topic_id)
    ):
        topics[document_id].append(topic_id)
    aliases: dict[int, list[str]] = defaultdict(list)
    for document_id, url in session.execute(
        select(UrlAlias.document_id, UrlAlias.url).where(UrlAlias.document_id.in_(ids)).order_by(UrlAlias.url)
    ):
        aliases[document_id].append(url)
    cluster_ids = {document.cluster_id for document in documents if document.cluster_id is not None}
    cluster_uids = dict(session.execute(select(Document.id, Document.uid).where(Document.id.in_(cluster_ids))).all())
    members = _cluster_members(session, cluster_ids)
    rows = []
    for document in documents:
        current = next((r for r in revisions[document.id] if r.number == document.current_revision), None)
        rows.append(
            DocumentRecord(
                uid=document.uid,
                url=document.url,
                canonical_url=document.canonical_url,
                source_id=document.source_id,
                title=current.title if current else None,
                published=current.published if current else None,
                updated_at=document.updated_at,
                language=current.language if current else None,
                text=current.text if current else None,
                content_hash=document.content_hash,
                topics=tuple(topics[document.id]),
                status=document.status,
                first_seen=document.first_seen,
                last_seen=document.last_seen,
                cluster_uid=cluster_uids.get(document.cluster_id) if document.cluster_id is not None else None,
                cluster_first_seen=members[document.cluster_id][0] if document.cluster_id in members else None,
                cluster_members=tuple(uid for uid in members.get(document.cluster_id or 0, ()) if uid != document.uid),
                current_revision=document.current_revision,
                changed_at=document.changed_at,
                gone_at=document.gone_at,
                aliases=tuple(aliases[document.id]),
                revisions=tuple(revisions[document.id]),
            )
        )
    return rows


def _cluster_members(session: Session, cluster_ids: set[int]) -> dict[int, list[str]]:
    """Return the uids of each cluster's members, first seen first, for the clusters with more than one."""
    members: dict[int, list[str]] = defaultdict(list)
    for chunk in in_chunks(sorted(cluster_ids)):
        rows = session.execute(
            select(Document.cluster_id, Document.uid)
            .where(Document.cluster_id.in_(chunk))
            .order_by(Document.cluster_id, Document.first_seen, Document.id)
        )
        for cluster_id, uid in rows:
            if cluster_id is not None:
                members[cluster_id].append(uid)
    return {cluster_id: uids for cluster_id, uids in members.items() if len(uids) > 1}


def _revisions_by_document(
    session: Session, documents: Sequence[Document], current_only: bool
) -> dict[int, list[RevisionRecord]]:
    ids = [document.id for document in documents]
    query = select(Revision).where(Revision.document_id.in_(ids))
    if current_only:
        owner = aliased(Document)
        query = query.join(owner, and_(owner.id == Revision.document_id, owner.current_revision == Revision.number))
    result: dict[int, list[RevisionRecord]] = defaultdict(list)
    for revision in session.execute(query.order_by(Revision.document_id, Revision.number)).scalars():
        result[revision.document_id].append(
            RevisionRecord(
                number=revision.number,
                fetched_at=revision.fetched_at,
                url=revision.url,
                title=revision.title,
                published=revision.published,
                language=revision.language,
                text=revision.text,
                html=revision.html,
                content_hash=revision.content_hash,
                metadata=dict(revision.meta or {}),
            )
        )
    return result


def _capture_conditions(selection: DocumentFilter) -> list[ColumnElement[bool]]:
    """Captures of the selected documents, plus (without a topic filter) captures of no document.

    The crawler may save a capture before it knows the document, so a capture
    belongs to a document through its document_id, a revision made from it, or its URL.
    """
    documents = _document_conditions(selection)
    document_ids = select(Document.id).where(*documents)
    belongs: ColumnElement[bool] = or_(
        Capture.document_id.in_(document_ids),
        Capture.id.in_(select(Revision.capture_id).where(Revision.document_id.in_(document_ids))),
        Capture.url.in_(select(Document.canonical_url).where(*documents)),
        Capture.url.in_(select(Document.url).where(*documents)),
    )
    if not selection.topics:
        unattached: ColumnElement[bool] = Capture.document_id.is_(None)
        if selection.sources:
            unattached = and_(unattached, Capture.source_id.in_(selection.sources))
        belongs = or_(belongs, unattached)
    conditions: list[ColumnElement[bool]] = [belongs]
    if selection.after_capture_id is not None:
        conditions.append(Capture.id > selection.after_capture_id)
    if selection.since is not None:
        conditions.append(Capture.fetched_at >= selection.since)
    return conditions


def iter_captures(session: Session, selection: DocumentFilter, batch_size: int = CAPTURE_BATCH) -> Iterator[CaptureRow]:
    """Yield the selected captures in id order with their bodies and extracted texts."""
    last_id = 0
    conditions = _capture_conditions(selection)
    while True:
        # The next window of ids comes from the primary key alone, and the selection filters only that
        # window: with the filter in the same query, SQLite gathered and sorted every later matching
        # capture for each batch, so a whole-archive WARC export took time quadratic in its size.
        window = list(
            session.scalars(select(Capture.id).where(Capture.id > last_id).order_by(Capture.id).limit(batch_size))
        )
        if not window:
            return
        last_id = window[-1]
        captures = (
            session.execute(select(Capture).where(Capture.id.in_(window), *conditions).order_by(Capture.id))
            .scalars()
            .all()
        )
        if not captures:
            continue
        heads = [(capture.id, capture.body_sha256, _capture_fields(capture)) for capture in captures]
        conversions = _conversions_by_capture(session, [capture.id for capture in captures])
        session.expunge_all()
        # Bodies are read a few at a time in one query each: a query per body was most of a WARC
        # export's time, and the whole batch's bodies at once would hold up to 500 pages in memory.
        for start in range(0, len(heads), BLOB_BATCH):
            chunk = heads[start : start + BLOB_BATCH]
            bodies = read_blobs(session, [digest for _, digest, _ in chunk if digest])
            for capture_id, digest, fields in chunk:
                body = bodies[digest] if digest else b""
                yield CaptureRow(**fields, body=body, conversions=tuple(conversions[capture_id]))
            del bodies


def _capture_fields(capture: Capture) -> dict[str, Any]:
    return {
        "id": capture.id,
        "url": capture.url,
        "method": capture.method,
        "status": capture.status,
        "reason": capture.reason,
        "http_version": capture.http_version,
        "request_headers": [(str(name), str(value)) for name, value in capture.request_headers or []],
        "response_headers": [(str(name), str(value)) for name, value in capture.response_headers or []],
        "fetched_at": capture.fetched_at,
    }


def _conversions_by_capture(session: Session, capture_ids: list[int]) -> dict[int, list[ConversionRow]]:
    result: dict[int, list[ConversionRow]] = defaultdict(list)
    query = (
        select(Revision.capture_id, Document.uid, Revision.number, Revision.title, Revision.text)
        .join(Document, Document.id == Revision.document_id)
        .where(Revision.capture_id.in_(capture_ids))
        .order_by(Revision.capture_id, Document.id, Revision.number)
    )
    for capture_id, uid, number, title, text in session.execute(query):
        assert capture_id is not None
        result[capture_id].append(ConversionRow(uid, number, title, text))
    return result
