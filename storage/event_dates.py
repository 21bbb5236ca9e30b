"""Date expressions of one sentence: single days, ranges, open ends and times, in Indonesian and English.

`find_date_spans` returns every day or range a sentence names, with the time
and time zone said next to it. A single date ("28 November 2026", "Sabtu,
28 Nov", "November 28, 2026", "Sabtu (28/11)") is read by dateparser, which
knows the Indonesian and English month and weekday names. What dateparser does
not read is done here (tests/storage/test_event_dates.py holds one case of each,
and checks that dateparser still misses it):

- ranges within a month and across months or years: "28-30 November 2026",
  "28 Nov - 3 Des", "28 Desember 2026 s.d. 3 Januari 2027", "Nov 28-30, 2026";
- open ends: "hingga 31 Januari 2027", "sampai dengan 15 Desember" (no start);
- numeric day ranges with a weekday: "Sabtu-Minggu (28-29/11)";
- a time range: "pukul 19.00-22.00 WIB" (dateparser reads "19.00-22.00" as a
  day in 2000, and a date followed by a time range not at all), and a time in
  another part of the sentence than the date ("7.30 pm", "pukul 19.30 WIB");
- which IANA zone WIB, WITA and WIT name (dateparser gives fixed offsets);
- a date without a year is the next such date on or after publication, except
  a date a few weeks before it, which is a report of the past ("kata dia,
  Senin (23/11)") rather than an event a year ahead.

Bare years ("sejak 1527", "pada 1619") are never dates here: a date needs a day
and a month. Which dates are events is decided in storage.event_extraction.
"""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

# How far back a date without a year may be and still be read as this year's (a report of the past).
RECENT_PAST_DAYS = 45

ZONES = {"wib": "Asia/Jakarta", "wita": "Asia/Makassar", "wit": "Asia/Jayapura", "cet": "CET", "cest": "CET"}
DEFAULT_ZONE = "Asia/Jakarta"

MONTHS = {
    "januari": 1, "january": 1, "jan": 1,
    "februari": 2, "pebruari": 2, "february": 2, "feb": 2, "peb": 2,
    "maret": 3, "march": 3, "mar": 3,
    "april": 4, "apr": 4,
    "mei": 5, "may": 5,
    "juni": 6, "june": 6, "jun": 6,
    "juli": 7, "july": 7, "jul": 7,
    "agustus": 8, "august": 8, "agu": 8, "agt": 8, "agst": 8, "aug": 8,
    "september": 9, "sept": 9, "sep": 9,
    "oktober": 10, "october": 10, "okt": 10, "oct": 10,
    "november": 11, "nopember": 11, "nov": 11, "nop": 11,
    "desember": 12, "december": 12, "des": 12, "dec": 12,
}  # fmt: skip
WEEKDAYS = {
    "senin": 0, "selasa": 1, "rabu": 2, "kamis": 3, "jumat": 4, "jum'at": 4, "sabtu": 5, "minggu": 6, "ahad": 6,
    "monday": 0, "tuesday": 1, "wednesday": 2, "thursday": 3, "friday": 4, "saturday": 5, "sunday": 6,
    "mon": 0, "tue": 1, "wed": 2, "thu": 3, "fri": 4, "sat": 5, "sun": 6,
}  # fmt: skip

_M = r"(?:" + "|".join(sorted(MONTHS, key=len, reverse=True)) + r")\b\.?"
_WD = r"(?:" + "|".join(sorted(WEEKDAYS, key=len, reverse=True)) + r")\b\.?"
_D = r"(?:3[01]|[12]\d|0?[1-9])(?:st|nd|rd|th)?(?!\d)"
_Y = r"[12]\d{3}(?!\d)"
_TO = r"\s*(?:-|–|—|s\.\s?d\.?|s/d|sampai\s+dengan|sampai|hingga|until|till|through|to)\s*"
_DAY_PAIR = r"\s*(?:dan|and|&)\s*"

# "28 November 2026", "Sabtu, 28 Nov", "28th November"
_DAY_MONTH = re.compile(rf"\b(?:(?P<wd>{_WD}),?\s+)?(?P<d>{_D})\s+(?P<m>{_M})(?:,?\s+(?P<y>{_Y}))?", re.I)
# "November 28, 2026", "Saturday, November 28", "Nov 28-30, 2026"
_MONTH_DAY = re.compile(
    rf"\b(?:(?P<wd>{_WD}),?\s+)?(?P<m>{_M})\s+(?P<d>{_D})(?:(?:{_TO}|{_DAY_PAIR})(?P<d2>{_D}))?(?:,?\s+(?P<y>{_Y}))?",
    re.I,
)
# "Sabtu (28/11)", "Sabtu-Minggu (28-29/11)", "(28/11/2026)", "tanggal 28/11"
_NUMERIC = re.compile(
    rf"(?:\b(?P<wd>{_WD})(?:\s*-\s*{_WD})?\s*,?\s*\(?|\(|\b(?:tanggal|tgl\.?)\s+)\s*"
    rf"(?:(?P<d0>{_D})\s*[-–]\s*)?(?P<d>{_D})/(?P<m>1[0-2]|0?[1-9])(?:/(?P<y>{_Y}|\d{{2}}))?(?!\d)\)?",
    re.I,
)
# a bare day before a range's second half: the "28" of "28-30 November", "28 dan 29 November"
_LEADING_DAY = re.compile(rf"(?:\b(?P<wd>{_WD}),?\s+)?\b(?P<d>{_D})(?:{_TO}|{_DAY_PAIR})$", re.I)
_OPEN_END = re.compile(
    r"(?:hingga|sampai\s+dengan|sampai|s\.\s?d\.?|s/d|until|till|through|berakhir|ends?)(?:\s+(?:on|pada))?\s*$", re.I
)
_TIME = re.compile(
    r"(?P<prefix>\b(?:pukul|pkl\.?|jam|at|from|mulai)\s+)?(?<![\d.,:])(?P<h>2[0-3]|[01]?\d)(?!\d)(?:[.:](?P<mi>[0-5]\d))?"
    r"(?:\s*(?P<ampm>[ap]\.?m\.?)(?!\w))?"
    r"(?:\s*(?:-|–|—|s\.\s?d\.?|s/d|sampai|hingga|to|until)\s*(?P<h2>2[0-3]|[01]?\d)(?!\d)(?:[.:](?P<mi2>[0-5]\d))?"
    r"(?:\s*(?P<ampm2>[ap]\.?m\.?)(?!\w))?)?(?![\d.,:]\d)"
    r"(?:\s*(?P<zone>WIB|WITA|WIT|CET|CEST)\b)?",
    re.I,
)
_DIGIT = re.compile(r"\d")


@dataclass(frozen=True)
class DateSpan:
    """A day or range named in a sentence; `start` is None for an open end ("hingga 31 Januari")."""

    start: date | None
    end: date
    start_time: time | None
    end_time: time | None
    zone: str
    has_year: bool
    offset: int  # where the expression starts in the sentence

    @property
    def is_range(self) -> bool:
        """Return True when the span covers more than one day (or has an open start)."""
        return self.start != self.end


@dataclass(frozen=True)
class _Atom:
    """One date as written, before its year is known; `day0` is a leading day of a range in the same month."""

    start: int
    end: int
    day: int
    month: str  # as written ("Nov", "Desember", "11"): dateparser reads it
    year: int | None
    weekday: int | None
    day0: int | None = None


def find_date_spans(sentence: str, base: date) -> list[DateSpan]:
    """Return the days and ranges named in `sentence`, a date without a year read relative to `base`."""
    atoms = _atoms(sentence)
    spans: list[DateSpan] = []
    index = 0
    while index < len(atoms):
        first = atoms[index]
        second = atoms[index + 1] if index + 1 < len(atoms) else None
        if second is not None and re.fullmatch(_TO, sentence[first.end : second.start], re.I):
            span = _range(first, second, base)
            index += 2
        else:
            span = _single(first, sentence, base)
            index += 1
        if span is not None:
            spans.append(_with_time(span, sentence, first.start))
    return spans


def _atoms(sentence: str) -> list[_Atom]:
    """Return every date written in `sentence`, left to right, without overlaps."""
    # Each pattern tries its weekday and month names at every position of the sentence, but none
    # matches without a day in digits, nor the numeric one without its slash: most sentences are
    # skipped at the cost of one scan.
    if _DIGIT.search(sentence) is None:
        return []
    found: list[_Atom] = []
    for pattern in (_NUMERIC, _DAY_MONTH, _MONTH_DAY) if "/" in sentence else (_DAY_MONTH, _MONTH_DAY):
        for match in pattern.finditer(sentence):
            if any(match.start() < atom.end and atom.start < match.end() for atom in found):
                continue
            atom = _atom(match, sentence)
            if atom is not None:
                found.append(atom)
    return sorted(found, key=lambda atom: atom.start)


def _atom(match: re.Match[str], sentence: str) -> _Atom | None:
    """Return the date a match wrote, with a leading day of a range when one precedes it."""
    groups = match.groupdict()
    month = groups["m"].rstrip(".").lower()
    day = _day(groups["d"])
    year = _year(groups.get("y"))
    weekday = WEEKDAYS[groups["wd"].rstrip(".").lower()] if groups.get("wd") else None
    start = match.start()
    day0: int | None = None
    if groups.get("d0"):
        day0 = _day(groups["d0"])
    elif groups.get("d2"):  # "Nov 28-30": the match's own day leads
        day0, day = day, _day(groups["d2"])
    else:
        leading = _LEADING_DAY.search(sentence[: match.start()])
        if leading is not None and groups.get("wd") is None:
            day0, start = _day(leading["d"]), leading.start()
            weekday = WEEKDAYS[leading["wd"].rstrip(".").lower()] if leading["wd"] else None
    if day0 is not None and day0 >= day:
        day0 = None
    return _Atom(start, match.end(), day, month, year, weekday, day0)


def _day(text: str) -> int:
    return int(re.sub(r"\D", "", text))


def _year(text: str | None) -> int | None:
    if not text:
        return None
    return int(text) if len(text) == 4 else 2000 + int(text)


def _single(atom: _Atom, sentence: str, base: date) -> DateSpan | None:
    """Return the span of one written date: a day, a same-month range, or an open end."""
    day = _resolve(atom.day, atom.month, atom.year, atom.weekday if atom.day0 is None else None, base)
    if day is None:
        return None
    if atom.day0 is not None:
        first = _build_date(day.year, atom.month, atom.day0)
        return DateSpan(first, day, None, None, DEFAULT_ZONE, atom.year is not None, atom.start)
    if _OPEN_END.search(sentence[: atom.start]):
        return DateSpan(None, day, None, None, DEFAULT_ZONE, atom.year is not None, atom.start)
    return DateSpan(day, day, None, None, DEFAULT_ZONE, atom.year is not None, atom.start)


def _range(first: _Atom, second: _Atom, base: date) -> DateSpan | None:
    """Return the range from one written date to the next ("28 Nov - 3 Des", "28 Desember 2026 s.d. 3 Januari")."""
    end = _resolve(second.day, second.month, second.year or first.year, second.weekday, base)
    if end is None:
        return None
    start = _build_date(first.year or end.year, first.month, first.day0 or first.day)
    if start is not None and start > end and first.year is None:  # "28 Des - 3 Jan 2027" starts in 2026
        start = _build_date(end.year - 1, first.month, first.day0 or first.day)
    if start is None or start > end:
        return None
    return DateSpan(start, end, None, None, DEFAULT_ZONE, (first.year or second.year) is not None, first.start)


def _resolve(day: int, month: str, year: int | None, weekday: int | None, base: date) -> date | None:
    """Return the date of day/month/year, a missing year chosen relative to `base` (and agreeing with `weekday`)."""
    if year is not None:
        return _build_date(year, month, day)
    candidates = [found for y in (base.year - 1, base.year, base.year + 1) if (found := _build_date(y, month, day))]
    if weekday is not None:
        agreeing = [found for found in candidates if found.weekday() == weekday]
        candidates = agreeing or candidates
    recent_past = base - timedelta(days=RECENT_PAST_DAYS)
    ahead = [found for found in candidates if found >= recent_past]
    return min(ahead) if ahead else None


@functools.lru_cache(maxsize=4096)
def _build_date(year: int, month: str, day: int) -> date | None:
    """Return the day dateparser reads in "day month year" (month as written), or None when there is no such day."""
    import dateparser  # imported on first use: it costs a quarter of a second, which a command without dates skips

    settings = {"DATE_ORDER": "DMY", "STRICT_PARSING": True}
    parsed: datetime | None = dateparser.parse(f"{day} {month} {year}", languages=["id", "en"], settings=settings)
    if parsed is not None:
        return parsed.date()
    if month in MONTHS:  # an abbreviation dateparser does not know ("Agst")
        try:
            return date(year, MONTHS[month], day)
        except ValueError:
            return None
    return None


def _with_time(span: DateSpan, sentence: str, offset: int) -> DateSpan:
    """Return `span` with the time said after it in the sentence (or before it), when there is one."""
    match = _time_after(sentence, offset) or _time_before(sentence, offset)
    if match is None:
        return span
    start_time = _clock(match["h"], match["mi"], match["ampm"] or match["ampm2"])
    end_time = _clock(match["h2"], match["mi2"], match["ampm2"]) if match["h2"] else None
    zone = ZONES[match["zone"].lower()] if match["zone"] else DEFAULT_ZONE
    return DateSpan(span.start, span.end, start_time, end_time, zone, span.has_year, span.offset)


def find_time(sentence: str) -> tuple[time, time | None, str] | None:
    """Return the first clock time a sentence says (start, end, zone), for a date said in the sentence before."""
    match = _time_after(sentence, 0)
    if match is None:
        return None
    start_time = _clock(match["h"], match["mi"], match["ampm"] or match["ampm2"])
    assert start_time is not None
    end_time = _clock(match["h2"], match["mi2"], match["ampm2"]) if match["h2"] else None
    return start_time, end_time, ZONES[match["zone"].lower()] if match["zone"] else DEFAULT_ZONE


def _time_after(sentence: str, offset: int) -> re.Match[str] | None:
    return next((match for match in _TIME.finditer(sentence, offset) if _is_time(match)), None)


def _time_before(sentence: str, offset: int) -> re.Match[str] | None:
    return next((match for match in _TIME.finditer(sentence[:offset]) if _is_time(match)), None)


def _is_time(match: re.Match[str]) -> bool:
    """Return True when a number is a clock time: said with "pukul"/"at", a zone, or am/pm, and minutes or am/pm."""
    has_marker = bool(match["prefix"] or match["zone"] or match["ampm"] or match["ampm2"])
    has_form = bool(match["mi"] or match["ampm"] or match["ampm2"])
    return has_marker and has_form


def _clock(hours: str | None, minutes: str | None, ampm: str | None) -> time | None:
    """Return the time of hours, minutes and an optional am/pm."""
    if hours is None:
        return None
    hour = int(hours)
    if ampm and ampm.lower().startswith("p") and hour < 12:
        hour += 12
    if ampm and ampm.lower().startswith("a") and hour == 12:
        hour = 0
    return time(hour, int(minutes or 0))
