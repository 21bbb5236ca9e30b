"""Snapshot rows: the record of every export (format, selection, counts, checksum, watermark)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from warta.storage.models import Snapshot


@dataclass(frozen=True)
class SnapshotRecord:
    """What a finished export wrote, recorded on its snapshot row."""

    finished_at: datetime
    selection: dict[str, Any]
    max_revision_id: int
    documents: int
    revisions: int
    captures: int
    bytes: int
    sha256: str


def start_snapshot(session: Session, created_at: datetime, fmt: str, path: str, schedule_id: str | None = None) -> int:
    """Insert the row of an export about to be written (finished_at empty) and return its id.

    The id exists before the export is written so that the export can name itself
    (a WARC's isPartOf, a bag's External-Identifier). A failed export deletes the row;
    a killed one leaves it unfinished, and `--since-snapshot` refuses it.
    """
    snapshot = Snapshot(created_at=created_at, finished_at=None, format=fmt, path=path, schedule_id=schedule_id)
    session.add(snapshot)
    session.flush()
    return snapshot.id


def finish_snapshot(session: Session, snapshot_id: int, record: SnapshotRecord) -> Snapshot:
    """Fill in the row of a finished export and return it."""
    snapshot = session.get(Snapshot, snapshot_id)
    if snapshot is None:
        raise KeyError(snapshot_id)
    snapshot.finished_at = record.finished_at
    snapshot.selection = dict(record.selection)
    snapshot.max_revision_id = record.max_revision_id
    snapshot.documents = record.documents
    snapshot.revisions = record.revisions
    snapshot.captures = record.captures
    snapshot.bytes = record.bytes
    snapshot.sha256 = record.sha256
    return snapshot


def series_of(session: Session, snapshot_id: int) -> list[int]:
    """Return the ids of the chain of `--since-snapshot` exports that ends at `snapshot_id`, root first."""
    chain: list[int] = []
    current: int | None = snapshot_id
    while current is not None and current not in chain:
        chain.append(current)
        snapshot = session.get(Snapshot, current)
        parent = (snapshot.selection or {}).get("since_snapshot") if snapshot is not None else None
        current = int(parent) if parent is not None else None
    return chain[::-1]


def get_snapshot(session: Session, snapshot_id: int) -> Snapshot | None:
    """Return the snapshot with this id, or None."""
    return session.get(Snapshot, snapshot_id)


def list_snapshots(session: Session, limit: int | None = None) -> list[Snapshot]:
    """Return the snapshots, newest first."""
    query = select(Snapshot).order_by(Snapshot.created_at.desc(), Snapshot.id.desc())
    if limit is not None:
        query = query.limit(limit)
    return list(session.execute(query).scalars())


def scheduled_snapshots(session: Session, schedule_id: str) -> list[Snapshot]:
    """Return the snapshots made for one `[[snapshots]]` entry, newest first."""
    query = (
        select(Snapshot)
        .where(Snapshot.schedule_id == schedule_id)
        .order_by(Snapshot.created_at.desc(), Snapshot.id.desc())
    )
    return list(session.execute(query).scalars())


def delete_snapshots(session: Session, snapshot_ids: list[int]) -> None:
    """Delete the rows of these snapshots."""
    if snapshot_ids:
        session.execute(delete(Snapshot).where(Snapshot.id.in_(snapshot_ids)))
