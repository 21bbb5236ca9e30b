"""The CDXJ index beside a WARC export: a sorted line per capture that points at its record; pywb replays from it."""

from __future__ import annotations

import json
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest
from warcio.archiveiterator import ArchiveIterator
from warcio.timeutils import iso_date_to_timestamp

from tests.archive.conftest import SeededArchive
from tests.pywb import fetch, new_collection, running_pywb
from warta.archive import export, run_scheduled_snapshot
from warta.config import SnapshotConfig


def index_lines(path: Path) -> list[tuple[str, str, dict[str, str]]]:
    """Return (SURT key, timestamp, fields) of every line of a CDXJ file."""
    lines = []
    for line in path.read_text(encoding="utf-8").splitlines():
        key, timestamp, fields = line.split(" ", 2)
        lines.append((key, timestamp, json.loads(fields)))
    return lines


def test_warc_export_writes_a_sorted_index_beside_it_pointing_at_each_record(seeded: SeededArchive, cfg, tmp_path):
    output = tmp_path / "archive.warc.gz"
    info = export(cfg, seeded.database, "warc", output)
    index = tmp_path / "archive.cdxj"
    lines = index_lines(index)
    assert len(lines) == info.captures == 6
    assert [line[:2] for line in lines] == sorted(line[:2] for line in lines)
    with output.open("rb") as warc:
        for _, timestamp, fields in lines:
            assert fields["filename"] == "archive.warc.gz"
            warc.seek(int(fields["offset"]))
            record = next(iter(ArchiveIterator(warc)))
            assert record.rec_type == "response"
            assert record.rec_headers.get_header("WARC-Target-URI") == fields["url"]
            assert iso_date_to_timestamp(record.rec_headers.get_header("WARC-Date")) == timestamp
            assert record.rec_headers.get_header("WARC-Payload-Digest") == fields["digest"]
    festival = [timestamp for _, timestamp, fields in lines if fields["url"] == seeded.urls["festival"]]
    assert festival == ["20261123070500", "20261123130500"]


def test_scheduled_rotation_removes_the_index_with_its_warc(seeded: SeededArchive, cfg, tmp_path):
    entry = SnapshotConfig(id="daily-warc", format="warc", dir=tmp_path / "warcs", keep=1)
    first = run_scheduled_snapshot(cfg, seeded.database, entry)
    assert (tmp_path / "warcs" / first.path.name.replace(".warc.gz", ".cdxj")).is_file()
    second = run_scheduled_snapshot(cfg, seeded.database, entry)
    kept = sorted(path.name for path in (tmp_path / "warcs").iterdir())
    assert kept == sorted([second.path.name, second.path.name.replace(".warc.gz", ".cdxj")])


@pytest.fixture
def pywb_collection(tmp_path: Path) -> Iterator[tuple[Path, str]]:
    """Yield the folder of an empty pywb collection and the URL of a pywb serving it, without auto-indexing."""
    root = tmp_path / "pywb"
    root.mkdir()
    collection = new_collection(root)
    with running_pywb(root) as base:
        yield collection, f"{base}/warta"


def test_pywb_replays_from_the_exported_index(seeded: SeededArchive, cfg, pywb_collection, tmp_path):
    collection, base = pywb_collection
    output = tmp_path / "archive.warc.gz"
    export(cfg, seeded.database, "warc", output)
    shutil.copy(output, collection / "archive" / output.name)
    second_version = f"{base}/20261123130500id_/{seeded.urls['festival']}"
    # negative control: the WARC alone, without an index, is not found
    assert fetch(second_version)[0] == 404
    shutil.copy(tmp_path / "archive.cdxj", collection / "indexes" / "index.cdxj")
    status, body = fetch(second_version)
    assert status == 200 and b"<title>Festival Budaya Betawi di Setu Babakan</title>" in body
    status, body = fetch(f"{base}/20261123070500id_/{seeded.urls['festival']}")
    assert status == 200 and b"<title>Festival Budaya Betawi</title>" in body
