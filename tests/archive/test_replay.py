"""pywb replays the WARC export: the archived page comes back as it was received, decoded."""

from __future__ import annotations

from tests.archive.conftest import SeededArchive
from tests.pywb import add_warc, fetch
from warta.archive import export


def test_pywb_replays_every_archived_page_as_received(seeded: SeededArchive, cfg, wayback, tmp_path):
    root, base = wayback
    output = tmp_path / "archive.warc.gz"
    export(cfg, seeded.database, "warc", output)
    add_warc(root, "warta", output)
    status, body = fetch(f"{base}/20261123070500id_/{seeded.urls['festival']}")
    # the first capture's header said gzip over a decoded body; replay must still give readable HTML
    assert status == 200 and body.startswith(b"<!DOCTYPE html>")
    assert b"<title>Festival Budaya Betawi</title>" in body
    status, body = fetch(f"{base}/20261123070500id_/{seeded.urls['pameran']}")
    assert status == 200 and b"Jakarta, Kota Global" in body
    missing_status, _ = fetch(f"{base}/20261123070500id_/https://disbud.jakarta.go.id/tidak-ada")
    assert missing_status == 404
