"""What `warta status` reports per source: schedule, last run, next run, documents, health.

It reads the database only, so it works whether or not a daemon is running.
The health is judged now, by the same rules the daemon uses; the next run is
derived from the schedule and the last run, as the daemon derives it. A paused
source shows `paused` and no next run; a silenced one says until when.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from datetime import datetime
from typing import Any

from warta.config import SourceConfig, WartaConfig
from warta.monitoring.health import paused_verdict
from warta.monitoring.source_monitor import assess_source
from warta.storage.controls import active_pauses, active_silences
from warta.storage.database import Database
from warta.storage.health import stored_health
from warta.storage.models import CrawlRun
from warta.storage.run_history import document_counts_by_source, latest_run_by_source


@dataclass(frozen=True)
class LastRun:
    """The latest run of a source, as status shows it."""

    id: int
    started_at: datetime
    finished_at: datetime | None
    status: str
    error: str
    new: int
    changed: int
    gone: int
    errors: int
    requests: int


@dataclass(frozen=True)
class SourceStatus:
    """One row of `warta status`."""

    id: str
    name: str
    enabled: bool
    schedule: str
    last_run: LastRun | None
    next_run: datetime | None
    overdue: bool
    documents: int
    health: str
    health_reason: str
    health_since: datetime | None
    silenced_until: datetime | None = None

    def as_json(self) -> dict[str, Any]:
        """Return the row as JSON-ready values (times in ISO 8601)."""
        values: dict[str, Any] = _jsonable(asdict(self))
        return values


def source_statuses(cfg: WartaConfig, database: Database, now: datetime) -> list[SourceStatus]:
    """Return the status of every configured source, in config order."""
    with database.reading() as session:
        latest = latest_run_by_source(session)
        documents = document_counts_by_source(session)
        pauses, silences = active_pauses(session, now), active_silences(session, now)
        rows = []
        for source in cfg.sources:
            pause = pauses.get(source.id)
            since: datetime | None
            if pause is not None:
                verdict, since = paused_verdict(pause.by, pause.until), pause.since
            else:
                verdict = assess_source(session, source, now, cfg.daemon.failing_after)
                stored = stored_health(session, source.id)
                since = stored.since if stored.health == verdict.health else None
            run = latest.get(source.id)
            next_run = None if pause is not None else _next_run(cfg, source, run, now)
            rows.append(
                SourceStatus(
                    id=source.id,
                    name=source.display_name,
                    enabled=source.enabled,
                    schedule=str(source.schedule),
                    last_run=_last_run(run),
                    next_run=next_run,
                    overdue=next_run is not None and next_run < now,
                    documents=documents.get(source.id, 0),
                    health=verdict.health,
                    health_reason=verdict.reason,
                    health_since=since,
                    silenced_until=silences.get(source.id),
                )
            )
    return rows


def _next_run(cfg: WartaConfig, source: SourceConfig, run: CrawlRun | None, now: datetime) -> datetime | None:
    if not source.enabled:
        return None
    return source.schedule.due_time(run.started_at if run else None, now, cfg.source_timezone(source))


def _last_run(run: CrawlRun | None) -> LastRun | None:
    if run is None:
        return None
    return LastRun(
        run.id,
        run.started_at,
        run.finished_at,
        run.status,
        run.error or "",
        run.new,
        run.changed,
        run.gone,
        run.errors,
        run.requests,
    )


def _jsonable(value: Any) -> Any:
    if isinstance(value, datetime):
        return value.isoformat()
    if isinstance(value, dict):
        return {key: _jsonable(item) for key, item in value.items()}
    return value
