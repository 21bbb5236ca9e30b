"""Human-friendly durations ("30m", "6h", "14d") and sizes ("10MB") used by config keys.

Pure parsing only: nothing here knows about the schema or the file it came from.
"""

from __future__ import annotations

import re
from datetime import timedelta

_DURATION = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*(ms|s|m|h|d|w)\s*$")
_DURATION_UNITS = {"ms": 0.001, "s": 1, "m": 60, "h": 3600, "d": 86400, "w": 7 * 86400}
_SIZE = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*(B|KB|MB|GB|KiB|MiB|GiB)?\s*$", re.IGNORECASE)
_SIZE_UNITS = {
    "b": 1,
    "kb": 1000,
    "mb": 1000**2,
    "gb": 1000**3,
    "kib": 1024,
    "mib": 1024**2,
    "gib": 1024**3,
}


def parse_duration(value: object) -> timedelta:
    """Return the timedelta for a number of seconds or a string such as "30s", "5m", "6h", "14d"."""
    if isinstance(value, timedelta):
        return value
    if isinstance(value, bool):
        raise ValueError(f"{value!r} is not a duration; use a number of seconds or a string like '30m'")
    if isinstance(value, int | float):
        if value < 0:
            raise ValueError(f"{value!r} is negative; a duration must be zero or more")
        return timedelta(seconds=value)
    if isinstance(value, str):
        match = _DURATION.match(value)
        if match:
            return timedelta(seconds=float(match.group(1)) * _DURATION_UNITS[match.group(2)])
    raise ValueError(f"{value!r} is not a duration; use a number of seconds or e.g. '30s', '15m', '6h', '14d'")


def format_duration(value: timedelta) -> str:
    """Return the shortest exact form of a duration, e.g. "6h" or "90s"."""
    seconds = value.total_seconds()
    for unit in ("w", "d", "h", "m", "s"):
        size = _DURATION_UNITS[unit]
        if seconds >= size and seconds % size == 0:
            return f"{int(seconds // size)}{unit}"
    return f"{seconds:g}s"


def parse_size(value: object) -> int:
    """Return a byte count for an integer or a string such as "10MB" or "512KiB"."""
    if isinstance(value, bool):
        raise ValueError(f"{value!r} is not a size; use a number of bytes or a string like '10MB'")
    if isinstance(value, int):
        if value <= 0:
            raise ValueError(f"{value!r} must be a positive number of bytes")
        return value
    if isinstance(value, str):
        match = _SIZE.match(value)
        if match:
            unit = (match.group(2) or "B").lower()
            size = int(float(match.group(1)) * _SIZE_UNITS[unit])
            if size > 0:
                return size
    raise ValueError(f"{value!r} is not a size; use a number of bytes or e.g. '512KB', '10MB'")
