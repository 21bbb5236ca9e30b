"""What `warta runs` lists: past crawl runs with their counts, durations and page errors.

It reads the database only, so it works whether or not a daemon is running.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from datetime import datetime
from typing import Any

from warta.storage.database import Database
from warta.storage.models import CrawlRun
from warta.storage.runs import RunCounts, errors_of_runs, recent_runs


@dataclass(frozen=True)
class PageError:
    """A page that failed during a run."""

    url: str
    reason: str


@dataclass(frozen=True)
class RunRecord:
    """One row of `warta runs`."""

    id: int
    source: str
    status: str
    started_at: datetime
    finished_at: datetime | None
    duration_seconds: float | None
    error: str
    counts: dict[str, int]
    page_errors: list[PageError] = field(default_factory=list)

    def as_json(self, with_errors: bool) -> dict[str, Any]:
        """Return the run as JSON-ready values (times in ISO 8601); page errors only when asked."""
        values = asdict(self)
        values["started_at"] = self.started_at.isoformat()
        values["finished_at"] = self.finished_at.isoformat() if self.finished_at else None
        if not with_errors:
            del values["page_errors"]
        return values


def run_records(database: Database, source_id: str | None, limit: int, with_errors: bool) -> list[RunRecord]:
    """Return the newest `limit` runs (of one source, or all), newest first, with page errors when asked."""
    with database.reading() as session:
        runs = recent_runs(session, source_id, limit)
        errors = errors_of_runs(session, [run.id for run in runs]) if with_errors else {}
    return [_record(run, errors.get(run.id, [])) for run in runs]


def _record(run: CrawlRun, errors: list[tuple[str, str]]) -> RunRecord:
    duration = (run.finished_at - run.started_at).total_seconds() if run.finished_at else None
    return RunRecord(
        id=run.id,
        source=run.source_id,
        status=run.status,
        started_at=run.started_at,
        finished_at=run.finished_at,
        duration_seconds=round(duration, 3) if duration is not None else None,
        error=run.error or "",
        counts={name: getattr(run, name) for name in RunCounts().as_dict()},
        page_errors=[PageError(url, reason) for url, reason in errors],
    )
