"""Past crawl runs as the scheduler and the monitor see them: last starts, successes, and runs cut short.

A crawl runs in a child process that records its own run. When the daemon has
to kill that child, the child's row stays "running": `process_runs` finds it by
source, pid and host, and `close_run` closes it with the daemon's verdict. When
the child died before it could record anything, `record_failed_run` adds the run.
"""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from warta.storage.models import Capture, CrawlRun, Document, Snapshot
from warta.storage.runs import RunCounts, finish_run, start_run


def last_started_by_source(session: Session) -> dict[str, datetime]:
    """Return, per source id, when its latest crawl run started."""
    statement = select(CrawlRun.source_id, func.max(CrawlRun.started_at)).group_by(CrawlRun.source_id)
    return {source_id: _as_utc(started) for source_id, started in session.execute(statement)}


def last_success_by_source(session: Session) -> dict[str, datetime]:
    """Return, per source id, when its latest successful crawl run finished."""
    statement = (
        select(CrawlRun.source_id, func.max(CrawlRun.finished_at))
        .where(CrawlRun.status == "ok", CrawlRun.finished_at.is_not(None))
        .group_by(CrawlRun.source_id)
    )
    return {source_id: _as_utc(finished) for source_id, finished in session.execute(statement) if finished}


def latest_run_by_source(session: Session) -> dict[str, CrawlRun]:
    """Return, per source id, its most recently started crawl run."""
    newest = select(CrawlRun.source_id, func.max(CrawlRun.id).label("run_id")).group_by(CrawlRun.source_id).subquery()
    statement = select(CrawlRun).join(newest, CrawlRun.id == newest.c.run_id)
    return {run.source_id: run for run in session.execute(statement).scalars()}


def document_counts_by_source(session: Session) -> dict[str, int]:
    """Return, per source id, how many documents the archive holds."""
    statement = select(Document.source_id, func.count()).group_by(Document.source_id)
    return {source_id: int(count) for source_id, count in session.execute(statement)}


def document_count(session: Session, source_id: str) -> int:
    """Return how many documents the archive holds for one source."""
    statement = select(func.count()).select_from(Document).where(Document.source_id == source_id)
    return int(session.execute(statement).scalar_one())


def process_runs(session: Session, source_id: str, pid: int, host: str, since: datetime) -> list[CrawlRun]:
    """Return the source's runs recorded by process `pid` on `host` since `since`, newest first."""
    statement = (
        select(CrawlRun)
        .where(
            CrawlRun.source_id == source_id,
            CrawlRun.pid == pid,
            CrawlRun.host == host,
            CrawlRun.started_at >= since,
        )
        .order_by(CrawlRun.id.desc())
    )
    return list(session.execute(statement).scalars())


def close_run(session: Session, run: CrawlRun, status: str, error: str) -> None:
    """Close (or re-close) a run with the daemon's verdict, keeping what it counted."""
    counts = {name: getattr(run, name) for name in RunCounts().as_dict()}
    finish_run(session, run.id, status, counts, error)


def record_failed_run(session: Session, source_id: str, started_at: datetime, status: str, error: str) -> int:
    """Record a run that failed before its process could record it; return its id."""
    run_id = start_run(session, source_id, started_at)
    finish_run(session, run_id, status, RunCounts(), error)
    return run_id


def captures_by_status(session: Session, run_id: int) -> dict[int, int]:
    """Return how many responses of the run had each HTTP status."""
    statement = select(Capture.status, func.count()).where(Capture.run_id == run_id).group_by(Capture.status)
    return {int(status): int(count) for status, count in session.execute(statement)}


def running_runs(session: Session, host: str) -> list[CrawlRun]:
    """Return the runs recorded on `host` that are still marked running."""
    statement = select(CrawlRun).where(CrawlRun.status == "running", CrawlRun.host == host).order_by(CrawlRun.id)
    return list(session.execute(statement).scalars())


def interrupt_runs(session: Session, run_ids: list[int], error: str) -> None:
    """Close the given running runs as interrupted, keeping what they counted."""
    for run in session.execute(select(CrawlRun).where(CrawlRun.id.in_(run_ids))).scalars():
        counts = {name: getattr(run, name) for name in RunCounts().as_dict()}
        finish_run(session, run.id, "interrupted", counts, error)


def last_snapshot_by_schedule(session: Session) -> dict[str, datetime]:
    """Return, per [[snapshots]] id, when its latest snapshot was started."""
    statement = (
        select(Snapshot.schedule_id, func.max(Snapshot.created_at))
        .where(Snapshot.schedule_id.is_not(None))
        .group_by(Snapshot.schedule_id)
    )
    return {str(schedule_id): _as_utc(created) for schedule_id, created in session.execute(statement)}


def _as_utc(value: datetime | str) -> datetime:
    # Aggregates lose the column type on SQLite, so they come back naive (or as text).
    if isinstance(value, str):
        value = datetime.fromisoformat(value)
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


def open_run(session: Session, source_id: str) -> CrawlRun | None:
    """Return the source's newest run still marked running, or None when none is."""
    statement = (
        select(CrawlRun)
        .where(CrawlRun.source_id == source_id, CrawlRun.status == "running")
        .order_by(CrawlRun.id.desc())
        .limit(1)
    )
    return session.execute(statement).scalar_one_or_none()
