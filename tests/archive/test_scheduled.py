"""Scheduled snapshots: timestamped exports into the entry's folder, only the newest `keep` kept."""

from __future__ import annotations

from tests.archive.conftest import SeededArchive
from warta.archive import run_scheduled_snapshot
from warta.config import SnapshotConfig
from warta.storage.snapshots import list_snapshots


def test_scheduled_snapshots_keep_only_the_newest(seeded: SeededArchive, cfg, tmp_path):
    folder = tmp_path / "snapshots"
    entry = SnapshotConfig(id="daily-jsonl", format="jsonl", dir=folder, keep=2)
    folder.mkdir()
    (folder / "notes.txt").write_text("not an export", encoding="utf-8")
    made = [run_scheduled_snapshot(cfg, seeded.database, entry) for _ in range(3)]
    assert sorted(path.name for path in folder.iterdir()) == sorted([made[1].path.name, made[2].path.name, "notes.txt"])
    assert all(info.path.name.startswith("daily-jsonl-") and info.path.suffix == ".jsonl" for info in made)
    assert made[2].documents == 4
    with seeded.database.reading() as session:
        rows = [(row.id, row.schedule_id) for row in list_snapshots(session)]
    assert rows == [(made[2].id, "daily-jsonl"), (made[1].id, "daily-jsonl")]


def test_rotation_of_one_entry_leaves_other_entries_alone(seeded: SeededArchive, cfg, tmp_path):
    bags = SnapshotConfig(id="weekly-bag", format="bagit", dir=tmp_path / "bags", keep=1)
    csvs = SnapshotConfig(id="daily-csv", format="csv", dir=tmp_path / "csv", keep=1)
    kept_csv = run_scheduled_snapshot(cfg, seeded.database, csvs)
    first_bag = run_scheduled_snapshot(cfg, seeded.database, bags)
    second_bag = run_scheduled_snapshot(cfg, seeded.database, bags)
    assert not first_bag.path.exists()
    assert second_bag.path.is_dir() and (second_bag.path / "bagit.txt").is_file()
    assert kept_csv.path.is_file()
