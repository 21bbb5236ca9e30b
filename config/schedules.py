"""Source and snapshot schedules: "every 30m" intervals or 5-field cron expressions.

This module parses and describes schedules. It does not run them: the daemon
turns a parsed schedule into an APScheduler trigger.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from apscheduler.triggers.cron import CronTrigger
from warta.config.durations import parse_duration

_EVERY = re.compile(r"^\s*every\s+(\S+)\s*$", re.IGNORECASE)
_MIN_INTERVAL = timedelta(seconds=1)

SCHEDULE_HELP = (
    "use an interval such as 'every 30m', 'every 6h' or 'every 1d', or a cron expression such as '0 */6 * * *'"
)


@dataclass(frozen=True)
class IntervalSchedule:
    """Run every `interval`."""

    interval: timedelta


@dataclass(frozen=True)
class CronSchedule:
    """Run at the times a 5-field cron expression names, in the crawler's timezone."""

    expression: str


Schedule = IntervalSchedule | CronSchedule


def parse_schedule(text: str) -> Schedule:
    """Return the schedule a config string describes, or raise ValueError saying how to write one."""
    if not isinstance(text, str) or not text.strip():
        raise ValueError(f"{text!r} is not a schedule; {SCHEDULE_HELP}")
    match = _EVERY.match(text)
    if match:
        try:
            interval = parse_duration(match.group(1))
        except ValueError:
            raise ValueError(f"{text!r} is not a schedule; {SCHEDULE_HELP}") from None
        if interval < _MIN_INTERVAL:
            raise ValueError(f"{text!r} is too frequent; the shortest interval is 'every 1s'")
        return IntervalSchedule(interval)
    fields = text.split()
    if len(fields) != 5:
        raise ValueError(f"{text!r} is not a schedule; {SCHEDULE_HELP}")
    try:
        CronTrigger.from_crontab(" ".join(fields), timezone="UTC")
    except ValueError as exc:
        raise ValueError(f"{text!r} is not a valid cron expression ({exc}); {SCHEDULE_HELP}") from None
    return CronSchedule(" ".join(fields))


def due_time(schedule: Schedule, last_started: datetime | None, now: datetime, timezone: ZoneInfo) -> datetime:
    """Return when the job is due: possibly in the past (overdue), or `now` when it never ran.

    An interval is due one interval after the last start. A cron schedule is due at its
    first time after the last start; a cron job that never ran waits for its next time.
    """
    if isinstance(schedule, IntervalSchedule):
        return now if last_started is None else last_started + schedule.interval
    assert isinstance(schedule, CronSchedule)
    trigger = CronTrigger.from_crontab(schedule.expression, timezone=timezone)
    after = last_started or now
    fire = trigger.get_next_fire_time(None, after + timedelta(microseconds=1) if last_started else after)
    assert isinstance(fire, datetime)  # a 5-field cron expression always fires again
    return fire
