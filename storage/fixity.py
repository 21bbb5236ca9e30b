"""Fixity in the database: reading stored records to check, in batches, and the runs of scheduled checks.

Each reader pages by primary key (keyset pagination), so a check of a large
archive holds one batch in memory and each batch is one short query.
Recomputing digests and judging them is warta.archive.fixity; this module
only reads them, and records what a `[[fixity]]` check found (fixity_checks).
"""

from __future__ import annotations

import zlib
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any, TypeVarTuple

from sqlalchemy import Row, Select, func, select
from sqlalchemy.orm import InstrumentedAttribute, Session

from warta.storage.models import Blob, Capture, Document, FixityCheck, Revision

DEFAULT_BATCH = 200


_Columns = TypeVarTuple("_Columns")


@dataclass(frozen=True)
class StoredBlob:
    """A stored body: its key, its recorded size and its uncompressed bytes (None: it does not decompress)."""

    sha256: str
    size: int
    body: bytes | None
    error: str = ""


@dataclass(frozen=True)
class CaptureBody:
    """What a capture says of its body, beside the size its blob records (None: the blob is missing)."""

    capture_id: int
    url: str
    body_sha256: str | None
    body_size: int
    blob_size: int | None


@dataclass(frozen=True)
class StoredRevision:
    """A revision's text as stored, with the content hash recorded for it."""

    revision_id: int
    document_uid: str
    url: str
    number: int
    title: str
    text: str
    content_hash: str


def iter_blobs(session: Session, batch_size: int = DEFAULT_BATCH) -> Iterator[StoredBlob]:
    """Yield every stored blob, decompressed, in key order."""
    statement = select(Blob.sha256, Blob.size, Blob.compression, Blob.data)
    for digest, size, compression, data in _in_key_order(session, statement, Blob.sha256, "", batch_size):
        yield _decompressed(digest, size, compression, bytes(data))


def iter_capture_bodies(session: Session, batch_size: int = DEFAULT_BATCH) -> Iterator[CaptureBody]:
    """Yield each capture's body reference and size with the size of the blob it names, in id order."""
    statement = select(Capture.id, Capture.url, Capture.body_sha256, Capture.body_size, Blob.size).outerjoin(
        Blob, Blob.sha256 == Capture.body_sha256
    )
    for capture_id, url, digest, body_size, blob_size in _in_key_order(session, statement, Capture.id, 0, batch_size):
        yield CaptureBody(capture_id, url, digest, body_size, blob_size)


def iter_revisions(session: Session, batch_size: int = DEFAULT_BATCH) -> Iterator[StoredRevision]:
    """Yield every revision's title, text and recorded content hash, in id order."""
    statement = select(
        Revision.id,
        Document.uid,
        Revision.url,
        Revision.number,
        Revision.title,
        Revision.text,
        Revision.content_hash,
    ).join(Document, Document.id == Revision.document_id)
    for row in _in_key_order(session, statement, Revision.id, 0, batch_size):
        yield StoredRevision(*row)


def _in_key_order(
    session: Session,
    statement: Select[*_Columns],
    key: InstrumentedAttribute[Any],
    start: object,
    batch_size: int,
) -> Iterator[Row[*_Columns]]:
    """Yield the rows of `statement` in `key` order, a batch per query; `key` must be the statement's first column."""
    after = start
    while True:
        rows = session.execute(statement.where(key > after).order_by(key).limit(batch_size)).all()
        yield from rows
        if len(rows) < batch_size:
            return
        after = next(iter(rows[-1]))  # the key, the first column


def _decompressed(digest: str, size: int, compression: str, data: bytes) -> StoredBlob:
    if compression != "zlib":
        return StoredBlob(digest, size, data)
    try:
        return StoredBlob(digest, size, zlib.decompress(data))
    except zlib.error as exc:
        return StoredBlob(digest, size, None, f"its zlib data does not decompress ({exc})")


def record_fixity_check(
    session: Session,
    check_id: str,
    started_at: datetime,
    finished_at: datetime,
    checked: Mapping[str, int],
    problems: int,
    details: str = "",
) -> FixityCheck:
    """Store one run of a `[[fixity]]` check and return it (with its id)."""
    row = FixityCheck(
        check_id=check_id,
        started_at=started_at,
        finished_at=finished_at,
        checked=dict(checked),
        problems=problems,
        details=details,
    )
    session.add(row)
    session.flush()
    return row


def latest_fixity_checks(session: Session) -> dict[str, FixityCheck]:
    """Return the newest stored run of each `[[fixity]]` check, by check id."""
    newest = (
        select(FixityCheck.check_id, func.max(FixityCheck.id).label("id")).group_by(FixityCheck.check_id).subquery()
    )
    rows = session.execute(select(FixityCheck).join(newest, FixityCheck.id == newest.c.id)).scalars()
    return {row.check_id: row for row in rows}
