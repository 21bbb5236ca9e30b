"""When each scheduled job runs next: from the schedule and the stored last run, staggered when overdue.

The plan is pure: it takes schedules and times and returns times and triggers.
Deriving the next run from the stored runs (and not from the moment the daemon
started) is what keeps a restart from crawling every source at once.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from apscheduler.triggers.base import BaseTrigger

from warta.config import FixityConfig, SnapshotConfig, SourceConfig, WartaConfig
from warta.config.schedules import IntervalSchedule, Schedule

# Jitter is a small share of the interval so that sources with the same schedule spread out.
JITTER_SHARE = 0.1
MAX_JITTER_SECONDS = 60.0
# Overdue jobs start this far apart at most (less for short intervals).
MAX_STAGGER = timedelta(seconds=10)


def jitter_seconds(schedule: Schedule) -> float:
    """Return the most random delay added to each run of the schedule, in seconds."""
    if isinstance(schedule, IntervalSchedule):
        return min(MAX_JITTER_SECONDS, schedule.interval.total_seconds() * JITTER_SHARE)
    return MAX_JITTER_SECONDS / 2


def stagger_overdue(
    due: Mapping[str, datetime], intervals: Mapping[str, timedelta], now: datetime
) -> dict[str, datetime]:
    """Return first run times: overdue jobs start one after another, the most overdue first."""
    overdue = sorted((when, job_id) for job_id, when in due.items() if when <= now)
    plan = {job_id: when for job_id, when in due.items() if when > now}
    for position, (_, job_id) in enumerate(overdue):
        step = min(MAX_STAGGER, intervals.get(job_id, MAX_STAGGER * 2) / 2)
        plan[job_id] = now + step * position
    return plan


@dataclass(frozen=True)
class PlannedJob:
    """A job to register: what it runs, its trigger, and when it first runs."""

    kind: str
    target_id: str
    schedule_text: str
    trigger: BaseTrigger
    first_run: datetime

    @property
    def job_id(self) -> str:
        """Return the scheduler's id of the job, e.g. 'source:wccf-news'."""
        return f"{self.kind}:{self.target_id}"


def plan_jobs(
    cfg: WartaConfig,
    sources: Sequence[SourceConfig],
    snapshots: Sequence[SnapshotConfig],
    last_source_runs: Mapping[str, datetime],
    last_snapshots: Mapping[str, datetime],
    now: datetime,
    fixity: Sequence[FixityConfig] = (),
    last_fixity: Mapping[str, datetime] | None = None,
) -> list[PlannedJob]:
    """Return the jobs of the sources, snapshots and fixity checks, first runs derived from their last runs."""
    entries: list[tuple[str, str, Schedule, ZoneInfo, datetime | None]] = [
        ("source", source.id, source.schedule, cfg.source_timezone(source), last_source_runs.get(source.id))
        for source in sources
    ]
    crawler_tz = ZoneInfo(cfg.crawler.timezone)
    entries += [
        ("snapshot", snapshot.id, snapshot.schedule, crawler_tz, last_snapshots.get(snapshot.id))
        for snapshot in snapshots
    ]
    last_fixity = last_fixity or {}
    entries += [("fixity", check.id, check.schedule, crawler_tz, last_fixity.get(check.id)) for check in fixity]
    due, intervals = {}, {}
    for kind, target, schedule, tz, last in entries:
        due[f"{kind}:{target}"] = schedule.due_time(last, now, tz)
        intervals[f"{kind}:{target}"] = schedule.interval_at(tz, now)
    first_runs = stagger_overdue(due, intervals, now)
    return [
        PlannedJob(
            kind, target, str(schedule), schedule.trigger(tz, jitter_seconds(schedule)), first_runs[f"{kind}:{target}"]
        )
        for kind, target, schedule, tz, _ in entries
    ]
