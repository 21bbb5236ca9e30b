"""Source health as stored: the facts health is judged on, and the verdict on the source row.

The judging itself (what counts as failing, stale or degraded) is not here;
it is pure logic in warta.monitoring.health. This module only reads the runs and
documents it needs and writes the verdict.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime

from sqlalchemy import func, select, text
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session

from warta.storage.database import Database
from warta.storage.errors import failure_reason
from warta.storage.models import CrawlError, CrawlRun, Document, Source
from warta.storage.types import utcnow


@dataclass(frozen=True)
class StoredHealth:
    """A source's recorded health, and since when it holds."""

    health: str
    reason: str
    since: datetime | None


def finished_runs(session: Session, source_id: str, limit: int = 20) -> list[CrawlRun]:
    """Return the source's most recent runs that are no longer running, newest first."""
    statement = (
        select(CrawlRun)
        .where(CrawlRun.source_id == source_id, CrawlRun.status != "running")
        .order_by(CrawlRun.started_at.desc(), CrawlRun.id.desc())
        .limit(limit)
    )
    return list(session.execute(statement).scalars())


# A JSON source's mapping that found nothing in an answered page (crawler/json_items.py) is an error
# of the run, but the start URL did answer: such reasons start with this and leave the run judged on
# what it found, so that a mapping that stops finding items turns the source degraded, not failing.
MAPPING_PROBLEM_PREFIX = "json."


def start_url_errors(session: Session, run_ids: Sequence[int], start_urls: Sequence[str]) -> dict[int, list[str]]:
    """Return, per run, the errors ("url: reason") its start URLs got (a mapping problem is not one)."""
    if not run_ids or not start_urls:
        return {}
    wanted = {url.rstrip("/") for url in start_urls}
    statement = select(CrawlError.run_id, CrawlError.url, CrawlError.reason).where(CrawlError.run_id.in_(run_ids))
    found: dict[int, dict[str, str]] = {}
    for run_id, url, reason in session.execute(statement):
        if url.rstrip("/") in wanted and not reason.startswith(MAPPING_PROBLEM_PREFIX):
            found.setdefault(run_id, {})[url.rstrip("/")] = f"{url}: {reason}"
    return {run_id: sorted(errors.values()) for run_id, errors in found.items()}


def last_change_time(session: Session, source_id: str) -> datetime | None:
    """Return when a document of the source last became new or changed, or None if it has none."""
    statement = select(func.max(func.coalesce(Document.changed_at, Document.updated_at, Document.first_seen))).where(
        Document.source_id == source_id
    )
    value = session.execute(statement).scalar_one_or_none()
    if value is None:
        return None
    # func.max loses the column type on SQLite, so it comes back naive (or as text).
    return _as_utc(value)


def first_run_time(session: Session, source_id: str) -> datetime | None:
    """Return when the source's first crawl started, or None if it never ran."""
    value = session.execute(select(func.min(CrawlRun.started_at)).where(CrawlRun.source_id == source_id)).scalar()
    return None if value is None else _as_utc(value)


def stored_health(session: Session, source_id: str) -> StoredHealth:
    """Return the source's recorded health ('unknown' when the source has no row yet)."""
    source = session.get(Source, source_id)
    if source is None:
        return StoredHealth("unknown", "", None)
    return StoredHealth(source.health or "unknown", source.health_reason or "", source.health_since)


def set_source_health(
    session: Session, source_id: str, health: str, reason: str, at: datetime | None = None
) -> StoredHealth:
    """Record the source's health and reason; return what was recorded before.

    `health_since` moves only when the state changes, so it says how long the state has held.
    """
    source = session.get(Source, source_id, with_for_update=True)
    if source is None:
        raise KeyError(source_id)
    before = StoredHealth(source.health or "unknown", source.health_reason or "", source.health_since)
    if before.health != health:
        source.health_since = at or utcnow()
    source.health, source.health_reason = health, reason
    return before


def database_problem(database: Database) -> str | None:
    """Return None when the database answers a trivial query, else what went wrong."""
    try:
        with database.reading() as session:
            session.execute(text("SELECT 1"))
    except SQLAlchemyError as exc:
        return failure_reason(exc)[:200]
    return None


def _as_utc(value: object) -> datetime:
    if isinstance(value, str):
        value = datetime.fromisoformat(value)
    assert isinstance(value, datetime)
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)
