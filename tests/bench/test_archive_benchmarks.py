"""Tiny runs of the archive benchmarks: fast seeding, feeds build scaling and export peak memory."""

from __future__ import annotations

import math
import re
from pathlib import Path

from sqlalchemy import func, select

from bench import export_memory, feeds_scaling
from bench.archives import TOPICS, SeededArchives, archive_config
from bench.seed import seed_documents
from warta.storage.captures import read_blob
from warta.storage.database import Database
from warta.storage.memberships import topics_are_current
from warta.storage.models import Capture, Document, TopicMembership
from warta.storage.revisions import PageRecord, record_page
from warta.storage.topics import TopicMatcher
from warta.storage.types import utcnow


def test_seeded_rows_read_back_through_the_models(db: Database) -> None:
    seed_documents(db, 30, topics=("a", "b"), with_captures=True)
    with db.reading() as session:
        assert session.scalar(select(func.count()).select_from(Document)) == 30
        # topic a holds every second document, topic b every third
        counts = dict(
            session.execute(select(TopicMembership.topic_id, func.count()).group_by(TopicMembership.topic_id)).all()
        )
        assert counts == {"a": 15, "b": 10}
        capture = session.get(Capture, 7)
        assert capture is not None and capture.fetched_at.tzinfo is not None
        assert b"Berita budaya nomor 7" in read_blob(session, capture.body_sha256 or "")
    # the sequences moved past the seeded ids: a recorded page gets the next id
    with db.transaction() as session:
        result = record_page(
            session,
            PageRecord(
                source_id="seed",
                url="https://x.example/a",
                canonical_url="https://x.example/a",
                title="Baru",
                text="kata " * 50,
                html="",
                fetched_at=utcnow(),
                language="id",
            ),
        )
    assert result.document_id == 31


def test_seeded_archive_counts_as_matched_against_its_topics(tmp_path: Path) -> None:
    with SeededArchives(tmp_path) as archives:
        database = archives.get("sqlite", 20)
        cfg = archive_config(database.url, tmp_path)
        assert topics_are_current(database, TopicMatcher.from_config(cfg))
        assert [topic.id for topic in cfg.topics] == list(TOPICS)


def test_feeds_scaling_builds_both_archives(tmp_path: Path) -> None:
    with SeededArchives(tmp_path) as archives:
        result = feeds_scaling.run(
            "sqlite", archives.get("sqlite", 20), archives.get("sqlite", 200), 20, 200, tmp_path, rounds=1
        )
    assert result.ratio > 0 and math.isfinite(result.ratio)
    assert "200 vs 20 documents (sqlite)" in result.name
    assert "6 feeds" in result.detail  # all, four topics, one source
    assert (tmp_path / "feeds-large-sqlite" / "feeds" / "topics" / "budaya.atom").is_file()


def test_export_memory_measures_each_export_in_its_own_process(tmp_path: Path) -> None:
    assert export_memory.FORMATS == ("jsonl", "warc")
    with SeededArchives(tmp_path) as archives:
        small, large = archives.get("sqlite", 20), archives.get("sqlite", 200)
        (result,) = export_memory.run("sqlite", small, large, 20, 200, tmp_path, formats=("warc",))
    assert result.ratio > 0 and math.isfinite(result.ratio)
    assert result.name.startswith("export warc peak memory, 200 vs 20 documents")
    peak_mb = [float(value) for value in re.findall(r"([\d.]+) MB", result.detail)[:2]]
    assert all(peak > 20 for peak in peak_mb)  # whole Python processes with warta imported
    exports = [tmp_path / f"{size}-sqlite" / "export-warc.warc.gz" for size in ("small", "large")]
    assert exports[1].stat().st_size > exports[0].stat().st_size
