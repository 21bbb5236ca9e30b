"""Alerts: one row per change of a source's health (or of a fixity check's result), with its webhook delivery.

An alert raised while its source is silenced is stored with `silenced` set: it is
part of the record, but nothing sends it (no webhook, no alerts.atom entry).
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from warta.storage.models import Alert
from warta.storage.types import utcnow


def record_alert(
    session: Session,
    source_id: str | None,
    previous_health: str,
    health: str,
    reason: str,
    at: datetime | None = None,
    silenced: bool = False,
    check_id: str | None = None,
) -> Alert:
    """Store an alert for a change of a source's health (or of the result of fixity check `check_id`); return it."""
    alert = Alert(
        source_id=source_id,
        check_id=check_id,
        raised_at=at or utcnow(),
        previous_health=previous_health,
        health=health,
        reason=reason,
        attempts=0,
        silenced=silenced,
    )
    session.add(alert)
    session.flush()
    return alert


def record_delivery(session: Session, alert_id: int, attempts: int, delivered_at: datetime | None) -> None:
    """Record how many webhook attempts an alert took and when it was delivered (None: not delivered)."""
    alert = session.get(Alert, alert_id, with_for_update=True)
    if alert is None:
        raise KeyError(alert_id)
    alert.attempts, alert.delivered_at = attempts, delivered_at


def recent_alerts(
    session: Session, limit: int = 50, source_id: str | None = None, include_silenced: bool = True
) -> list[Alert]:
    """Return the newest alerts, newest first, optionally of one source, optionally without silenced ones."""
    statement = select(Alert).order_by(Alert.raised_at.desc(), Alert.id.desc()).limit(limit)
    if source_id is not None:
        statement = statement.where(Alert.source_id == source_id)
    if not include_silenced:
        statement = statement.where(Alert.silenced.is_(False))
    return list(session.execute(statement).scalars())
