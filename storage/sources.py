"""Source rows: the configured sources mirrored into the database so runs and documents can refer to them."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from warta.storage.models import Source
from warta.storage.types import utcnow
from warta.storage.upserts import insert_ignoring_conflict


def ensure_source(session: Session, source_id: str, name: str, kind: str) -> Source:
    """Return the source row, creating it or updating its name and kind to match the config."""
    insert_ignoring_conflict(
        session,
        Source.__table__,  # type: ignore[arg-type]
        {"id": source_id, "name": name, "kind": kind, "created_at": utcnow(), "health": "unknown", "health_reason": ""},
        ["id"],
    )
    source = session.execute(select(Source).where(Source.id == source_id)).scalar_one()
    if source.name != name or source.kind != kind:
        source.name, source.kind = name, kind
    return source
