"""Times and durations as the commands print them: local to [crawler] timezone, in two units at most."""

from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo


def local_time(when: datetime, zone: ZoneInfo) -> str:
    """Return `when` in `zone` to the minute, with the zone's abbreviation: 2026-12-03 20:15 WIB."""
    return f"{when.astimezone(zone):%Y-%m-%d %H:%M %Z}"


def span(duration: timedelta) -> str:
    """Return a duration in its two largest units, zeros left out: 45s, 5m, 1h 57m, 6h, 2d 3h."""
    seconds = max(0, round(duration.total_seconds()))
    if seconds < 60:
        return f"{seconds}s"
    days, minutes = divmod(seconds // 60, 1440)
    hours, minutes = divmod(minutes, 60)
    if days:
        parts = [(days, "d"), (hours, "h")]
    elif hours:
        parts = [(hours, "h"), (minutes, "m")]
    else:
        parts = [(minutes, "m")]
    return " ".join(f"{count}{unit}" for count, unit in parts if count)
