"""What a crawl asks the archive about a source's known documents: which to revisit, and linking captures.

A crawl refetches (conditionally) the active documents of a source first seen
within its revisit window, so that removals and edits are noticed even when the
source's listing no longer links them.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import bindparam, insert, select, update
from sqlalchemy.orm import Session

from warta.storage.captures import HttpExchange, capture_row
from warta.storage.fetch_states import save_not_modified_states
from warta.storage.models import Capture, Document
from warta.storage.revisions import document_ids


@dataclass(frozen=True)
class KnownDocument:
    """A document due for a revisit: where it was last fetched and its canonical URL."""

    id: int
    url: str
    canonical_url: str


def documents_to_revisit(session: Session, source_id: str, first_seen_since: datetime) -> list[KnownDocument]:
    """Return the source's active documents first seen at or after `first_seen_since`, oldest first."""
    rows = session.execute(
        select(Document.id, Document.url, Document.canonical_url)
        .where(
            Document.source_id == source_id,
            Document.status == "active",
            Document.first_seen >= first_seen_since,
        )
        .order_by(Document.id)
    )
    return [KnownDocument(row.id, row.url, row.canonical_url) for row in rows]


@dataclass(frozen=True)
class NotModified:
    """A 304 for a page: its URL as fetched and canonical, when, its validators, and its capture.

    `capture` is the 304 itself, saved with the note; `capture_id` names a capture saved before.
    """

    url: str
    canonical_url: str
    seen_at: datetime
    etag: str | None
    last_modified: str | None
    capture: HttpExchange | None = None
    capture_id: int | None = None


def note_not_modified(session: Session, notes: Sequence[NotModified], source_id: str, run_id: int | None) -> None:
    """Record many 304s in a few statements: last-seen of their documents, their captures and validators.

    A recrawl of an unchanged site is almost only these; one statement per note and table cost
    more than the HTTP exchange itself.
    """
    documents: Any = Document.__table__
    found = document_ids(session, [note.canonical_url for note in notes])
    seen = [{"b_id": found[note.canonical_url], "b_at": note.seen_at} for note in notes if note.canonical_url in found]
    if seen:
        at = bindparam("b_at", type_=documents.c.last_seen.type)
        statement = (
            update(documents)
            .where(documents.c.id == bindparam("b_id"), documents.c.last_seen < at)
            .values(last_seen=at)
        )
        session.connection().execute(statement, seen)
    new_captures = [
        capture_row(note.capture, source_id, run_id, found.get(note.canonical_url))
        for note in notes
        if note.capture is not None
    ]
    if new_captures:
        captures: Any = Capture.__table__
        session.execute(insert(captures), new_captures)
    for note in notes:
        if note.capture is None and note.capture_id is not None and note.canonical_url in found:
            attach_capture(session, note.capture_id, found[note.canonical_url])
    save_not_modified_states(session, [(note.url, note.seen_at, note.etag, note.last_modified) for note in notes])


def attach_capture(session: Session, capture_id: int, document_id: int) -> None:
    """Say which document a capture (saved before its page was recorded) belongs to."""
    captures: Any = Capture.__table__  # a plain UPDATE: the ORM's bulk update costs more than the write
    session.execute(
        update(captures)
        .where(captures.c.id == capture_id, captures.c.document_id.is_(None))
        .values(document_id=document_id)
    )
