"""WARC export: passes `warcio check`, a response per archived URL with the body as received, linked records."""

from __future__ import annotations

import gzip
import re
import subprocess
import sys
from pathlib import Path

from warcio.archiveiterator import ArchiveIterator

from tests.archive.conftest import ORGANIZATION, SeededArchive, html_page
from warta.archive import export
from warta.archive.warc import DECODED_HEADER, body_is_encoded, replayable_headers

WARCIO = "import sys; from warcio.cli import main; sys.exit(main())"


def warcio(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-c", WARCIO, *args], capture_output=True, text=True, timeout=60)


def read_records(path: Path) -> list[dict]:
    records = []
    with path.open("rb") as stream:
        for record in ArchiveIterator(stream):
            records.append(
                {
                    "type": record.rec_type,
                    "uri": record.rec_headers.get_header("WARC-Target-URI"),
                    "id": record.rec_headers.get_header("WARC-Record-ID"),
                    "headers": record.rec_headers,
                    "http": record.http_headers,
                    "body": record.content_stream().read(),
                }
            )
    return records


def test_warc_passes_warcio_check(seeded: SeededArchive, cfg, tmp_path):
    output = tmp_path / "archive.warc.gz"
    export(cfg, seeded.database, "warc", output)
    result = warcio("check", "-v", str(output))
    assert result.returncode == 0, result.stdout + result.stderr
    assert "digest pass" in result.stdout


def test_warcio_check_fails_on_a_damaged_warc(seeded: SeededArchive, cfg, tmp_path):
    # negative control: the check above can fail
    output = tmp_path / "archive.warc.gz"
    export(cfg, seeded.database, "warc", output)
    records = gzip.decompress(output.read_bytes()).replace(b"Setu Babakan</h1>", b"Setu Babakan</h2>", 1)
    damaged = tmp_path / "damaged.warc"
    damaged.write_bytes(records)
    assert warcio("check", str(damaged)).returncode != 0


def test_warc_holds_a_response_for_every_archived_url(seeded: SeededArchive, cfg, tmp_path):
    output = tmp_path / "archive.warc.gz"
    info = export(cfg, seeded.database, "warc", output)
    records = read_records(output)
    assert records[0]["type"] == "warcinfo"
    assert f"organization: {ORGANIZATION}".encode() in records[0]["body"]
    responses = [record for record in records if record["type"] == "response"]
    assert len(responses) == info.captures == 6
    assert set(seeded.urls.values()) | {"https://disbud.jakarta.go.id/berita"} == {r["uri"] for r in responses}
    museum = next(r for r in responses if r["uri"] == seeded.urls["museum"])
    assert museum["http"].get_statuscode() == "200"
    assert museum["http"].get_header("Server") == "nginx"
    assert museum["body"] == html_page(
        "Jam buka museum", "Museum Fatahillah memperpanjang jam buka selama libur sekolah bagi pengunjung keluarga."
    )
    for response in responses:
        assert re.fullmatch(r"2026-11-23T\d\d:\d\d:\d\d(\.\d{1,6})?Z", response["headers"].get_header("WARC-Date"))


def test_request_and_text_records_point_at_their_response(seeded: SeededArchive, cfg, tmp_path):
    output = tmp_path / "archive.warc.gz"
    export(cfg, seeded.database, "warc", output)
    records = read_records(output)
    response_ids = {r["id"]: r for r in records if r["type"] == "response"}
    requests = [r for r in records if r["type"] == "request"]
    conversions = [r for r in records if r["type"] == "conversion"]
    assert len(requests) == 5 and len(conversions) == 5
    for request in requests:
        response = response_ids[request["headers"].get_header("WARC-Concurrent-To")]
        assert response["uri"] == request["uri"]
        assert request["http"].get_header("User-Agent").startswith("warta/")
    for conversion in conversions:
        response = response_ids[conversion["headers"].get_header("WARC-Refers-To")]
        assert response["uri"] == conversion["uri"]
        title = conversion["body"].decode().split("\n", 1)[0]
        assert f"<title>{title}</title>".encode() in response["body"]


def test_decoded_body_loses_its_content_encoding_header_so_it_replays(seeded: SeededArchive, cfg, tmp_path):
    output = tmp_path / "archive.warc.gz"
    export(cfg, seeded.database, "warc", output)
    first_festival = next(
        r for r in read_records(output) if r["type"] == "response" and r["uri"] == seeded.urls["festival"]
    )
    assert first_festival["http"].get_header("Content-Encoding") is None
    assert first_festival["http"].get_header(DECODED_HEADER) == "gzip"
    assert first_festival["http"].get_header("Content-Length") == str(len(first_festival["body"]))
    assert first_festival["body"].startswith(b"<!DOCTYPE html>")


def test_still_encoded_body_keeps_its_content_encoding():
    body = gzip.compress(b"<html>x</html>")
    assert body_is_encoded("gzip", body) and not body_is_encoded("gzip", b"<html>x</html>")
    headers = replayable_headers([("Content-Encoding", "gzip"), ("Content-Length", str(len(body)))], body)
    assert headers == [("Content-Encoding", "gzip"), ("Content-Length", str(len(body)))]


def test_cdxj_index_lists_every_response(seeded: SeededArchive, cfg, tmp_path):
    # cdxj-indexer is the indexer of pywb and py-wacz: what it indexes, a replay tool can find
    output = tmp_path / "archive.warc.gz"
    export(cfg, seeded.database, "warc", output)
    script = "import sys; from cdxj_indexer.main import main; main()"
    result = subprocess.run([sys.executable, "-c", script, str(output)], capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    indexed = [line for line in lines if '"mime": "text/html"' in line and '"status": "200"' in line]
    assert len(indexed) == 6
