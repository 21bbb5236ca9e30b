"""Restoring captures from an export's WARC: the exchange, its body, and the revisions extracted from it.

A capture is the same capture when its URL, exchange time and status agree, so
restoring twice (or a full export and then an incremental one that repeats an
older capture its revisits refer to) stores it once. A revisit of an unchanged
200 names its body by the capture it refers to, which must be restored first:
the export writes it earlier in the file.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from warta.storage.captures import HttpExchange, capture_row, store_blob
from warta.storage.models import Blob, Capture, Document, Revision

SHOWS_THE_PAGE = (200, 304)


@dataclass(frozen=True)
class RestoredCapture:
    """A capture read back from a WARC, with the revisions (document uid, number) made from it.

    `body_of` names the capture (URL, time) whose body this one repeats, for a revisit of an
    unchanged 200; its own `exchange.body` is then empty.
    """

    exchange: HttpExchange
    revisions: tuple[tuple[str, int], ...] = ()
    body_of: tuple[str, datetime] | None = None
    document_uid: str | None = None  # the document the capture showed, when the WARC names it
    requisites: tuple[tuple[str, datetime], ...] = ()  # (URL, time) of the page requisites it is linked to


def restore_capture(session: Session, restored: RestoredCapture) -> bool:
    """Store the capture unless it is stored already and link its revisions; return True if it was added.

    Raise LookupError when a revisit's body is not in the archive.
    """
    exchange = restored.exchange
    existing = session.execute(
        select(Capture.id).where(
            Capture.url == exchange.url, Capture.fetched_at == exchange.fetched_at, Capture.status == exchange.status
        )
    ).scalar()
    if existing is not None:
        return False
    body_sha256 = store_blob(session, exchange.body) if exchange.body else None
    if restored.body_of is not None:
        url, fetched_at = restored.body_of
        body_sha256 = session.execute(
            select(Capture.body_sha256).where(
                Capture.url == url, Capture.fetched_at == fetched_at, Capture.status == 200
            )
        ).scalar()
        if body_sha256 is None:
            raise LookupError(f"the capture of {url} at {fetched_at.isoformat()} that a revisit repeats")
    documents = _revisions(session, restored.revisions)
    document = session.get(Document, documents[0][0]) if documents else None
    if document is None and restored.document_uid:
        document = session.execute(select(Document).where(Document.uid == restored.document_uid)).scalar()
    if document is not None and exchange.status in SHOWS_THE_PAGE and exchange.fetched_at > document.last_seen:
        # the crawler dates last_seen by the latest exchange that showed the page; so does a restore
        document.last_seen = exchange.fetched_at
    row = capture_row(
        exchange, document.source_id if document else None, None, document.id if document else None, body_sha256
    )
    if body_sha256 is not None and restored.body_of is not None:
        row["body_size"] = _blob_size(session, body_sha256)
    capture = Capture(**row)
    session.add(capture)
    session.flush()
    for _, revision_id in documents:
        session.execute(update(Revision).where(Revision.id == revision_id).values(capture_id=capture.id))
    return True


def _revisions(session: Session, revisions: Sequence[tuple[str, int]]) -> list[tuple[int, int]]:
    """Return (document id, revision id) of the stored revisions among (uid, number) pairs."""
    found: list[tuple[int, int]] = []
    for uid, number in revisions:
        row = session.execute(
            select(Document.id, Revision.id)
            .join(Revision, Revision.document_id == Document.id)
            .where(Document.uid == uid, Revision.number == number)
        ).first()
        if row is not None:
            found.append((row[0], row[1]))
    return found


def _blob_size(session: Session, digest: str) -> int:
    blob = session.get(Blob, digest)
    return int(blob.size) if blob is not None else 0
