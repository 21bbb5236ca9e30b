"""What an export wrote: documents, revisions and captures."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass
class ExportCounts:
    """Counts of the records written into one export."""

    documents: int = 0
    revisions: int = 0
    captures: int = 0

    def add(self, other: ExportCounts) -> None:
        """Add another writer's counts to these."""
        self.documents += other.documents
        self.revisions += other.revisions
        self.captures += other.captures
