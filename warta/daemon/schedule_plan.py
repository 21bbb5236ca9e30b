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
from apscheduler.triggers.cron import CronTrigger
from apscheduler.triggers.interval import IntervalTrigger

from warta.config import SnapshotConfig, SourceConfig, WartaConfig
from warta.config.schedules import IntervalSchedule, Schedule, due_time, parse_schedule

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


def make_trigger(schedule: Schedule, timezone: ZoneInfo, with_jitter: bool = True) -> BaseTrigger:
    """Return the APScheduler trigger of a schedule; cron expressions are read in `timezone`."""
    jitter = jitter_seconds(schedule) if with_jitter else None
    if isinstance(schedule, IntervalSchedule):
        return IntervalTrigger(seconds=schedule.interval.total_seconds(), timezone=timezone, jitter=jitter)
    trigger = CronTrigger.from_crontab(schedule.expression, timezone=timezone)
    # from_crontab takes no jitter argument; the trigger reads the attribute when it fires.
    trigger.jitter = jitter
    return trigger


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


def schedule_interval(schedule: Schedule, timezone: ZoneInfo, now: datetime) -> timedelta:
    """Return the time between two runs (for cron, between its next two times)."""
    if isinstance(schedule, IntervalSchedule):
        return schedule.interval
    trigger = CronTrigger.from_crontab(schedule.expression, timezone=timezone)
    first = trigger.get_next_fire_time(None, now)
    assert first is not None
    second = trigger.get_next_fire_time(first, first + timedelta(microseconds=1))
    assert isinstance(first, datetime) and isinstance(second, datetime)
    return second - first


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
) -> list[PlannedJob]:
    """Return the jobs of the sources and snapshots, first runs derived from their last runs."""
    entries: list[tuple[str, str, str, Schedule, ZoneInfo, datetime | None]] = [
        (
            "source",
            source.id,
            source.schedule,
            source.parsed_schedule,
            cfg.source_timezone(source),
            last_source_runs.get(source.id),
        )
        for source in sources
    ]
    crawler_tz = ZoneInfo(cfg.crawler.timezone)
    entries += [
        (
            "snapshot",
            snapshot.id,
            snapshot.schedule,
            parse_schedule(snapshot.schedule),
            crawler_tz,
            last_snapshots.get(snapshot.id),
        )
        for snapshot in snapshots
    ]
    due, intervals = {}, {}
    for kind, target, _, schedule, tz, last in entries:
        due[f"{kind}:{target}"] = due_time(schedule, last, now, tz)
        intervals[f"{kind}:{target}"] = schedule_interval(schedule, tz, now)
    first_runs = stagger_overdue(due, intervals, now)
    return [
        PlannedJob(kind, target, text, make_trigger(schedule, tz), first_runs[f"{kind}:{target}"])
        for kind, target, text, schedule, tz, _ in entries
    ]
