"""Full restore: a bag brings back documents, revisions and captures; an import that fails commits nothing."""

from __future__ import annotations

from pathlib import Path

import pytest
from warcio.archiveiterator import ArchiveIterator

from tests.archive.conftest import SeededArchive, add_not_modified, seed_second_round, table_count
from warta.archive import ImportFileError, export, import_archive, importer
from warta.storage.database import Database

# what makes two WARC records the same record; WARC-Record-ID and the ids that point at one are fresh per export
SAME_RECORD = (
    "WARC-Type",
    "WARC-Target-URI",
    "WARC-Date",
    "WARC-Block-Digest",
    "WARC-Payload-Digest",
    "WARC-Profile",
    "WARC-Refers-To-Target-URI",
    "WARC-Refers-To-Date",
    "WARC-Warta-Document",
    "WARC-Warta-Revision",
    "Content-Type",
    "Content-Length",
)


def warc_records(path: Path) -> list[tuple[str | None, ...]]:
    """Return each record of a WARC (but the warcinfo) by the headers that identify its content."""
    with path.open("rb") as stream:
        return [
            tuple(record.rec_headers.get_header(name) for name in SAME_RECORD)
            for record in ArchiveIterator(stream)
            if record.rec_type != "warcinfo"
        ]


@pytest.fixture
def full_archive(seeded: SeededArchive) -> SeededArchive:
    """The seeded archive after a second round (new, edited, gone, unchanged 200) and a 304."""
    seed_second_round(seeded)
    add_not_modified(seeded, "pameran", 20)
    return seeded


def test_bag_restore_gives_the_same_jsonl_and_warc_records(
    full_archive: SeededArchive, empty_db: Database, cfg, tmp_path
):
    export(cfg, full_archive.database, "bagit", tmp_path / "bag")
    report = import_archive(cfg, empty_db, tmp_path / "bag")
    assert (report.new, report.conflicts) == (5, [])
    assert report.captures_added == table_count(full_archive.database, "captures") == 10
    export(cfg, empty_db, "bagit", tmp_path / "again")
    jsonl = ("data", "documents.jsonl")
    assert (tmp_path.joinpath("again", *jsonl)).read_bytes() == (tmp_path.joinpath("bag", *jsonl)).read_bytes()
    before = warc_records(tmp_path / "bag" / "data" / "archive.warc.gz")
    after = warc_records(tmp_path / "again" / "data" / "archive.warc.gz")
    assert after == before
    kinds = [record[0] for record in before]
    assert kinds.count("revisit") == 2 and kinds.count("conversion") == 7 and "metadata" in kinds


def test_restoring_a_bag_twice_adds_no_captures(full_archive: SeededArchive, empty_db: Database, cfg, tmp_path):
    export(cfg, full_archive.database, "bagit", tmp_path / "bag")
    import_archive(cfg, empty_db, tmp_path / "bag")
    again = import_archive(cfg, empty_db, tmp_path / "bag")
    assert (again.captures_added, again.revisions_added, again.conflicts) == (0, 0, [])
    assert table_count(empty_db, "captures") == 10


def test_a_bad_line_after_a_committed_batch_size_imports_nothing(
    seeded: SeededArchive, empty_db: Database, cfg, tmp_path, monkeypatch
):
    monkeypatch.setattr(importer, "BATCH", 2)  # four good lines would be two committed batches
    path = tmp_path / "archive.jsonl"
    export(cfg, seeded.database, "jsonl", path)
    with path.open("a", encoding="utf-8") as lines:
        lines.write('{"id": "kaput"}\n')
    with pytest.raises(ImportFileError, match=r"archive.jsonl:5: .*nothing was imported"):
        import_archive(cfg, empty_db, path)
    assert table_count(empty_db, "documents") == 0
    # negative control: without the bad line the same file imports
    path.write_text("".join(path.read_text(encoding="utf-8").splitlines(keepends=True)[:4]), encoding="utf-8")
    assert import_archive(cfg, empty_db, path).new == 4
