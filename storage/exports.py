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

from warta.storage.capture_revisits import CaptureHead, RevisitOf, revisit_references
from warta.storage.captures import read_blobs
from warta.storage.database import Database, in_chunks
from warta.storage.document_records import DocumentRecord, RevisionRecord
from warta.storage.models import Capture, CrawlRun, Document, Revision, Source, TopicMembership, UrlAlias
from warta.storage.requisites import requisites_by_capture, requisites_of_documents
from warta.storage.runs import RunCounts, errors_of_runs

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
class RunLogRow:
    """One crawl run whose captures an export holds: when, how it ended, what it counted, what failed."""

    id: int
    source_id: str
    started_at: datetime
    finished_at: datetime | None
    status: str
    error: str
    counts: dict[str, int]
    failed_pages: tuple[tuple[str, str], ...]


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
    # the earlier capture this one repeats (a 304, or an unchanged 200): a WARC revisit record
    revisit: RevisitOf | None = None
    document_uid: str | None = None  # the document the capture showed, when known
    # for a 304 that repeats a stored body: that body, whose digest the WARC revisit names
    repeated_body: bytes | None = None
    # the page requisites linked to this capture (storage.requisites): (URL, exchange time) of each
    requisites: tuple[tuple[str, datetime], ...] = ()


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
                recorded_at=revision.recorded_at,
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
    """Captures of the selected sources' and topics' documents, plus (without a topic filter) captures of no document.

    The crawler may save a capture before it knows the document, so a capture
    belongs to a document through its document_id, a revision made from it, or its URL;
    a page requisite belongs to every document whose capture uses it.
    """
    # every capture since the snapshot (or time) of the selected sources and topics, not only those of
    # documents that changed: the rechecks of unchanged pages are part of the record (and their revisits)
    documents = _document_conditions(
        DocumentFilter(sources=selection.sources, topics=selection.topics, current_only=selection.current_only)
    )
    document_ids = select(Document.id).where(*documents)
    belongs: ColumnElement[bool] = or_(
        Capture.document_id.in_(document_ids),
        Capture.id.in_(select(Revision.capture_id).where(Revision.document_id.in_(document_ids))),
        Capture.url.in_(select(Document.canonical_url).where(*documents)),
        Capture.url.in_(select(Document.url).where(*documents)),
        # the images, stylesheets and fonts those pages use (crawler.requisites), which belong to no document
        Capture.id.in_(requisites_of_documents(document_ids)),
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
    """Yield the selected captures in id order with their bodies and extracted texts.

    A capture that repeats an earlier one carries its reference (`revisit`). When the
    capture referred to is outside the selection (an incremental export), it is yielded
    just before the first capture that refers to it, so the export replays on its own.
    """
    last_id = 0
    conditions = _capture_conditions(selection)
    added_originals: set[int] = set()
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
        references = revisit_references(session, [CaptureHead(c.id, c.url, c.status, c.body_sha256) for c in captures])
        outside = _outside_selection(session, {ref.capture_id for ref in references.values()}, conditions)
        originals = {
            capture.id: capture
            for capture in session.execute(select(Capture).where(Capture.id.in_(outside - added_originals)))
            .scalars()
            .all()
        }
        ordered: list[Capture] = []
        for capture in captures:
            reference = references.get(capture.id)
            if reference is not None and reference.capture_id in originals:
                ordered.append(originals.pop(reference.capture_id))
                added_originals.add(reference.capture_id)
            ordered.append(capture)
        yield from _capture_rows(session, ordered, references)


def _outside_selection(session: Session, capture_ids: set[int], conditions: list[ColumnElement[bool]]) -> set[int]:
    """Return those of `capture_ids` the selection's conditions leave out."""
    if not capture_ids:
        return set()
    inside = set(session.scalars(select(Capture.id).where(Capture.id.in_(capture_ids), *conditions)))
    return capture_ids - inside


def _capture_rows(
    session: Session, captures: Sequence[Capture], references: dict[int, RevisitOf]
) -> Iterator[CaptureRow]:
    heads = [(capture.id, capture.body_sha256, _capture_fields(capture)) for capture in captures]
    conversions = _conversions_by_capture(session, [capture.id for capture in captures])
    requisites = requisites_by_capture(session, [capture.id for capture in captures])
    document_ids = {capture.id: capture.document_id for capture in captures if capture.document_id is not None}
    uids = dict(
        session.execute(select(Document.id, Document.uid).where(Document.id.in_(set(document_ids.values())))).all()
    )
    session.expunge_all()
    # Bodies are read a few at a time in one query each: a query per body was most of a WARC
    # export's time, and the whole batch's bodies at once would hold up to 500 pages in memory.
    for start in range(0, len(heads), BLOB_BATCH):
        chunk = heads[start : start + BLOB_BATCH]
        repeated = [
            references[capture_id].body_sha256
            for capture_id, _, fields in chunk
            if capture_id in references and fields["status"] == 304
        ]
        bodies = read_blobs(session, [digest for _, digest, _ in chunk if digest] + repeated)
        for capture_id, digest, fields in chunk:
            body = bodies[digest] if digest else b""
            made = conversions[capture_id]
            # a capture belongs to its document, or to the document of a revision made from it
            document_uid = uids.get(document_ids.get(capture_id, 0)) or (made[0].document_uid if made else None)
            yield CaptureRow(
                **fields,
                body=body,
                conversions=tuple(made),
                revisit=references.get(capture_id),
                document_uid=document_uid,
                repeated_body=bodies[references[capture_id].body_sha256]
                if capture_id in references and fields["status"] == 304
                else None,
                requisites=tuple(requisites.get(capture_id, ())),
            )
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


def known_source_ids(session: Session) -> set[str]:
    """Return the ids of every source the archive has stored."""
    return set(session.scalars(select(Source.id)))


def known_topic_ids(session: Session) -> set[str]:
    """Return the ids of every topic that some stored document belongs to."""
    return set(session.scalars(select(TopicMembership.topic_id).distinct()))


def covered_runs(session: Session, selection: DocumentFilter) -> list[RunLogRow]:
    """Return the crawl runs that recorded a selected capture, in id order, with their failed pages."""
    run_ids = select(Capture.run_id).where(Capture.run_id.is_not(None), *_capture_conditions(selection))
    runs = list(session.scalars(select(CrawlRun).where(CrawlRun.id.in_(run_ids)).order_by(CrawlRun.id)))
    failures = errors_of_runs(session, [run.id for run in runs])
    counted = RunCounts().as_dict()
    return [
        RunLogRow(
            id=run.id,
            source_id=run.source_id,
            started_at=run.started_at,
            finished_at=run.finished_at,
            status=run.status,
            error=run.error,
            counts={name: int(getattr(run, name)) for name in counted},
            failed_pages=tuple(failures.get(run.id, [])),
        )
        for run in runs
    ]
