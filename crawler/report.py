"""What a crawl reports: counts and outcome per source, and live progress events.

These are plain dataclasses that cross process boundaries (a crawl in a child
process prints its progress as JSON lines), so they convert to and from plain data.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import asdict, dataclass, field, fields
from typing import Any

from warta.storage.runs import RunCounts

# A source run ends in one of these; "ok" also covers runs with page errors (counted, not fatal).
SOURCE_STATUSES = ("ok", "failed", "timeout", "interrupted")
# the key that marks a progress line among a crawl child's output
PROGRESS_KEY = "progress"


@dataclass
class SourceReport:
    """The outcome of crawling one source once."""

    id: str
    status: str = "ok"
    error: str = ""
    seconds: float = 0.0
    run_id: int | None = None
    requests: int = 0
    bytes: int = 0
    new: int = 0
    changed: int = 0
    unchanged: int = 0
    not_modified: int = 0
    gone: int = 0
    skipped: int = 0
    errors: int = 0
    links_found: int = 0
    empty_pages: int = 0
    skipped_pages: list[list[str]] = field(default_factory=list)

    @classmethod
    def from_counts(cls, source_id: str, counts: RunCounts, **outcome: Any) -> SourceReport:
        """Return a report holding the run's counts and the given outcome fields."""
        values: dict[str, Any] = {**counts.as_dict(), **outcome}
        return cls(id=source_id, **values)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> SourceReport:
        """Return the report serialized by `as_dict`, ignoring unknown keys."""
        names = {item.name for item in fields(cls)}
        return cls(**{key: value for key, value in data.items() if key in names})

    def as_dict(self) -> dict[str, Any]:
        """Return every field by name."""
        return asdict(self)

    @property
    def has_run(self) -> bool:
        """Return True when the source was crawled (page errors allowed)."""
        return self.status == "ok"


@dataclass
class CrawlReport:
    """The outcome of one crawl of one or more sources, in the order they were requested."""

    sources: list[SourceReport] = field(default_factory=list)

    def source(self, source_id: str) -> SourceReport:
        """Return the report of one source, or raise KeyError."""
        for report in self.sources:
            if report.id == source_id:
                return report
        raise KeyError(source_id)

    @property
    def all_ran(self) -> bool:
        """Return True when every source ran (exit status 0 of `warta crawl`)."""
        return all(report.has_run for report in self.sources)

    def as_dict(self) -> dict[str, Any]:
        """Return the report as plain JSON-ready data."""
        return {"sources": [report.as_dict() for report in self.sources]}

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> CrawlReport:
        """Return the report serialized by `as_dict`."""
        return cls([SourceReport.from_dict(item) for item in data.get("sources", [])])


@dataclass(frozen=True)
class ProgressEvent:
    """A snapshot of one source's progress, sent to the progress callback as the crawl goes."""

    source_id: str
    fetched: int
    queued: int
    new: int
    changed: int
    errors: int
    finished: bool = False
    run_id: int | None = None

    def as_line(self) -> str:
        """Return the event as one JSON line, as a crawl child prints it for the process that started it."""
        return json.dumps({PROGRESS_KEY: asdict(self)}, ensure_ascii=False)

    @classmethod
    def from_line(cls, line: str) -> ProgressEvent | None:
        """Return the event printed by `as_line`, or None for any other line."""
        try:
            entry = json.loads(line)
        except ValueError:
            return None
        if not isinstance(entry, dict) or not isinstance(entry.get(PROGRESS_KEY), dict):
            return None
        return cls(**entry[PROGRESS_KEY])


# What a crawl's caller passes to receive its progress events.
ProgressCallback = Callable[[ProgressEvent], None]
