"""The culture events calendars: iCalendar (RFC 5545) files of the events the archive's stories announce.

One calendar per feed (`events/all.ics`, `events/<topic-id>.ics`,
`events/<source-id>.ics`), written with the `icalendar` library. Each event has
a UID stable across edits (its story's and its position there), SEQUENCE and
LAST-MODIFIED that move when an edit changes it, the story's link as URL, the
venue as LOCATION and STATUS:CANCELLED when the story says so or disappeared.
Times carry their zone (Asia/Jakarta for WIB, Asia/Makassar for WITA, ...)
with its VTIMEZONE; Asia/Jakarta's is always included, as the calendar's own.
An event with a time over several days is written as whole days, its time in
the description. DTSTAMP is the event's last change, so a rebuild of an
unchanged archive writes the same bytes. The events come from storage.events.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import icalendar

from warta.storage.event_dates import DEFAULT_ZONE
from warta.storage.events import CalendarEvent

PRODID = "-//warta//Jakarta culture events//EN"
# Events that ended longer ago than this are left out, so a calendar does not grow with the archive forever.
CALENDAR_PAST_DAYS = 180
KIND_LABELS = {
    "festival": "Festival",
    "exhibition": "Exhibition",
    "performance": "Performance",
    "workshop": "Workshop",
    "deadline": "Deadline",
    "meeting": "Meeting",
    "other": "Event",
}


def calendar_path(key: str) -> str:
    """Return the calendar file of a feed key ("all", a topic id or a source id), relative to the feed folder."""
    return f"events/{key}.ics"


def render_calendar(events: Sequence[CalendarEvent], name: str, description: str) -> bytes:
    """Return an iCalendar file holding `events`."""
    calendar = icalendar.Calendar()
    calendar.add("prodid", PRODID)
    calendar.add("version", "2.0")
    calendar.add("calscale", "GREGORIAN")
    calendar.add("method", "PUBLISH")
    calendar.add("x-wr-calname", name)
    calendar.add("x-wr-caldesc", description)
    calendar.add("x-wr-timezone", DEFAULT_ZONE)
    calendar.add_component(icalendar.Timezone.from_tzid(DEFAULT_ZONE))
    for event in events:
        calendar.add_component(_component(event))
    calendar.add_missing_timezones()
    return bytes(calendar.to_ical())


def _component(event: CalendarEvent) -> icalendar.Event:
    """Return the VEVENT of one event."""
    component = icalendar.Event()
    component.add("uid", event.uid)
    component.add("dtstamp", event.changed_at)
    component.add("last-modified", event.changed_at)
    component.add("sequence", event.sequence)
    component.add("summary", event.name)
    start, end = _bounds(event)
    component.add("dtstart", start)
    if end is not None:
        component.add("dtend", end)
    component.add("status", "CANCELLED" if event.is_cancelled else "CONFIRMED")
    component.add("url", event.story_url)
    if event.venue:
        component.add("location", event.venue)
    component.add("categories", [KIND_LABELS[event.kind]])
    component.add("description", _description(event))
    return component


def _bounds(event: CalendarEvent) -> tuple[date | datetime, date | datetime | None]:
    """Return DTSTART and DTEND: times in the event's zone on one day, else whole days (DTEND the day after)."""
    if event.start_time is None or event.starts_on != event.ends_on:
        return event.starts_on, event.ends_on + timedelta(days=1)
    zone = ZoneInfo(event.zone)
    start = datetime.combine(event.starts_on, event.start_time, zone)
    if event.end_time is None:
        return start, None
    end = datetime.combine(event.ends_on, event.end_time, zone)
    return start, end if end > start else end + timedelta(days=1)


def _description(event: CalendarEvent) -> str:
    """Return the event's description: its kind, its time when written as whole days, and its story."""
    lines = [KIND_LABELS[event.kind]]
    if event.start_time is not None and event.starts_on != event.ends_on:
        until = f"-{event.end_time:%H:%M}" if event.end_time else ""
        lines.append(f"{event.start_time:%H:%M}{until} ({event.zone})")
    if event.is_cancelled:
        lines.append("Cancelled or postponed, or the announcement was taken down.")
    lines.append(event.story_url)
    return "\n".join(lines)
