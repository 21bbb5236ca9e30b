"""What a crawl asks the archive about a source's known documents: which to revisit, and linking captures.

A crawl refetches (conditionally) the active documents of a source first seen
within its revisit window, so that removals and edits are noticed even when the
source's listing no longer links them.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from storage.models import Capture, Document


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


def attach_capture(session: Session, capture_id: int, document_id: int) -> None:
    """Say which document a capture (saved before its page was recorded) belongs to."""
    captures: Any = Capture.__table__  # a plain UPDATE: the ORM's bulk update costs more than the write
    session.execute(
        update(captures)
        .where(captures.c.id == capture_id, captures.c.document_id.is_(None))
        .values(document_id=document_id)
    )
