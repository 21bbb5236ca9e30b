"""Named state values the application keeps between runs (the `state` table), e.g. the topics' fingerprint."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from warta.storage.models import StateValue
from warta.storage.types import utcnow
from warta.storage.upserts import insert_ignoring_conflict


def get_state(session: Session, key: str) -> str | None:
    """Return the value stored under `key`, or None."""
    return session.scalar(select(StateValue.value).where(StateValue.key == key))


def set_state(session: Session, key: str, value: str) -> None:
    """Store `value` under `key`, replacing any earlier value (safe when two processes set it at once)."""
    now = utcnow()
    if insert_ignoring_conflict(
        session,
        StateValue.__table__,  # type: ignore[arg-type]
        {"key": key, "value": value, "updated_at": now},
        ["key"],
    ):
        return
    row = session.execute(
        select(StateValue).where(StateValue.key == key).with_for_update().execution_options(populate_existing=True)
    ).scalar_one()
    if row.value != value:
        row.value, row.updated_at = value, now
