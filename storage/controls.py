"""Operator controls of a source, as stored: a requested crawl, a pause, a silence.

The command line writes them and the leading daemon reads them at each tick, so
they work with one daemon or with a leader and a standby, and survive restarts.
A crawl request is taken by a compare-and-set on its time: two daemons can never
both take the same request. This module stores and reads; deciding what to do
with a control is the daemon's job.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import or_, select, update
from sqlalchemy.orm import Session

from warta.storage.models import SourceControl
from warta.storage.types import utcnow
from warta.storage.upserts import insert_ignoring_conflict


@dataclass(frozen=True)
class Pause:
    """A source's pause: since when, until when (None: until resumed) and by whom."""

    since: datetime
    until: datetime | None
    by: str


@dataclass(frozen=True)
class CrawlRequest:
    """A crawl asked for with `warta crawl-now`, not yet started by a daemon."""

    source_id: str
    requested_at: datetime
    by: str


def _control(session: Session, source_id: str) -> SourceControl:
    """Return the source's control row, creating an empty one, locked for this transaction."""
    insert_ignoring_conflict(
        session,
        SourceControl.__table__,  # type: ignore[arg-type]
        {"source_id": source_id, "crawl_requested_by": "", "paused_by": "", "silenced_by": ""},
        ["source_id"],
    )
    statement = select(SourceControl).where(SourceControl.source_id == source_id).with_for_update()
    return session.execute(statement).scalar_one()


def request_crawl(session: Session, source_id: str, by: str, at: datetime | None = None) -> CrawlRequest:
    """Ask for a crawl of the source at the daemon's next tick; return the pending request (an older one stays)."""
    control = _control(session, source_id)
    if control.crawl_requested_at is None:
        control.crawl_requested_at, control.crawl_requested_by = at or utcnow(), by
    return CrawlRequest(source_id, control.crawl_requested_at, control.crawl_requested_by)


def pending_crawl_requests(session: Session) -> list[CrawlRequest]:
    """Return the crawl requests no daemon has taken yet, oldest first."""
    statement = (
        select(SourceControl.source_id, SourceControl.crawl_requested_at, SourceControl.crawl_requested_by)
        .where(SourceControl.crawl_requested_at.is_not(None))
        .order_by(SourceControl.crawl_requested_at)
    )
    return [CrawlRequest(source_id, at, by) for source_id, at, by in session.execute(statement) if at is not None]


def take_crawl_request(session: Session, request: CrawlRequest) -> bool:
    """Mark the request as started; return False when another daemon (or a newer request) got there first."""
    statement = (
        update(SourceControl)
        .where(SourceControl.source_id == request.source_id, SourceControl.crawl_requested_at == request.requested_at)
        .values(crawl_requested_at=None, crawl_requested_by="")
    )
    return bool(getattr(session.execute(statement), "rowcount", 0) == 1)


def pause_source(
    session: Session, source_id: str, by: str, until: datetime | None, at: datetime | None = None
) -> Pause:
    """Pause the source's scheduled crawls until `until` (None: until resumed); return the pause."""
    control = _control(session, source_id)
    control.paused_at, control.paused_until, control.paused_by = at or utcnow(), until, by
    assert control.paused_at is not None
    return Pause(control.paused_at, until, by)


def resume_source(session: Session, source_id: str) -> Pause | None:
    """Lift the source's pause; return the pause that was lifted (None: it was not paused)."""
    control = _control(session, source_id)
    lifted = _pause_of(control, utcnow())
    control.paused_at, control.paused_until, control.paused_by = None, None, ""
    return lifted


def active_pauses(session: Session, now: datetime | None = None) -> dict[str, Pause]:
    """Return, per source id, the pause in force now (expired pauses are left out)."""
    now = now or utcnow()
    statement = select(SourceControl).where(
        SourceControl.paused_at.is_not(None),
        or_(SourceControl.paused_until.is_(None), SourceControl.paused_until > now),
    )
    pauses = {control.source_id: _pause_of(control, now) for control in session.execute(statement).scalars()}
    return {source_id: pause for source_id, pause in pauses.items() if pause is not None}


def silence_source(session: Session, source_id: str, by: str, until: datetime | None) -> None:
    """Keep the source's alerts from being sent until `until` (None: lift the silence now)."""
    control = _control(session, source_id)
    control.silenced_until, control.silenced_by = until, by if until is not None else ""


def active_silences(session: Session, now: datetime | None = None) -> dict[str, datetime]:
    """Return, per silenced source id, until when its alerts are not sent."""
    statement = select(SourceControl.source_id, SourceControl.silenced_until).where(
        SourceControl.silenced_until > (now or utcnow())
    )
    return {source_id: until for source_id, until in session.execute(statement) if until is not None}


def _pause_of(control: SourceControl, now: datetime) -> Pause | None:
    if control.paused_at is None or (control.paused_until is not None and control.paused_until <= now):
        return None
    return Pause(control.paused_at, control.paused_until, control.paused_by)
