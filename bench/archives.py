"""Seeded archives shared by the scaling benchmarks, and a warta config that points at one.

Seeding is the slow part of the scaling benchmarks, so an archive of a given
size is seeded once per run (with topic memberships and captures) and handed
to every benchmark that reads it without changing its documents.
"""

from __future__ import annotations

from contextlib import ExitStack
from pathlib import Path
from typing import Any

from bench.databases import scratch_database
from bench.seed import seed_documents
from warta.config import WartaConfig
from warta.storage.database import Database
from warta.storage.memberships import FINGERPRINT_KEY
from warta.storage.state import set_state
from warta.storage.topics import TopicMatcher

SOURCE_ID = "seed"
TOPICS = ("budaya", "museum", "festival", "betawi")


class SeededArchives:
    """Archives of given sizes, seeded on first use and removed when the context ends."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self._stack = ExitStack()
        self._archives: dict[tuple[str, int], Database] = {}

    def get(self, backend: str, documents: int) -> Database:
        """Return an archive of `documents` documents with topic memberships and captures on `backend`."""
        key = (backend, documents)
        if key not in self._archives:
            database = self._stack.enter_context(scratch_database(backend, self.folder, f"seeded{documents}"))
            seed_documents(database, documents, SOURCE_ID, topics=TOPICS, with_captures=True)
            mark_topics_current(database, archive_config(database.url, self.folder))
            self._archives[key] = database
        return self._archives[key]

    def __enter__(self) -> SeededArchives:
        return self

    def __exit__(self, *_exc: object) -> None:
        self._stack.close()


def archive_config(database_url: str, folder: Path, extra: dict[str, Any] | None = None) -> WartaConfig:
    """Return a config for a seeded archive: its source and the seeded topics."""
    return WartaConfig.model_validate(
        {
            "storage": {"url": database_url},
            "feeds": {"dir": str(folder / "feeds")},
            "sources": [{"id": SOURCE_ID, "kind": "listing", "urls": ["https://seed.example/berita/"]}],
            "topics": [{"id": topic, "title": topic.title(), "any": [topic]} for topic in TOPICS],
            **(extra or {}),
        }
    )


def mark_topics_current(database: Database, cfg: WartaConfig) -> None:
    """Record that the seeded memberships are those of the config's topics, as after a finished rematch.

    Seeding queues no revision for matching (storage.pending_matches), so a build matches nothing.
    """
    with database.transaction() as session:
        set_state(session, FINGERPRINT_KEY, TopicMatcher.from_config(cfg).fingerprint)
