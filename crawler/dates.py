"""Publication dates written the Indonesian or English way, as aware datetimes.

Understands ISO 8601, RFC 822, day-month-year with Indonesian or English month names and
abbreviations (``23 Nop 2026``, ``16 Februari 2016``, ``Agt``), numeric dates in Indonesian
day/month/year order (``23/11/2026``, ``23-11-2026``), English ``November 23, 2026``, and a
time after the date (``14:05``, ``14.05``, ``2:05 PM``) with an optional zone (``WIB`` +07:00,
``WITA`` +08:00, ``WIT`` +09:00, ``GMT``/``UTC``/``Z``, ``+0700``). A value without a zone is
in the caller's default timezone; a date without a time is midnight there, and
`ParsedDate.has_time` says so. Two-digit years, Hijri calendar dates and relative dates
("2 jam lalu") are not parsed: Hijri years fall outside `YEAR_RANGE` and are skipped.
"""

from __future__ import annotations

import logging
import re
from datetime import datetime, timedelta, timezone, tzinfo
from typing import NamedTuple

logger = logging.getLogger(__name__)

YEAR_RANGE = range(1970, 2101)
MONTHS = {
    1: ("januari", "january", "jan"),
    2: ("februari", "pebruari", "february", "feb", "peb"),
    3: ("maret", "march", "mar"),
    4: ("april", "apr"),
    5: ("mei", "may"),
    6: ("juni", "june", "jun"),
    7: ("juli", "july", "jul"),
    8: ("agustus", "august", "agust", "agu", "agt", "ags", "aug"),
    9: ("september", "sept", "sep"),
    10: ("oktober", "october", "okt", "oct"),
    11: ("november", "nopember", "nov", "nop"),
    12: ("desember", "december", "des", "dec"),
}
MONTH_NUMBERS = {name: number for number, names in MONTHS.items() for name in names}
ZONES = {
    "wib": timedelta(hours=7),
    "wita": timedelta(hours=8),
    "wit": timedelta(hours=9),
    "gmt": timedelta(0),
    "utc": timedelta(0),
    "z": timedelta(0),
}

_MONTH = "|".join(sorted(MONTH_NUMBERS, key=len, reverse=True))
# November 23, 2026
_MONTH_FIRST = re.compile(
    rf"(?<![\w])(?P<mname>{_MONTH})(?![a-z])\.?\s+(?P<day>\d{{1,2}})(?:st|nd|rd|th)?,?\s+(?P<year>\d{{4}})(?!\d)",
    re.I,
)
_DATE_PATTERNS = (
    # 2026-11-23, optionally with T14:05[:00[.123]]
    re.compile(r"(?<!\d)(?P<year>\d{4})-(?P<month>\d{1,2})-(?P<day>\d{1,2})(?!\d)(?:\s*T|\s)?(?=\d{2}:)?"),
    # 23 November 2026, 23 Nop 2026, 04 November, 2015, 23-Nov-2026
    re.compile(
        rf"(?<![\w])(?P<day>\d{{1,2}})(?:st|nd|rd|th)?[\s.-]*(?P<mname>{_MONTH})(?![a-z])\.?[\s,.-]*(?P<year>\d{{4}})(?!\d)",
        re.I,
    ),
    _MONTH_FIRST,
    # 23/11/2026, 23-11-2026, 23.11.2026 (Indonesian order: day first)
    re.compile(r"(?<![\d/.-])(?P<day>\d{1,2})(?P<sep>[/.-])(?P<month>\d{1,2})(?P=sep)(?P<year>\d{4})(?!\d)"),
)
# every date pattern holds a four-digit year; "November 23, 2026" also needs what follows its month name,
# and that pattern tries its month names at every word, so it is skipped in texts without that sequence
_YEAR_DIGITS = re.compile(r"\d{4}")
_DAY_COMMA_YEAR = re.compile(r"\s\d{1,2}(?:st|nd|rd|th)?,?\s+\d{4}(?!\d)", re.I)
_WITHOUT_MONTH_FIRST = tuple(pattern for pattern in _DATE_PATTERNS if pattern is not _MONTH_FIRST)
_TIME = re.compile(
    r"""[\s,|–—-]*(?:pukul\s+|jam\s+|at\s+)?
    (?P<hour>\d{1,2})[:.](?P<minute>\d{2})(?:[:.](?P<second>\d{2})(?:\.\d+)?)?(?!\d)
    \s*(?P<ampm>[ap]\.?m\.?(?![a-z]))?
    \s*(?P<zone>wita|wit|wib|gmt|utc|z(?![a-z])|[+-]\d{2}(?::?\d{2})?)?(?![a-z])""",
    re.I | re.X,
)


class ParsedDate(NamedTuple):
    """A parsed instant, and whether the text gave a time of day (else it is local midnight)."""

    value: datetime
    has_time: bool


def parse_date(text: str, default_tz: tzinfo) -> datetime | None:
    """Return the aware datetime written in `text` (a metadata value or a date line), or None."""
    parsed = parse_date_detail(text, default_tz)
    return parsed.value if parsed else None


def find_date_in_text(text: str, default_tz: tzinfo) -> datetime | None:
    """Return the first valid date (with its time, if any) found in visible text, or None."""
    parsed = find_date_detail(text, default_tz)
    return parsed.value if parsed else None


def parse_date_detail(text: str, default_tz: tzinfo) -> ParsedDate | None:
    """Return the date in a metadata value with whether it carries a time, or None."""
    value = text.strip()
    iso = _parse_iso(value, default_tz)
    return iso if iso else find_date_detail(value, default_tz)


def find_date_detail(text: str, default_tz: tzinfo) -> ParsedDate | None:
    """Return the earliest valid date in `text` with whether it carries a time, or None."""
    if not _YEAR_DIGITS.search(text):
        return None
    patterns = _DATE_PATTERNS if _DAY_COMMA_YEAR.search(text) else _WITHOUT_MONTH_FIRST
    matches = sorted(
        (match for pattern in patterns for match in pattern.finditer(text)),
        key=lambda match: match.start(),
    )
    for match in matches:
        parsed = _build(match, text, default_tz)
        if parsed:
            return parsed
    return None


def _parse_iso(value: str, default_tz: tzinfo) -> ParsedDate | None:
    """Return a strict ISO 8601 value (date or date-time) as a ParsedDate, or None."""
    if not re.fullmatch(r"\d{4}-\d{2}-\d{2}([T ]\d{2}:\d{2}(:\d{2}(\.\d+)?)?\s*(Z|[+-]\d{2}(:?\d{2})?)?)?", value):
        return None
    try:
        parsed = datetime.fromisoformat(value.replace(" ", "T", 1) if "T" not in value else value)
    except ValueError:
        return None
    if parsed.year not in YEAR_RANGE:
        return None
    has_time = len(value) > 10
    return ParsedDate(parsed if parsed.tzinfo else parsed.replace(tzinfo=default_tz), has_time)


def _build(match: re.Match[str], text: str, default_tz: tzinfo) -> ParsedDate | None:
    """Return the date of a pattern match with the time that follows it, or None when invalid."""
    fields = match.groupdict()
    month = MONTH_NUMBERS[fields["mname"].lower()] if fields.get("mname") else int(fields["month"])
    year, day = int(fields["year"]), int(fields["day"])
    if year not in YEAR_RANGE:
        return None
    try:
        date = datetime(year, month, day)
    except ValueError:
        logger.debug("not a calendar date: %r", match.group(0))
        return None
    time = _TIME.match(text, match.end())
    if not time:
        return ParsedDate(date.replace(tzinfo=default_tz), False)
    return _with_time(date, time, default_tz)


def _with_time(date: datetime, time: re.Match[str], default_tz: tzinfo) -> ParsedDate | None:
    """Return `date` at the time (and zone) of a time match, or the bare date when the time is invalid."""
    hour, minute = int(time["hour"]), int(time["minute"])
    second = int(time["second"] or 0)
    if time["ampm"]:
        hour = hour % 12 + (12 if time["ampm"].lower().startswith("p") else 0)
    if hour > 23 or minute > 59 or second > 59:
        return ParsedDate(date.replace(tzinfo=default_tz), False)
    zone = _zone(time["zone"], default_tz)
    return ParsedDate(date.replace(hour=hour, minute=minute, second=second, tzinfo=zone), True)


def _zone(name: str | None, default_tz: tzinfo) -> tzinfo:
    """Return the timezone for a zone token (WIB, GMT, +0700, ...), or the default when absent."""
    if not name:
        return default_tz
    offset = ZONES.get(name.lower())
    if offset is None:
        sign = -1 if name[0] == "-" else 1
        digits = name[1:].replace(":", "")
        offset = sign * timedelta(hours=int(digits[:2]), minutes=int(digits[2:] or 0))
    return timezone(offset)
