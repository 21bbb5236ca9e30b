"""What the control commands ask of the daemon: a crawl now, a pause, a silence, stored for it to act on.

The commands never talk to a daemon process: they write to the database
(storage.controls), which every daemon of the archive reads, and return what
they stored so the command can say when the daemon acts (see TICK_SECONDS).
"""

from __future__ import annotations

import getpass
import socket
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy.orm import Session

from warta.config import SourceConfig, WartaConfig
from warta.storage.controls import Pause, active_pauses, pause_source, request_crawl, resume_source, silence_source
from warta.storage.database import Database
from warta.storage.run_history import last_started_by_source, open_run
from warta.storage.sources import ensure_source
from warta.storage.types import utcnow


@dataclass(frozen=True)
class CrawlNowAnswer:
    """A stored crawl request, and what stands between it and its start."""

    requested_at: datetime
    already_requested: bool
    running_since: datetime | None
    pause: Pause | None


def operator_name() -> str:
    """Return who gives the command, as user@host, for the record."""
    try:
        user = getpass.getuser()
    except (KeyError, OSError):  # no name for this uid (a bare container)
        user = "unknown"
    return f"{user}@{socket.gethostname()}"


def request_crawl_now(database: Database, source: SourceConfig, by: str) -> CrawlNowAnswer:
    """Store a request to crawl the source at the daemon's next tick (an earlier pending one is kept)."""
    now = utcnow()
    with database.transaction() as session:
        _mirror(session, source)
        request = request_crawl(session, source.id, by, now)
        running = open_run(session, source.id)
        pause = active_pauses(session, now).get(source.id)
    running_since = running.started_at if running is not None else None
    return CrawlNowAnswer(request.requested_at, request.requested_at != now, running_since, pause)


def pause(database: Database, source: SourceConfig, by: str, duration: timedelta | None) -> Pause:
    """Pause the source's scheduled crawls, for `duration` or (None) until resumed."""
    now = utcnow()
    with database.transaction() as session:
        _mirror(session, source)
        return pause_source(session, source.id, by, now + duration if duration else None, now)


def resume(database: Database, cfg: WartaConfig, source: SourceConfig) -> tuple[Pause | None, datetime]:
    """Lift the source's pause; return the pause lifted (None: there was none) and when its next run is due."""
    now = utcnow()
    with database.transaction() as session:
        _mirror(session, source)
        lifted = resume_source(session, source.id)
        last_started = last_started_by_source(session).get(source.id)
    return lifted, max(now, source.schedule.due_time(last_started, now, cfg.source_timezone(source)))


def silence(database: Database, source: SourceConfig, by: str, duration: timedelta | None) -> datetime | None:
    """Keep the source's alerts from being sent for `duration` (None: lift the silence); return until when."""
    until = utcnow() + duration if duration else None
    with database.transaction() as session:
        _mirror(session, source)
        silence_source(session, source.id, by, until)
    return until


def _mirror(session: Session, source: SourceConfig) -> None:
    # a source never crawled has no row yet, and controls refer to it
    ensure_source(session, source.id, source.display_name, source.kind)
