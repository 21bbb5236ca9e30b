"""Incremental exports: --since-snapshot holds exactly the documents new or changed since that snapshot."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.archive.conftest import SeededArchive, seed_second_round
from warta.archive import Selection, SelectionError, export
from warta.storage.types import utcnow


def exported_ids(path: Path) -> set[str]:
    return {json.loads(line)["id"] for line in path.read_text(encoding="utf-8").splitlines()}


def test_since_snapshot_holds_exactly_the_new_and_changed_documents(seeded: SeededArchive, cfg, tmp_path):
    first = export(cfg, seeded.database, "jsonl", tmp_path / "full.jsonl")
    changed = seed_second_round(seeded)  # new wayang, edited pameran, festival gone, kompas refetched unchanged
    output = tmp_path / "incremental.jsonl"
    info = export(cfg, seeded.database, "jsonl", output, Selection(since_snapshot=first.id))
    assert exported_ids(output) == set(changed.values())
    assert info.documents == 3
    lines = {json.loads(line)["id"]: json.loads(line) for line in output.read_text(encoding="utf-8").splitlines()}
    assert lines[changed["festival"]]["status"] == "gone"
    assert [r["number"] for r in lines[changed["pameran"]]["revisions"]] == [1, 2]


def test_since_snapshot_right_after_a_snapshot_is_empty(seeded: SeededArchive, cfg, tmp_path):
    first = export(cfg, seeded.database, "jsonl", tmp_path / "full.jsonl")
    assert first.documents == 4  # negative control: the archive is not empty
    info = export(cfg, seeded.database, "jsonl", tmp_path / "none.jsonl", Selection(since_snapshot=first.id))
    assert info.documents == 0


def test_incremental_warc_holds_only_captures_fetched_since_the_snapshot(seeded: SeededArchive, cfg, tmp_path):
    first = export(cfg, seeded.database, "warc", tmp_path / "full.warc.gz")
    seed_second_round(seeded)
    info = export(cfg, seeded.database, "warc", tmp_path / "incremental.warc.gz", Selection(since_snapshot=first.id))
    # the three of the second round, and the first-round capture the unchanged kompas page's revisit refers to
    assert (first.captures, info.captures) == (6, 4)


def test_chained_incremental_snapshots_follow_each_other(seeded: SeededArchive, cfg, tmp_path):
    first = export(cfg, seeded.database, "jsonl", tmp_path / "full.jsonl")
    seed_second_round(seeded)
    second = export(cfg, seeded.database, "jsonl", tmp_path / "second.jsonl", Selection(since_snapshot=first.id))
    third = export(cfg, seeded.database, "jsonl", tmp_path / "third.jsonl", Selection(since_snapshot=second.id))
    assert (second.documents, third.documents) == (3, 0)


def test_since_time_selects_documents_changed_at_or_after_it(seeded: SeededArchive, cfg, tmp_path):
    start = utcnow()
    changed = seed_second_round(seeded)
    output = tmp_path / "since.jsonl"
    export(cfg, seeded.database, "jsonl", output, Selection(since=start))
    assert exported_ids(output) == set(changed.values())


def test_unknown_snapshot_is_a_clear_error_and_writes_nothing(seeded: SeededArchive, cfg, tmp_path):
    (tmp_path / "out").mkdir()
    output = tmp_path / "out" / "x.jsonl"
    with pytest.raises(SelectionError, match="there is no snapshot 999"):
        export(cfg, seeded.database, "jsonl", output, Selection(since_snapshot=999))
    assert list(output.parent.iterdir()) == []
