"""Source and snapshot schedules: "every 30m" intervals or 5-field cron expressions.

A schedule is parsed once, when the config is read, into an `IntervalSchedule`
or a `CronSchedule`. The parsed value builds its own APScheduler trigger and
says when it is next due; a cron expression is compiled once per timezone and
the compiled trigger is reused. This module does not run schedules: the daemon
registers the triggers.
"""

from __future__ import annotations

import copy
import re
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from apscheduler.triggers.base import BaseTrigger
from apscheduler.triggers.cron import CronTrigger
from apscheduler.triggers.interval import IntervalTrigger

from warta.config.durations import format_duration, parse_duration

_EVERY = re.compile(r"^\s*every\s+(\S+)\s*$", re.IGNORECASE)
_MIN_INTERVAL = timedelta(seconds=1)
_UTC = ZoneInfo("UTC")

SCHEDULE_HELP = (
    "use an interval such as 'every 30m', 'every 6h' or 'every 1d', or a cron expression such as '0 */6 * * *'"
)


@dataclass(frozen=True)
class IntervalSchedule:
    """Run every `interval`; `text` is how the config wrote it."""

    interval: timedelta
    text: str = field(default="", compare=False)

    def __str__(self) -> str:
        return self.text or f"every {format_duration(self.interval)}"

    def trigger(self, timezone: ZoneInfo, jitter: float | None = None) -> BaseTrigger:
        """Return a new APScheduler trigger that fires every interval from now on."""
        # not cached: an interval trigger starts counting when it is made
        return IntervalTrigger(seconds=self.interval.total_seconds(), timezone=timezone, jitter=jitter)

    def due_time(self, last_started: datetime | None, now: datetime, timezone: ZoneInfo) -> datetime:
        """Return one interval after the last start (possibly past, overdue), or `now` when it never ran."""
        return now if last_started is None else last_started + self.interval

    def interval_at(self, timezone: ZoneInfo, now: datetime) -> timedelta:
        """Return the time between two runs."""
        return self.interval


@dataclass(frozen=True)
class CronSchedule:
    """Run at the times a 5-field cron expression names, in the timezone given to its methods."""

    expression: str
    # compiled triggers (without jitter) by timezone: a cron expression is compiled once per timezone
    _compiled: dict[ZoneInfo, CronTrigger] = field(default_factory=dict, compare=False, repr=False)

    def __str__(self) -> str:
        return self.expression

    def trigger(self, timezone: ZoneInfo, jitter: float | None = None) -> CronTrigger:
        """Return the trigger of the expression in `timezone`: the cached one, or a copy of it with `jitter`."""
        compiled = self._compiled.get(timezone)
        if compiled is None:
            compiled = self._compiled[timezone] = CronTrigger.from_crontab(self.expression, timezone=timezone)
        if jitter is None:
            return compiled
        # from_crontab takes no jitter argument; the trigger reads the attribute when it fires, and the
        # cached trigger must stay jitter-free because due_time reads its exact fire times
        jittered = copy.copy(compiled)
        jittered.jitter = jitter
        return jittered

    def due_time(self, last_started: datetime | None, now: datetime, timezone: ZoneInfo) -> datetime:
        """Return the first time after the last start (possibly past, overdue); one that never ran waits."""
        after = last_started + timedelta(microseconds=1) if last_started else now
        fire = self.trigger(timezone).get_next_fire_time(None, after)
        assert isinstance(fire, datetime)  # a 5-field cron expression always fires again
        return fire

    def interval_at(self, timezone: ZoneInfo, now: datetime) -> timedelta:
        """Return the time between the next two fire times after `now`."""
        trigger = self.trigger(timezone)
        first = trigger.get_next_fire_time(None, now)
        assert isinstance(first, datetime)
        second = trigger.get_next_fire_time(first, first + timedelta(microseconds=1))
        assert isinstance(second, datetime)
        return second - first


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
        return IntervalSchedule(interval, text)
    fields = text.split()
    if len(fields) != 5:
        raise ValueError(f"{text!r} is not a schedule; {SCHEDULE_HELP}")
    schedule = CronSchedule(" ".join(fields))
    try:
        schedule.trigger(_UTC)  # compiling is the validation; the compiled trigger is kept
    except ValueError as exc:
        raise ValueError(f"{text!r} is not a valid cron expression ({exc}); {SCHEDULE_HELP}") from None
    return schedule


def to_schedule(value: object) -> Schedule:
    """Return `value` when it is a parsed schedule, else parse it as text (the config schema's validator)."""
    if isinstance(value, IntervalSchedule | CronSchedule):
        return value
    if not isinstance(value, str):
        raise ValueError(f"{value!r} is not a schedule; {SCHEDULE_HELP}")
    return parse_schedule(value)
