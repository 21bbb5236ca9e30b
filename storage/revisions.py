"""Recording extracted pages: the decision NEW, CHANGED or UNCHANGED, and the revision it writes.

The decision compares the normalized extracted title and text (see
storage.fingerprints), never the raw HTML, so a page whose sidebar or footer
changed is UNCHANGED. Callers run `record_page` inside one write transaction
(`with database.transaction() as session:`), so a crash leaves the whole record
or none of it. Concurrent writers of the same URL are serialized by the unique
canonical URL (insert-or-ignore) and a row lock on the document.
"""

from __future__ import annotations

import enum
import uuid
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from warta.storage.clusters import ShingleCache, assign_cluster
from warta.storage.database import in_chunks
from warta.storage.dedup import DEFAULT_THRESHOLDS, DedupThresholds
from warta.storage.event_extraction import StoryEvents
from warta.storage.events import record_events
from warta.storage.fingerprints import Fingerprint, fingerprint
from warta.storage.models import Document, Revision, UrlAlias
from warta.storage.pending_matches import enqueue_revisions
from warta.storage.search_index import index_revision
from warta.storage.shingling import Shingles
from warta.storage.types import utcnow
from warta.storage.upserts import insert_ignoring_conflict


class Outcome(enum.StrEnum):
    """What recording a page did to the archive."""

    NEW = "new"
    CHANGED = "changed"
    UNCHANGED = "unchanged"


@dataclass(frozen=True)
class PageRecord:
    """An extracted page, ready to be recorded."""

    source_id: str
    url: str
    canonical_url: str
    title: str
    text: str
    html: str
    fetched_at: datetime  # the HTTP exchange's time
    recorded_at: datetime | None = None  # when the page is recorded; now when not given
    published: datetime | None = None
    language: str | None = None
    metadata: dict[str, Any] = field(default_factory=dict)
    capture_id: int | None = None
    redirected_from: str | None = None
    # What recording reads from the title and text alone, computed here when not given: a crawl
    # computes them in its extraction workers, so that its recording process only writes.
    fingerprint: Fingerprint | None = None
    story: Shingles | None = None  # the text's shingles (storage.shingling)
    events: StoryEvents | None = None  # the events it announces (storage.event_extraction)


@dataclass(frozen=True)
class RecordResult:
    """The outcome of recording one page."""

    outcome: Outcome
    document_id: int
    revision_number: int
    cluster_id: int | None


def record_page(
    session: Session,
    page: PageRecord,
    *,
    keep_search_index: bool = True,
    dedup: DedupThresholds = DEFAULT_THRESHOLDS,
    shingle_cache: ShingleCache | None = None,
) -> RecordResult:
    """Record `page` in the archive and return whether it was new, changed or unchanged.

    A new revision replaces the document's previous one in the search index, in
    this transaction, and its events are stored (storage.events); it is queued for topic
    matching (storage.pending_matches), which the feed build does once (storage.memberships).
    `keep_search_index=False` leaves the index stale, for a bulk load followed by
    storage.search_index.build_search_index (and the benchmark that measures what keeping it costs).
    `dedup` holds the thresholds of near-duplicate clustering ([dedup] in the config);
    `shingle_cache` the shingles of documents compared before (one per crawl: storage.clusters.ShingleCache).
    """
    document = _find_or_create_document(session, page)
    content = page.fingerprint or fingerprint(page.title, page.text)
    digest = content.content_hash
    document.url = page.url
    document.last_seen = max(document.last_seen, page.fetched_at)
    if document.status != "active":
        document.status, document.gone_at, document.changed_at = "active", None, page.fetched_at
    if document.current_revision and document.content_hash == digest:
        return RecordResult(Outcome.UNCHANGED, document.id, document.current_revision, document.cluster_id)

    outcome = Outcome.NEW if document.current_revision == 0 else Outcome.CHANGED
    revision = Revision(
        document_id=document.id,
        number=document.current_revision + 1,
        fetched_at=page.fetched_at,
        recorded_at=page.recorded_at or utcnow(),
        url=page.url,
        title=page.title,
        published=page.published,
        language=page.language,
        text=page.text,
        html=page.html,
        content_hash=digest,
        meta=dict(page.metadata),
        capture_id=page.capture_id,
    )
    document.current_revision = revision.number
    document.content_hash = digest
    document.updated_at = page.fetched_at
    document.changed_at = page.fetched_at
    # the cluster is chosen before anything is flushed, so the document is written in one UPDATE
    with session.no_autoflush:
        cluster_id = assign_cluster(
            session, document, page.text, dedup, is_new=outcome is Outcome.NEW, cache=shingle_cache, story=page.story
        )
    session.add(revision)
    session.flush()
    enqueue_revisions(session, [revision.id])
    if keep_search_index:
        index_revision(session.connection(), document.id, revision.id)
    record_events(session, document, revision, page.events)
    return RecordResult(outcome, document.id, revision.number, cluster_id)


def find_document(session: Session, url: str) -> Document | None:
    """Return the document known under `url` (its canonical URL or an alias), or None."""
    document = session.execute(select(Document).where(Document.canonical_url == url)).scalar_one_or_none()
    if document is not None:
        return document
    alias = session.get(UrlAlias, url)
    return session.get(Document, alias.document_id) if alias else None


def document_ids(session: Session, urls: Sequence[str]) -> dict[str, int]:
    """Return the ids of the documents known under these URLs (canonical or alias), by URL: `find_document` in bulk."""
    wanted = list(dict.fromkeys(urls))
    found: dict[str, int] = {}
    for chunk in in_chunks(wanted):
        rows = session.execute(select(Document.canonical_url, Document.id).where(Document.canonical_url.in_(chunk)))
        found.update({url: document_id for url, document_id in rows})
    missing = [url for url in wanted if url not in found]
    for chunk in in_chunks(missing):
        aliases = session.execute(select(UrlAlias.url, UrlAlias.document_id).where(UrlAlias.url.in_(chunk)))
        found.update({url: document_id for url, document_id in aliases})
    return found


def mark_gone(session: Session, url: str, at: datetime) -> bool:
    """Mark the document at `url` gone (it answered 404 or 410); return True if it was active."""
    document = find_document(session, url)
    if document is None or document.status == "gone":
        return False
    document.status, document.gone_at, document.changed_at = "gone", at, at
    return True


def _find_or_create_document(session: Session, page: PageRecord) -> Document:
    document = _locked_document(session, page.canonical_url)
    if document is not None:
        return document
    alias = session.get(UrlAlias, page.canonical_url)
    if alias is not None:
        return _lock(session, alias.document_id)
    if page.redirected_from and page.redirected_from != page.canonical_url:
        moved = find_document(session, page.redirected_from)
        if moved is not None:
            return _move(session, _lock(session, moved.id), page.canonical_url, page.fetched_at)
    insert_ignoring_conflict(
        session,
        Document.__table__,  # type: ignore[arg-type]
        {
            "uid": str(uuid.uuid4()),
            "canonical_url": page.canonical_url,
            "url": page.url,
            "source_id": page.source_id,
            "status": "active",
            "first_seen": page.fetched_at,
            "last_seen": page.fetched_at,
            "current_revision": 0,
        },
        ["canonical_url"],
    )
    document = _locked_document(session, page.canonical_url)
    assert document is not None, "insert-or-ignore left no row"
    return document


def _locked_document(session: Session, canonical_url: str) -> Document | None:
    statement = select(Document).where(Document.canonical_url == canonical_url).with_for_update()
    return session.execute(statement.execution_options(populate_existing=True)).scalar_one_or_none()


def _lock(session: Session, document_id: int) -> Document:
    statement = select(Document).where(Document.id == document_id).with_for_update()
    return session.execute(statement.execution_options(populate_existing=True)).scalar_one()


def _move(session: Session, document: Document, new_url: str, at: datetime) -> Document:
    """Give the document a new canonical URL, keeping the old one as an alias; a move is a change (`changed_at`).

    So an incremental export since a snapshot before the move carries the document with its new URL and aliases.
    """
    insert_ignoring_conflict(
        session,
        UrlAlias.__table__,  # type: ignore[arg-type]
        {"url": document.canonical_url, "document_id": document.id},
        ["url"],
    )
    document.canonical_url = new_url
    document.changed_at = at
    session.flush()
    return document
