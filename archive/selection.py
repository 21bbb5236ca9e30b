"""What an export holds: the archivist's selection and the storage filter it resolves to.

A selection is plain data (times, ids); resolving `since_snapshot` reads the
earlier snapshot's watermark: the highest revision and capture ids it saw and
when it started. "New or changed since" then means a revision with a higher id,
or a change of state (gone, back, moved) after that start. Captures are selected
by their own id: every capture since the snapshot (storage.exports).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy.orm import Session

from warta.archive.errors import SelectionError
from warta.storage.exports import DocumentFilter, Watermark, known_source_ids, known_topic_ids
from warta.storage.snapshots import get_snapshot


@dataclass(frozen=True)
class Selection:
    """Which documents to export; the default is everything, with every revision."""

    since: datetime | None = None
    since_snapshot: int | None = None
    sources: tuple[str, ...] = ()
    topics: tuple[str, ...] = ()
    current_only: bool = False

    def to_json(self) -> dict[str, Any]:
        """Return the selection as JSON-ready values, for the snapshot row."""
        return {
            "since": self.since.isoformat() if self.since else None,
            "since_snapshot": self.since_snapshot,
            "sources": list(self.sources),
            "topics": list(self.topics),
            "current_only": self.current_only,
        }

    def describe(self) -> str:
        """Return one sentence naming the selection, for WARC, bag-info and logs."""
        parts = ["current revisions" if self.current_only else "all revisions"]
        if self.sources:
            parts.append("sources " + ", ".join(self.sources))
        if self.topics:
            parts.append("topics " + ", ".join(self.topics))
        if self.since:
            parts.append(f"new or changed since {self.since.isoformat()}")
        if self.since_snapshot is not None:
            parts.append(f"new or changed since snapshot {self.since_snapshot}")
        return "warta archive export: " + "; ".join(parts)


def check_filters(
    session: Session, selection: Selection, configured_sources: Iterable[str], configured_topics: Iterable[str]
) -> None:
    """Raise SelectionError naming the valid ids if a source or topic filter names one that does not exist.

    A valid id is one in the config or in the archive (a source or topic since removed from the config
    still has its documents), so a typo is an error instead of an empty export.
    """
    checks = (
        ("source", selection.sources, set(configured_sources) | known_source_ids(session)),
        ("topic", selection.topics, set(configured_topics) | known_topic_ids(session)),
    )
    for kind, wanted, valid in checks:
        unknown = [value for value in wanted if value not in valid]
        if unknown:
            listed = ", ".join(sorted(valid)) if valid else f"none: the config and the archive have no {kind}s"
            raise SelectionError(
                f"unknown {kind} {', '.join(map(repr, unknown))}; the {kind} ids are: {listed} (nothing was exported)"
            )


def resolve_selection(session: Session, selection: Selection) -> DocumentFilter:
    """Return the storage filter of the selection, reading the watermark of `since_snapshot`."""
    after_revision_id = status_changed_after = after_capture_id = None
    if selection.since_snapshot is not None:
        snapshot = get_snapshot(session, selection.since_snapshot)
        if snapshot is None:
            raise SelectionError(
                f"there is no snapshot {selection.since_snapshot}; `warta snapshots` lists the existing ones"
            )
        if snapshot.finished_at is None:
            raise SelectionError(f"snapshot {snapshot.id} never finished; choose a finished one from `warta snapshots`")
        after_revision_id = snapshot.max_revision_id
        status_changed_after = snapshot.created_at
        after_capture_id = int(snapshot.selection.get("watermark", {}).get("capture_id", 0))
    return DocumentFilter(
        since=selection.since,
        after_revision_id=after_revision_id,
        status_changed_after=status_changed_after,
        after_capture_id=after_capture_id,
        sources=selection.sources,
        topics=selection.topics,
        current_only=selection.current_only,
    )


def selection_record(selection: Selection, watermark: Watermark) -> dict[str, Any]:
    """Return the JSON stored with the snapshot: the selection plus the watermark it was taken at."""
    marks = {"revision_id": watermark.revision_id, "capture_id": watermark.capture_id}
    return {**selection.to_json(), "watermark": marks}
