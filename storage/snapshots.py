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
    """What an export wrote, ready to be recorded as a snapshot."""

    created_at: datetime
    finished_at: datetime
    format: str
    path: str
    selection: dict[str, Any]
    max_revision_id: int
    documents: int
    revisions: int
    captures: int
    bytes: int
    sha256: str
    schedule_id: str | None = None


def record_snapshot(session: Session, record: SnapshotRecord) -> Snapshot:
    """Insert the snapshot row and return it with its id."""
    snapshot = Snapshot(
        created_at=record.created_at,
        finished_at=record.finished_at,
        format=record.format,
        path=record.path,
        selection=dict(record.selection),
        schedule_id=record.schedule_id,
        max_revision_id=record.max_revision_id,
        documents=record.documents,
        revisions=record.revisions,
        captures=record.captures,
        bytes=record.bytes,
        sha256=record.sha256,
    )
    session.add(snapshot)
    session.flush()
    return snapshot


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
