"""Named state values the application keeps between runs (the `state` table), e.g. the topics' fingerprint."""

from __future__ import annotations

from sqlalchemy.orm import Session

from storage.models import StateValue
from storage.types import utcnow


def get_state(session: Session, key: str) -> str | None:
    """Return the value stored under `key`, or None."""
    row = session.get(StateValue, key)
    return row.value if row is not None else None


def set_state(session: Session, key: str, value: str) -> None:
    """Store `value` under `key`, replacing any earlier value."""
    row = session.get(StateValue, key, with_for_update=True)
    if row is None:
        session.add(StateValue(key=key, value=value, updated_at=utcnow()))
    elif row.value != value:
        row.value, row.updated_at = value, utcnow()
