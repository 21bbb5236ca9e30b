"""Events announced by a story: which of its dates are events, and each event's name, kind, venue and status.

A story's title and sentences are read for dates (storage.event_dates). A date
becomes an event unless it is not one:

- it ended before the story was published (a past edition, a report of what
  happened, a historical date such as "pada 22 Juni 1527");
- it has no year and its sentence speaks of the past ("tahun lalu", "sejak",
  "last year"), so "next such date" would be wrong;
- it is the publication day itself without a time (a dateline, "diperbarui");
- it is the old date of a moved event ("semula 28-29 November"), when the
  story says another date;
- it is a day inside a range already found, of the same kind or of none, or
  any day inside a festival (one day of its program).

The kind comes from words near the date, then from the sentence, then from the
title; the venue from "di ...", "bertempat di ...", "Lokasi: ...", "at ..." in
the sentence, or else anywhere in the story. A story that says the event is
cancelled or postponed ("dibatalkan", "ditunda") marks its events cancelled.
This module is pure: storage.events stores what it returns per revision.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, replace
from datetime import date, datetime, time
from zoneinfo import ZoneInfo

from warta.storage.event_dates import DEFAULT_ZONE, MONTHS, WEEKDAYS, DateSpan, find_date_spans, find_time

_LOCAL_ZONE = ZoneInfo(DEFAULT_ZONE)

# Bump when the extraction rules change, so stored events can be recomputed.
EXTRACTOR_VERSION = "1"

KINDS = ("festival", "exhibition", "performance", "workshop", "deadline", "meeting", "other")
_KIND_WORDS = {
    "deadline": r"pendaftaran|mendaftar|daftar|registrasi|batas (?:akhir|waktu)|paling lambat|tenggat|ditutup"
    r"|deadline|open call|submissions?|applications?|apply|registration|closes|pengumpulan|pengiriman karya",
    "festival": r"festival\w*|pesta|karnaval|carnival|jakarnaval|lebaran|parade|pawai|fair|bazar|pasar seni|perayaan"
    r"|celebration|gebyar|biennale|bienal|market|pekan kuliner|pekan raya",
    "exhibition": r"pameran|exhibition|ekshibisi|eksibisi|exhibit|pamer",
    "workshop": r"lokakarya|workshop|pelatihan|kelas|class|masterclass|kursus|training|bimbingan teknis",
    "performance": r"pertunjukan|pentas|konser|concert|teater|theatre|theater|tari|tarian|dance|pagelaran|pergelaran"
    r"|performance|resital|recital|lenong|wayang|pemutaran|screening|film|opera|gamelan|orkes|orchestra|musik",
    "meeting": r"rapat|diskusi|discussion|seminar|sosialisasi|konferensi|conference|forum|meeting|session|sesi|talk"
    r"|sarasehan|temu|dialog|webinar|simposium|symposium|leadership exchange|lecture|kuliah umum|audiensi"
    r"|wawancara|interview",
}
_KIND_PATTERNS = {kind: re.compile(rf"\b(?:{words})\b", re.I) for kind, words in _KIND_WORDS.items()}
_DEADLINE_NAMES = {"id": "Batas pendaftaran", "en": "Deadline"}

_CANCELLED = re.compile(r"\b(?:dibatalkan|ditunda|batal digelar|cancell?ed|postponed)\b", re.I)
# a sentence about the past: a date in it without a year is not "the next such date"
_PAST = re.compile(
    r"\b(?:sejak|since|didirikan|berdiri|founded|established|lahir|born|wafat|died|tahun lalu|bulan lalu|pekan lalu"
    r"|minggu lalu|last year|last month|silam|sebelumnya|previous|pertama kali digelar|first held|telah digelar"
    r"|was held|were held|took place|berlangsung pada tahun)\b",
    re.I,
)
# a publication line: "Diterbitkan 19 November 2026", "Published on ...", "Updated ..."
_PUBLICATION = re.compile(
    r"\b(?:diterbitkan|dipublikasikan|diperbarui|diunggah|ditulis|published|posted|updated|last modified)\b", re.I
)
# a sentence about a plan that changed: "semula 28-29 November", "originally scheduled for"
_SUPERSEDED = re.compile(r"\b(?:semula|sedianya|originally|previously scheduled|was scheduled)\b", re.I)
_SENTENCE_END = re.compile(r"(?<=[.!?])\s+(?=[A-Z\"“(])|\n+")
_NOT_VENUE_WORDS = {word.casefold() for word in (*MONTHS, *WEEKDAYS)} | {"jakarta", "indonesia", "pukul", "wib"}
_CAPITALISED = r"[A-Z0-9][\w'’&-]*"
_PLACE_NAME = rf"{_CAPITALISED}(?:\s+(?:{_CAPITALISED}|of|the|de|di|dan|and)(?=\s|,|\.|$))*"
_VENUE = re.compile(
    rf"(?:\b(?:[Bb]ertempat|[Bb]erlokasi|[Dd]igelar|[Bb]erlangsung)\s+di|\b(?:Lokasi|Tempat|Venue|Location)\s*:|"
    rf"(?<![\w-])di|\bat)\s+(?:the\s+|kawasan\s+|pelataran\s+|halaman\s+|area\s+)?(?P<venue>{_PLACE_NAME})"
)
# a place named without "di"/"at": "Galeri Nasional Indonesia menggelar ...", "Erasmus Huis Jakarta presents ..."
_VENUE_NOUNS = (
    "Museum|Galeri|Gallery|Taman|Gedung|Teater|Theater|Theatre|Perpustakaan|Balai|Lapangan|Stadion|Anjungan|Aula"
    "|Auditorium|Sanggar|Pasar|Kineforum|Graha|Erasmus|Goethe|Salihara|Pos Bloc|Setu|Perkampungan|Monas|Kota Tua"
)
_NAMED_PLACE = re.compile(
    rf"\b(?P<venue>(?:{_VENUE_NOUNS})\b(?:\s+(?:{_CAPITALISED}|of|the|de|dan|and)(?=\s|,|\.|$))*)"
)
_VENUE_TRAILERS = re.compile(r"(?:\s+(?:of|the|de|di|dan|and))+$|[.,]$")


@dataclass(frozen=True)
class ExtractedEvent:
    """An event a story announces; times are None for an all-day event, `zone` is an IANA name."""

    position: int
    name: str
    kind: str
    starts_on: date
    ends_on: date
    start_time: time | None
    end_time: time | None
    zone: str
    venue: str
    is_cancelled: bool


def extract_events(title: str, text: str, published: date, language: str | None = None) -> list[ExtractedEvent]:
    """Return the events announced by a story with this title and text, published on `published`."""
    is_cancelled = bool(_CANCELLED.search(title) or _CANCELLED.search(text))
    sentences = split_sentences(text)
    story_venue = find_story_venue(title, sentences)
    events: list[ExtractedEvent] = []
    superseded: list[ExtractedEvent] = []
    for sentence in [title, *sentences]:
        spans = find_date_spans(sentence, published)
        if not spans and events:
            events[-1] = _with_time_of_next_sentence(events[-1], sentence)
        is_superseded = bool(_SUPERSEDED.search(sentence))
        for span in spans:
            event = _event(span, sentence, title, published, language, story_venue, is_cancelled)
            if event is None:
                continue
            if is_superseded:
                superseded.append(event)
                continue
            if span.start is None and events and _ends_earlier_event(events[-1], event):
                events[-1] = replace(events[-1], ends_on=event.ends_on)
            else:
                events = _merged(events, event)
    events = events or superseded  # the old date of a moved event is the event only when no new one is said
    return [replace(event, position=index) for index, event in enumerate(events)]


def split_sentences(text: str) -> list[str]:
    """Return the sentences of `text` (paragraphs split at sentence ends), without empty ones."""
    return [sentence.strip() for sentence in _SENTENCE_END.split(text) if sentence.strip()]


def classify(context: str, sentence: str, title: str) -> str:
    """Return the kind of event: from the words just before its date, then its sentence, then the title."""
    if _KIND_PATTERNS["deadline"].search(context):
        return "deadline"
    for place in (sentence, title):
        for kind, pattern in _KIND_PATTERNS.items():
            if kind != "deadline" and pattern.search(place):
                return kind
    return "other"


def find_venue(sentence: str) -> str:
    """Return the place a sentence names ("di Taman Ismail Marzuki", "Lokasi: Galeri Nasional"), or ""."""
    for pattern in (_VENUE, _NAMED_PLACE):
        for match in pattern.finditer(sentence):
            venue = _VENUE_TRAILERS.sub("", match["venue"]).strip()
            if venue and venue.split()[0].casefold().rstrip(".,") not in _NOT_VENUE_WORDS and not venue[0].isdigit():
                return venue
    return ""


def find_story_venue(title: str, sentences: list[str]) -> str:
    """Return the first place the title or a sentence names, for an event whose own sentence names none."""
    return next((venue for sentence in [title, *sentences] if (venue := find_venue(sentence))), "")


def _ends_earlier_event(earlier: ExtractedEvent, end: ExtractedEvent) -> bool:
    """Return True when an open end ("The festival ends on November 30") closes the event said before it."""
    return end.kind == earlier.kind != "deadline" and earlier.starts_on == earlier.ends_on < end.ends_on


def _with_time_of_next_sentence(event: ExtractedEvent, sentence: str) -> ExtractedEvent:
    """Return `event` with the time the sentence after its date says ("Pemutaran dimulai pukul 14.00 WIB")."""
    if event.start_time is not None:
        return event
    found = find_time(sentence)
    if found is None:
        return event
    start_time, end_time, zone = found
    return replace(event, start_time=start_time, end_time=end_time, zone=zone)


def _event(
    span: DateSpan,
    sentence: str,
    title: str,
    published: date,
    language: str | None,
    story_venue: str,
    is_cancelled: bool,
) -> ExtractedEvent | None:
    """Return the event a date span is, or None when the date is not an event (see the module docstring)."""
    if span.end < published or _PUBLICATION.search(sentence[max(0, span.offset - 40) : span.offset]):
        return None
    if not span.has_year and _PAST.search(sentence[: span.offset + 40]):
        return None
    context = sentence[max(0, span.offset - 60) : span.offset]
    kind = classify(context, sentence, title)
    start = span.start if span.start is not None else (span.end if kind == "deadline" else published)
    if start == published and span.end == published and span.start_time is None:
        return None
    is_named_deadline = kind != "deadline" or _KIND_PATTERNS["deadline"].search(title)
    name = title if is_named_deadline else f"{_DEADLINE_NAMES.get(language or 'id', 'Deadline')}: {title}"
    return ExtractedEvent(
        position=0,
        name=name,
        kind=kind,
        starts_on=start,
        ends_on=span.end,
        start_time=span.start_time,
        end_time=span.end_time,
        zone=span.zone,
        venue=find_venue(sentence) or story_venue,
        is_cancelled=is_cancelled,
    )


def _merged(events: list[ExtractedEvent], new: ExtractedEvent) -> list[ExtractedEvent]:
    """Return `events` with `new` added, unless it repeats one (then its time fills in) or lies inside a range."""
    for index, known in enumerate(events):
        if (known.starts_on, known.ends_on) == (new.starts_on, new.ends_on):
            if known.start_time is None and new.start_time is not None:
                events = list(events)
                events[index] = replace(known, start_time=new.start_time, end_time=new.end_time, zone=new.zone)
            return events
        is_inside = known.starts_on <= new.starts_on and new.ends_on <= known.ends_on
        is_part = new.kind in (known.kind, "other") or (known.kind == "festival" and new.kind != "deadline")
        if is_inside and known.starts_on != known.ends_on and is_part:
            return events
    return [*events, new]


@dataclass(frozen=True)
class StoryEvents:
    """The events a story announces, read with relative dates ("Sabtu ini") taken from the day `dated`."""

    dated: date
    events: tuple[ExtractedEvent, ...]


def story_events(
    title: str, text: str, language: str | None, published: datetime | None, fetched_at: datetime
) -> StoryEvents:
    """Return the events of a story published (or, without a date, fetched) at this time."""
    dated = story_day(published, fetched_at)
    return StoryEvents(dated, tuple(extract_events(title, text, dated, language)))


def story_day(published: datetime | None, fetched_at: datetime) -> date:
    """Return the day a story's relative dates count from: its publication's in Jakarta, or its fetch's."""
    return (published or fetched_at).astimezone(_LOCAL_ZONE).date()
