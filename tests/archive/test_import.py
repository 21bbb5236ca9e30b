"""Import: a JSONL export or a bag back into a database, idempotent, conflicts reported and never merged."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.archive.conftest import SeededArchive, seed_second_round, table_count
from warta.archive import ImportFileError, Selection, export, import_archive
from warta.storage.database import Database
from warta.storage.fingerprints import content_hash


def export_lines(cfg, database: Database, path: Path, fmt: str = "jsonl") -> list[str]:
    export(cfg, database, fmt, path)
    if fmt == "bagit":
        path = path / "data" / "documents.jsonl"
    return sorted(path.read_text(encoding="utf-8").splitlines())


def test_export_import_export_round_trip_is_exact(seeded: SeededArchive, empty_db: Database, cfg, tmp_path):
    seed_second_round(seeded)
    first = export_lines(cfg, seeded.database, tmp_path / "first.jsonl")
    report = import_archive(cfg, empty_db, tmp_path / "first.jsonl")
    assert (report.new, report.revisions_added, report.conflicts) == (5, 7, [])
    second = export_lines(cfg, empty_db, tmp_path / "second.jsonl")
    assert second == first


def test_importing_twice_changes_nothing(seeded: SeededArchive, empty_db: Database, cfg, tmp_path):
    export(cfg, seeded.database, "jsonl", tmp_path / "archive.jsonl")
    import_archive(cfg, empty_db, tmp_path / "archive.jsonl")
    before = export_lines(cfg, empty_db, tmp_path / "before.jsonl")
    revisions = table_count(empty_db, "revisions")
    again = import_archive(cfg, empty_db, tmp_path / "archive.jsonl")
    assert (again.new, again.updated, again.unchanged, again.revisions_added) == (0, 0, 4, 0)
    assert table_count(empty_db, "revisions") == revisions == 5
    assert export_lines(cfg, empty_db, tmp_path / "after.jsonl") == before


def test_import_reads_the_jsonl_inside_a_bag(seeded: SeededArchive, empty_db: Database, cfg, tmp_path):
    first = export_lines(cfg, seeded.database, tmp_path / "bag", fmt="bagit")
    report = import_archive(cfg, empty_db, tmp_path / "bag")
    assert report.new == 4
    assert export_lines(cfg, empty_db, tmp_path / "again.jsonl") == first


def test_import_adds_newer_revisions_to_an_older_copy(seeded: SeededArchive, empty_db: Database, cfg, tmp_path):
    export(cfg, seeded.database, "jsonl", tmp_path / "old.jsonl")
    import_archive(cfg, empty_db, tmp_path / "old.jsonl")
    seed_second_round(seeded)
    newer = export_lines(cfg, seeded.database, tmp_path / "new.jsonl")
    report = import_archive(cfg, empty_db, tmp_path / "new.jsonl")
    assert (report.new, report.revisions_added, report.conflicts) == (1, 2, [])
    assert export_lines(cfg, empty_db, tmp_path / "copy.jsonl") == newer


def rewrite(path: Path, uid: str, change) -> None:
    lines = [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]
    for line in lines:
        if line["id"] == uid:
            change(line)
    path.write_text("".join(json.dumps(line, ensure_ascii=False) + "\n" for line in lines), encoding="utf-8")


def test_different_content_at_the_same_revision_number_is_a_reported_conflict(seeded: SeededArchive, cfg, tmp_path):
    path = tmp_path / "archive.jsonl"
    before = export_lines(cfg, seeded.database, path)

    def other_history(line):
        revision = line["revisions"][0]
        revision["text"] = "Teks lain sama sekali."
        revision["content_hash"] = content_hash(revision["title"], revision["text"])

    rewrite(path, seeded.uids["festival"], other_history)
    report = import_archive(cfg, seeded.database, path)
    assert len(report.conflicts) == 1
    assert seeded.uids["festival"] in report.conflicts[0] and "revision 1" in report.conflicts[0]
    assert export_lines(cfg, seeded.database, tmp_path / "after.jsonl") == before


def test_same_canonical_url_under_another_id_is_a_reported_conflict(seeded: SeededArchive, cfg, tmp_path):
    path = tmp_path / "archive.jsonl"
    before = export_lines(cfg, seeded.database, path)
    rewrite(path, seeded.uids["pameran"], lambda line: line.update(id="00000000-0000-4000-8000-000000000000"))
    report = import_archive(cfg, seeded.database, path)
    assert report.unchanged == 3
    assert len(report.conflicts) == 1 and seeded.uids["pameran"] in report.conflicts[0]
    assert export_lines(cfg, seeded.database, tmp_path / "after.jsonl") == before


def test_altered_text_is_refused_by_its_content_hash(seeded: SeededArchive, empty_db: Database, cfg, tmp_path):
    path = tmp_path / "archive.jsonl"
    export(cfg, seeded.database, "jsonl", path)
    rewrite(path, seeded.uids["museum"], lambda line: line["revisions"][0].update(text="diubah"))
    report = import_archive(cfg, empty_db, path)
    assert report.new == 3
    assert len(report.conflicts) == 1 and "content hash does not match" in report.conflicts[0]


def test_a_line_that_is_not_json_is_a_clear_error(db: Database, cfg, tmp_path):
    path = tmp_path / "broken.jsonl"
    path.write_text("{not json\n", encoding="utf-8")
    with pytest.raises(ImportFileError, match=r"broken.jsonl:1: not a warta JSONL document"):
        import_archive(cfg, db, path)
    assert table_count(db, "documents") == 0


def test_current_only_export_imports_the_current_revisions(seeded: SeededArchive, empty_db: Database, cfg, tmp_path):
    path = tmp_path / "current.jsonl"
    export(cfg, seeded.database, "jsonl", path, Selection(current_only=True))
    report = import_archive(cfg, empty_db, path)
    assert (report.new, report.revisions_added, report.conflicts) == (4, 4, [])
    again = tmp_path / "again.jsonl"
    export(cfg, empty_db, "jsonl", again, Selection(current_only=True))
    lines = sorted(path.read_text(encoding="utf-8").splitlines())
    assert sorted(again.read_text(encoding="utf-8").splitlines()) == lines


def test_cluster_root_later_in_the_file_is_linked_after_the_last_line(
    seeded: SeededArchive, empty_db: Database, cfg, tmp_path
):
    path = tmp_path / "archive.jsonl"
    first = export_lines(cfg, seeded.database, path)
    lines = path.read_text(encoding="utf-8").splitlines()
    path.write_text("\n".join(reversed(lines)) + "\n", encoding="utf-8")  # the member now comes before its root
    import_archive(cfg, empty_db, path)
    assert export_lines(cfg, empty_db, tmp_path / "again.jsonl") == first


def test_a_bag_that_fails_validation_is_not_imported(seeded: SeededArchive, empty_db: Database, cfg, tmp_path):
    bag = tmp_path / "bag"
    export(cfg, seeded.database, "bagit", bag)
    with (bag / "data" / "documents.jsonl").open("ab") as payload:
        payload.write(b"\n")
    with pytest.raises(ImportFileError, match="does not validate"):
        import_archive(cfg, empty_db, bag)
    assert table_count(empty_db, "documents") == 0
