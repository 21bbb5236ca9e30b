"""Exports appear under their name only when complete: bad output paths and interrupted exports leave nothing."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from tests.archive.conftest import T0, SeededArchive
from tests.conftest import write_config
from warta.archive import ExportError, export
from warta.storage.captures import HttpExchange, save_capture
from warta.storage.database import Database
from warta.storage.snapshots import list_snapshots


def test_missing_output_folder_is_a_clear_error(seeded: SeededArchive, cfg, tmp_path):
    with pytest.raises(ExportError, match="does not exist; create it"):
        export(cfg, seeded.database, "jsonl", tmp_path / "missing" / "archive.jsonl")
    assert not (tmp_path / "missing").exists()


def test_output_under_a_file_is_a_clear_error(seeded: SeededArchive, cfg, tmp_path):
    blocker = tmp_path / "file.txt"
    blocker.write_text("x", encoding="utf-8")
    with pytest.raises(ExportError, match="does not exist"):
        export(cfg, seeded.database, "warc", blocker / "archive.warc.gz")
    assert blocker.read_text(encoding="utf-8") == "x"


def test_existing_folder_is_not_overwritten_by_a_bag(seeded: SeededArchive, cfg, tmp_path):
    existing = tmp_path / "bag"
    existing.mkdir()
    (existing / "keep.txt").write_text("mine", encoding="utf-8")
    with pytest.raises(ExportError, match="already exists; add --force to replace it"):
        export(cfg, seeded.database, "bagit", existing)
    assert [path.name for path in existing.iterdir()] == ["keep.txt"]


def test_unknown_format_is_refused_before_anything_is_written(seeded: SeededArchive, cfg, tmp_path):
    out = tmp_path / "out"
    out.mkdir()
    with pytest.raises(ExportError, match="unknown export format 'nonsense'; use one of jsonl, csv"):
        export(cfg, seeded.database, "nonsense", out / "a.jsonl")
    with seeded.database.reading() as session:
        assert list_snapshots(session) == []
    assert list(out.iterdir()) == []


def seed_large_archive(database: Database, captures: int = 80, body_bytes: int = 96_000) -> None:
    """Add captures with incompressible bodies, so that an export takes long enough to interrupt."""
    with database.transaction() as session:
        for index in range(captures):
            body = os.urandom(body_bytes)
            headers = [("Content-Type", "application/octet-stream"), ("Content-Length", str(len(body)))]
            save_capture(session, HttpExchange(f"https://disbud.jakarta.go.id/file/{index}", 200, headers, body, T0))


# SIGINT takes the same path as SIGTERM (the export command turns SIGTERM into KeyboardInterrupt)
@pytest.mark.parametrize("signum", [signal.SIGTERM, signal.SIGKILL], ids=["term", "kill"])
def test_interrupted_export_leaves_nothing_under_the_final_name(seeded: SeededArchive, tmp_path, signum):
    seed_large_archive(seeded.database)
    config = write_config(tmp_path, f'[storage]\nurl = "{seeded.database.url}"\n')
    out = tmp_path / "out"
    out.mkdir()
    final = out / "archive.warc.gz"
    command = [sys.executable, "-m", "warta", "--config", str(config), "export", "--format", "warc"]
    command += ["--output", str(final)]
    process = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    deadline = time.monotonic() + 60
    while not list(out.glob("archive.warc.gz.partial-*")):
        assert process.poll() is None, "the export ended before it could be interrupted; seed a larger archive"
        assert time.monotonic() < deadline, "the export never started writing"
        time.sleep(0.005)
    process.send_signal(signum)
    process.communicate(timeout=60)
    assert process.returncode != 0
    assert not final.exists()
    leftovers = [path.name for path in out.iterdir()]
    with seeded.database.reading() as session:
        snapshots = list_snapshots(session)
    if signum != signal.SIGKILL:  # only a killed process cannot clean up after itself
        assert leftovers == []
        assert snapshots == []
    else:  # the row reserved for the export stays, marked as never finished
        assert [(row.path, row.finished_at) for row in snapshots] == [(str(final), None)]


def test_uninterrupted_export_of_the_same_archive_completes(seeded: SeededArchive, cfg, tmp_path):
    # negative control for the test above: the export does finish and renames its partial
    seed_large_archive(seeded.database, captures=20)
    info = export(cfg, seeded.database, "warc", tmp_path / "archive.warc.gz")
    assert [path.name for path in tmp_path.glob("archive.warc.gz*")] == ["archive.warc.gz"]
    assert info.captures == 26
    assert Path(info.path).stat().st_size == info.bytes
