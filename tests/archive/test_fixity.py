"""`warta verify`: stored captures and revisions, and WARC, WACZ and bag exports, against their digests."""

from __future__ import annotations

import gzip
import shutil
import zipfile
import zlib
from pathlib import Path

import pytest
from click.testing import CliRunner, Result
from sqlalchemy import select, update

from tests.archive.conftest import ORGANIZATION, SeededArchive
from tests.conftest import write_config
from warta import archive
from warta.archive.export_fixity import verify_export
from warta.archive.fixity import verify_archive
from warta.archive.scheduled import run_scheduled_snapshot
from warta.archive.scheduled_fixity import run_fixity_check
from warta.cli.root import cli
from warta.config import WartaConfig
from warta.storage.fixity import iter_blobs, iter_capture_bodies, iter_revisions
from warta.storage.models import Blob, Capture, Document, Revision


@pytest.fixture
def run(seeded: SeededArchive, tmp_path: Path):
    config = write_config(tmp_path, f'[storage]\nurl = "{seeded.database.url}"\n')

    def invoke(*args: str) -> Result:
        return CliRunner().invoke(cli, ["--config", str(config), "verify", *args])

    return invoke


def festival_capture(seeded: SeededArchive) -> tuple[int, str, str]:
    """Return the id, URL and body digest of the first capture of the festival page."""
    with seeded.database.reading() as session:
        row = session.execute(
            select(Capture.id, Capture.url, Capture.body_sha256)
            .where(Capture.url == seeded.urls["festival"])
            .order_by(Capture.id)
        ).first()
    assert row is not None and row[2] is not None
    return int(row[0]), str(row[1]), str(row[2])


def test_clean_archive_verifies_with_exit_0(run, seeded: SeededArchive):
    result = run()
    assert result.exit_code == 0, result.output
    assert "every digest matches" in result.output
    report = verify_archive(seeded.database)
    # five captures of pages, five revisions (the festival twice), each body stored once
    assert (report.checked["captures"], report.checked["revisions"]) == (6, 5)
    assert report.checked["blobs"] == 6 and report.is_ok


def test_a_changed_blob_fails_naming_its_capture(run, seeded: SeededArchive):
    capture_id, url, digest = festival_capture(seeded)
    with seeded.database.transaction() as session:
        session.execute(update(Blob).where(Blob.sha256 == digest).values(data=zlib.compress(b"<html>tampered</html>")))
    result = run()
    assert result.exit_code == 1, result.output
    assert f"capture {capture_id} {url}" in result.output
    assert "does not hash" in result.output or "hashes to sha256" in result.output
    assert "fixity check failed: 1 mismatch in archive" in result.output


def test_a_wrong_body_size_fails_naming_the_capture(seeded: SeededArchive):
    capture_id, url, _ = festival_capture(seeded)
    with seeded.database.transaction() as session:
        session.execute(update(Capture).where(Capture.id == capture_id).values(body_size=3))
    report = verify_archive(seeded.database)
    [problem] = report.problems
    assert problem.record == f"capture {capture_id} {url}"
    assert "body_size is 3" in problem.detail


def test_a_changed_revision_text_fails_naming_document_and_number(run, seeded: SeededArchive):
    uid = seeded.uids["festival"]
    with seeded.database.transaction() as session:
        document_id = session.execute(select(Document.id).where(Document.uid == uid)).scalar_one()
        session.execute(
            update(Revision)
            .where(Revision.document_id == document_id, Revision.number == 2)
            .values(text=Revision.text + " (edited in the database)")
        )
    result = run()
    assert result.exit_code == 1, result.output
    assert f"revision 2 of document {uid} {seeded.urls['festival']}" in result.output
    assert f"revision 1 of document {uid}" not in result.output


@pytest.fixture
def exports(seeded: SeededArchive, tmp_path: Path) -> dict[str, Path]:
    """Export the seeded archive once in each format that carries digests."""
    cfg = WartaConfig.model_validate({"archive": {"organization": ORGANIZATION}})
    paths = {"warc": tmp_path / "a.warc.gz", "wacz": tmp_path / "a.wacz", "bagit": tmp_path / "bag"}
    for fmt, path in paths.items():
        archive.export(cfg, seeded.database, fmt, path)
    return paths


def gzip_members(data: bytes) -> list[bytes]:
    """Return the decompressed members of a multi-member gzip file (a WARC: one record each)."""
    members = []
    while data:
        decompressor = zlib.decompressobj(16 + zlib.MAX_WBITS)
        members.append(decompressor.decompress(data) + decompressor.flush())
        data = decompressor.unused_data
    return members


def tamper_warc(data: bytes, url: str) -> bytes:
    """Return the gzipped WARC with one byte changed in the response body of `url` (digests left as they were)."""
    members = gzip_members(data)
    [index] = [i for i, member in enumerate(members) if b"WARC-Type: response" in member and url.encode() in member]
    member = members[index]
    position = member.index(b"<article>")
    members[index] = member[:position] + b"<ARTICLE>" + member[position + len(b"<article>") :]
    return b"".join(gzip.compress(member) for member in members)


@pytest.mark.parametrize("fmt", ["warc", "wacz", "bagit"])
def test_clean_exports_verify_with_exit_0(run, exports: dict[str, Path], fmt: str):
    result = run("--export", str(exports[fmt]))
    assert result.exit_code == 0, result.output
    report = verify_export(exports[fmt])
    assert report.checked["WARC records"] >= 7 and report.is_ok


def test_a_changed_warc_record_fails_naming_it(run, seeded: SeededArchive, exports: dict[str, Path]):
    path = exports["warc"]
    url = seeded.urls["pameran"]
    path.write_bytes(tamper_warc(path.read_bytes(), url))
    result = run("--export", str(path))
    assert result.exit_code == 1, result.output
    [problem] = verify_export(path).problems
    assert problem.record.startswith("a.warc.gz record <urn:uuid:") and problem.record.endswith(f"(response {url})")
    assert "payload digest failed" in problem.detail
    assert problem.record in result.output


def test_a_flipped_byte_in_a_compressed_warc_fails_naming_where(exports: dict[str, Path]):
    path = exports["warc"]
    data = bytearray(path.read_bytes())
    data[len(data) // 2] ^= 0xFF
    path.write_bytes(bytes(data))
    report = verify_export(path)
    assert not report.is_ok
    assert any(problem.record.startswith("a.warc.gz") for problem in report.problems)


def test_a_changed_wacz_member_fails_naming_the_file_and_record(run, seeded: SeededArchive, exports, tmp_path):
    original = exports["wacz"]
    tampered = tmp_path / "tampered.wacz"
    with zipfile.ZipFile(original) as source, zipfile.ZipFile(tampered, "w") as target:
        for item in source.infolist():
            data = source.read(item)
            if item.filename == "archive/data.warc.gz":
                data = tamper_warc(data, seeded.urls["pameran"])
            target.writestr(item, data)
    result = run("--export", str(tampered))
    assert result.exit_code == 1, result.output
    records = [problem.record for problem in verify_export(tampered).problems]
    assert "WACZ file archive/data.warc.gz" in records
    assert any(record.endswith(f"(response {seeded.urls['pameran']})") for record in records)


def test_a_changed_byte_in_a_bag_fails_naming_the_file(run, exports: dict[str, Path]):
    bag = exports["bagit"]
    jsonl = bag / "data" / "documents.jsonl"
    data = bytearray(jsonl.read_bytes())
    data[10] ^= 0x01
    jsonl.write_bytes(bytes(data))
    result = run("--export", str(bag))
    assert result.exit_code == 1, result.output
    assert "bag file data/documents.jsonl" in result.output


def test_a_changed_warc_inside_a_bag_fails_naming_the_record(seeded: SeededArchive, exports: dict[str, Path]):
    warc = exports["bagit"] / "data" / "archive.warc.gz"
    warc.write_bytes(tamper_warc(warc.read_bytes(), seeded.urls["pameran"]))
    records = [problem.record for problem in verify_export(exports["bagit"]).problems]
    assert "bag file data/archive.warc.gz" in records
    assert any(record.startswith("data/archive.warc.gz record") for record in records)


@pytest.mark.parametrize(
    ("name", "message"),
    [("missing.warc.gz", "does not exist"), ("items.jsonl", "is not a WARC, a WACZ or a bag")],
    ids=["missing", "jsonl"],
)
def test_an_export_that_cannot_be_checked_exits_2(run, tmp_path: Path, name: str, message: str):
    if name.endswith(".jsonl"):
        (tmp_path / name).write_text("{}\n", encoding="utf-8")
    result = run("--export", str(tmp_path / name))
    assert result.exit_code == 2, result.output
    assert message in result.output


def test_a_copied_bag_still_verifies(exports: dict[str, Path], tmp_path: Path):
    # negative control for the tampering tests: moving a bag changes no digest
    copy = tmp_path / "copy"
    shutil.copytree(exports["bagit"], copy)
    assert verify_export(copy).is_ok


def test_a_scheduled_check_verifies_the_exports_of_snapshots_entries(seeded: SeededArchive, tmp_path: Path):
    cfg = WartaConfig.model_validate(
        {
            "archive": {"organization": ORGANIZATION},
            "snapshots": [{"id": "monthly", "format": "bagit", "dir": str(tmp_path / "exports")}],
            "fixity": [{"id": "weekly"}],
        }
    )
    first = run_scheduled_snapshot(cfg, seeded.database, cfg.snapshots[0])
    second = run_scheduled_snapshot(cfg, seeded.database, cfg.snapshots[0])
    clean = run_fixity_check(cfg, seeded.database, cfg.fixity[0])
    assert clean.is_ok and clean.checked["exports"] == 2 and clean.checked["revisions"] == 5
    # a bag deleted by hand is skipped; a changed one is named by its snapshot and its file
    shutil.rmtree(first.path)
    jsonl = Path(second.path) / "data" / "documents.jsonl"
    jsonl.write_bytes(jsonl.read_bytes().replace(b"Festival", b"Festiva!", 1))
    report = run_fixity_check(cfg, seeded.database, cfg.fixity[0])
    assert report.checked["exports"] == 1
    assert [problem.record for problem in report.problems] == ["bag file data/documents.jsonl"] * 2


@pytest.mark.parametrize("batch_size", [1, 2, 1000])
def test_the_readers_page_through_every_record_in_key_order(seeded: SeededArchive, batch_size: int):
    with seeded.database.reading() as session:
        blobs = [blob.sha256 for blob in iter_blobs(session, batch_size)]
        captures = [capture.capture_id for capture in iter_capture_bodies(session, batch_size)]
        revisions = [(revision.document_uid, revision.number) for revision in iter_revisions(session, batch_size)]
        assert blobs == list(session.scalars(select(Blob.sha256).order_by(Blob.sha256)))
        assert captures == list(session.scalars(select(Capture.id).order_by(Capture.id)))
        stored = session.execute(
            select(Document.uid, Revision.number)
            .join(Document, Document.id == Revision.document_id)
            .order_by(Revision.id)
        )
        assert revisions == [tuple(row) for row in stored]
