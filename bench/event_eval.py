"""The events evaluation: storage.event_extraction scored against labeled announcements.

bench/data/event_announcements.jsonl holds announcements written in the styles
of real ones (Disbud press releases, Kompas and ANTARA datelines, museum and
gallery notices, open calls, The Jakarta Post), in Indonesian and English. Each
has its publication date, the events a reader would put in a calendar (start,
end, and time, kind and venue where said) and `traps`: dates in the text that
are not events (historical, past editions, reports of the past, the
publication date). At least 20 announcements have no event at all.

Labeling conventions: an open end ("hingga 31 Januari") starts on the
publication day; a deadline is the closing day; one day of a festival's
program is part of the festival, not an event of its own.

The goals (the issue's): precision of start dates >= 0.95, recall >= 0.85, end
dates right in >= 0.9 of the found ranges, and no event from a publication or
historical date. tests/bench/test_event_eval.py holds extraction to them in
`make test`; `make bench` prints the figures and every miss.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

from bench.harness import BenchResult
from warta.storage.event_extraction import ExtractedEvent, extract_events

CASES_PATH = Path(__file__).resolve().parent / "data" / "event_announcements.jsonl"
GOALS = {"precision": 0.95, "recall": 0.85, "end_accuracy": 0.9}


@dataclass(frozen=True)
class Announcement:
    """One labeled announcement."""

    id: str
    language: str
    published: date
    title: str
    text: str
    events: list[dict[str, Any]]
    traps: list[date]


@dataclass
class EvalScore:
    """Counts over the whole set, with a line for each miss."""

    announcements: int = 0
    labeled: int = 0
    extracted: int = 0
    matched: int = 0
    ranges_found: int = 0
    ranges_end_right: int = 0
    timed_found: int = 0
    times_right: int = 0
    kinds_right: int = 0
    false_from_misleading_dates: int = 0
    misses: list[str] = field(default_factory=list)

    @property
    def precision(self) -> float:
        """Return the share of extracted events whose start date is a labeled event's."""
        return self.matched / self.extracted if self.extracted else 1.0

    @property
    def recall(self) -> float:
        """Return the share of labeled events found (by start date)."""
        return self.matched / self.labeled if self.labeled else 1.0

    @property
    def end_accuracy(self) -> float:
        """Return the share of found multi-day events whose end date is right."""
        return self.ranges_end_right / self.ranges_found if self.ranges_found else 1.0

    @property
    def time_accuracy(self) -> float:
        """Return the share of found events with a labeled time whose start time is right."""
        return self.times_right / self.timed_found if self.timed_found else 1.0

    @property
    def kind_accuracy(self) -> float:
        """Return the share of found events of the labeled kind."""
        return self.kinds_right / self.matched if self.matched else 1.0


def load_announcements(path: Path = CASES_PATH) -> list[Announcement]:
    """Return the labeled announcements of the evaluation set."""
    announcements = []
    for line in path.read_text(encoding="utf-8").splitlines():
        if not line.strip():
            continue
        row = json.loads(line)
        announcements.append(
            Announcement(
                id=row["id"],
                language=row["lang"],
                published=date.fromisoformat(row["published"]),
                title=row["title"],
                text=row["text"],
                events=row["events"],
                traps=[date.fromisoformat(trap) for trap in row["traps"]],
            )
        )
    return announcements


def score(announcements: list[Announcement]) -> EvalScore:
    """Return how extraction does on `announcements`."""
    result = EvalScore()
    for announcement in announcements:
        found = extract_events(announcement.title, announcement.text, announcement.published, announcement.language)
        _score_one(announcement, found, result)
    return result


def _score_one(announcement: Announcement, found: list[ExtractedEvent], result: EvalScore) -> None:
    """Add one announcement's matches and misses to `result`."""
    result.announcements += 1
    result.labeled += len(announcement.events)
    result.extracted += len(found)
    unmatched = list(found)
    for label in announcement.events:
        start, end = date.fromisoformat(label["start"]), date.fromisoformat(label["end"])
        event = next((event for event in unmatched if event.starts_on == start), None)
        if event is None:
            result.misses.append(f"{announcement.id}: missed {start}..{end}")
            continue
        unmatched.remove(event)
        result.matched += 1
        if start != end:
            result.ranges_found += 1
            result.ranges_end_right += event.ends_on == end
            if event.ends_on != end:
                result.misses.append(f"{announcement.id}: {start} ends {event.ends_on}, not {end}")
        if "time" in label:
            result.timed_found += 1
            is_right = event.start_time is not None and event.start_time.strftime("%H:%M") == label["time"]
            result.times_right += is_right
            if not is_right:
                result.misses.append(f"{announcement.id}: {start} at {event.start_time}, not {label['time']}")
        result.kinds_right += event.kind == label.get("kind", event.kind)
    for event in unmatched:
        misleading = event.starts_on in announcement.traps or event.starts_on <= announcement.published
        result.false_from_misleading_dates += misleading
        what = "from a misleading date" if misleading else "not labeled"
        result.misses.append(f"{announcement.id}: extra {event.starts_on}..{event.ends_on} ({what})")


def run() -> list[BenchResult]:
    """Score the evaluation set and return its figures held to the goals, the misses in the detail."""
    result = score(load_announcements())
    misses = "; ".join(result.misses) or "none"
    counts = f"{result.announcements} announcements, {result.labeled} labeled events, {result.extracted} extracted"
    return [
        BenchResult("events: start-date precision", result.precision, GOALS["precision"], True, counts),
        BenchResult("events: recall", result.recall, GOALS["recall"], True, f"misses: {misses}"),
        BenchResult(
            "events: end dates right in found ranges",
            result.end_accuracy,
            GOALS["end_accuracy"],
            True,
            f"{result.ranges_end_right}/{result.ranges_found}; times right {result.times_right}/{result.timed_found}, "
            f"kinds right {result.kinds_right}/{result.matched}",
        ),
        BenchResult(
            "events: from publication or historical dates",
            float(result.false_from_misleading_dates),
            0.0,
            False,
            "events whose start is a trap date, the publication day or earlier, and no labeled event's",
        ),
    ]
