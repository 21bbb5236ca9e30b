"""Crawl runs dispatched to Scrapyd nodes: opened by the daemon, adopted by the node's spider, closed by either.

The daemon opens the run before it schedules the job, so a job always writes into
a run the daemon knows. The node's spider adopts it (stamping its own host and pid)
only while it is still running: a job that starts after the daemon gave up on it
finds its run closed and records nothing, so a retried crawl is never recorded twice.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from warta.storage.models import Capture, CrawlRun, FetchState
from warta.storage.run_history import close_run
from warta.storage.runs import start_run

DISPATCH_HOST_PREFIX = "scrapyd "


def open_dispatched_run(session: Session, source_id: str, node_label: str, started_at: datetime) -> int:
    """Open a running run for a crawl about to be sent to `node_label`; return its id."""
    run_id = start_run(session, source_id, started_at)
    run = session.get(CrawlRun, run_id)
    assert run is not None
    # Until the node adopts the run, it belongs to no process: the daemon's recovery must not touch it.
    run.host, run.pid = f"{DISPATCH_HOST_PREFIX}{node_label}"[:255], None
    return run_id


def adopt_run(session: Session, run_id: int, host: str, pid: int) -> bool:
    """Stamp the node's host and pid on a dispatched run; return False when the run is no longer running."""
    run = session.get(CrawlRun, run_id, with_for_update=True)
    if run is None or run.status != "running":
        return False
    run.host, run.pid = host[:255], pid
    return True


def run_status(session: Session, run_id: int) -> str | None:
    """Return the status of a run, or None when there is no such run."""
    return session.scalar(select(CrawlRun.status).where(CrawlRun.id == run_id))


def close_if_running(session: Session, run_id: int, status: str, error: str) -> bool:
    """Close the run with the daemon's verdict when it is still running; return True when it was closed."""
    run = session.get(CrawlRun, run_id, with_for_update=True)
    if run is None or run.status != "running":
        return False
    close_run(session, run, status, error)
    return True


def has_running_run(session: Session, source_id: str, since: datetime) -> bool:
    """Return True when the source has a run started since `since` that is still running."""
    statement = select(CrawlRun.id).where(
        CrawlRun.source_id == source_id, CrawlRun.status == "running", CrawlRun.started_at >= since
    )
    return session.scalar(statement.limit(1)) is not None


def forget_validators_of_run(session: Session, run_id: int) -> int:
    """Drop the stored validators of every URL the run fetched; return how many were dropped.

    A run lost halfway may have stored a listing's or feed's validators before it
    recorded the articles behind them; its retry would then get 304 for the index
    and never see those articles. Without validators the retry reads everything again.
    """
    fetched = select(Capture.url).where(Capture.run_id == run_id).distinct()
    result = session.execute(delete(FetchState).where(FetchState.url.in_(fetched)))
    return int(getattr(result, "rowcount", 0))


def close_stale_runs(session: Session, source_id: str, started_before: datetime, error: str) -> int:
    """Close as interrupted the source's runs still running that started before `started_before`; return how many.

    A daemon that died while following a job leaves its run open when the job died too;
    past the crawl time limit no job can still be writing into it.
    """
    statement = select(CrawlRun).where(
        CrawlRun.source_id == source_id, CrawlRun.status == "running", CrawlRun.started_at < started_before
    )
    stale = list(session.execute(statement).scalars())
    for run in stale:
        close_run(session, run, "interrupted", error)
    return len(stale)
