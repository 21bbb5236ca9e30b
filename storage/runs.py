"""Crawl runs: one row per crawl of a source, with its counts and page errors."""

from __future__ import annotations

import os
import socket
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, fields
from datetime import datetime

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from warta.storage.database import in_chunks
from warta.storage.models import CrawlError, CrawlRun
from warta.storage.types import utcnow

RUN_STATUSES = ("running", "ok", "failed", "interrupted", "timeout")


@dataclass
class RunCounts:
    """What a crawl run counted."""

    requests: int = 0
    bytes: int = 0
    new: int = 0
    changed: int = 0
    unchanged: int = 0
    not_modified: int = 0
    gone: int = 0
    skipped: int = 0
    errors: int = 0
    links_found: int = 0
    empty_pages: int = 0

    def as_dict(self) -> dict[str, int]:
        """Return the counts by name."""
        return {item.name: getattr(self, item.name) for item in fields(self)}


def start_run(session: Session, source_id: str, started_at: datetime | None = None) -> int:
    """Create a running crawl run for the source and return its id."""
    run = CrawlRun(
        source_id=source_id,
        started_at=started_at or utcnow(),
        status="running",
        pid=os.getpid(),
        host=socket.gethostname(),
    )
    session.add(run)
    session.flush()
    return run.id


def finish_run(
    session: Session, run_id: int, status: str, counts: RunCounts | Mapping[str, int], error: str = ""
) -> None:
    """Close the run with its final status, counts and error message."""
    if status not in RUN_STATUSES:
        raise ValueError(f"unknown run status {status!r}; use one of {', '.join(RUN_STATUSES)}")
    values = counts.as_dict() if isinstance(counts, RunCounts) else dict(counts)
    run = session.get(CrawlRun, run_id, with_for_update=True)
    if run is None:
        raise KeyError(run_id)
    run.status, run.error, run.finished_at = status, error, utcnow()
    for name, value in values.items():
        setattr(run, name, value)


def add_run_error(session: Session, run_id: int, url: str, reason: str, at: datetime | None = None) -> None:
    """Record that `url` failed during the run, and why."""
    session.add(CrawlError(run_id=run_id, url=url[:2048], reason=reason, at=at or utcnow()))


def mark_interrupted_runs(session: Session, host: str | None = None) -> int:
    """Mark runs still 'running' (their process died) as interrupted; return how many."""
    statement = update(CrawlRun).where(CrawlRun.status == "running")
    if host is not None:
        statement = statement.where(CrawlRun.host == host)
    result = session.execute(
        statement.values(
            status="interrupted", finished_at=utcnow(), error="the crawl process stopped before it finished"
        )
    )
    return int(getattr(result, "rowcount", 0))


def latest_runs(session: Session, source_id: str, limit: int = 10) -> list[CrawlRun]:
    """Return the source's most recent runs, newest first."""
    statement = (
        select(CrawlRun)
        .where(CrawlRun.source_id == source_id)
        .order_by(CrawlRun.started_at.desc(), CrawlRun.id.desc())
        .limit(limit)
    )
    return list(session.execute(statement).scalars())


def run_errors(session: Session, run_id: int) -> list[tuple[str, str]]:
    """Return the (URL, reason) of every page that failed during the run, in order."""
    statement = select(CrawlError.url, CrawlError.reason).where(CrawlError.run_id == run_id).order_by(CrawlError.id)
    return [(url, reason) for url, reason in session.execute(statement)]


def recent_runs(session: Session, source_id: str | None = None, limit: int = 20) -> list[CrawlRun]:
    """Return the most recent runs (of one source, or of all), newest first."""
    statement = select(CrawlRun).order_by(CrawlRun.started_at.desc(), CrawlRun.id.desc()).limit(limit)
    if source_id is not None:
        statement = statement.where(CrawlRun.source_id == source_id)
    return list(session.execute(statement).scalars())


def errors_of_runs(session: Session, run_ids: Sequence[int]) -> dict[int, list[tuple[str, str]]]:
    """Return, per run id, the (URL, reason) of each page that failed during it, in order."""
    found: dict[int, list[tuple[str, str]]] = {}
    for chunk in in_chunks(list(run_ids)):
        statement = (
            select(CrawlError.run_id, CrawlError.url, CrawlError.reason)
            .where(CrawlError.run_id.in_(chunk))
            .order_by(CrawlError.id)
        )
        for run_id, url, reason in session.execute(statement):
            found.setdefault(run_id, []).append((url, reason))
    return found
