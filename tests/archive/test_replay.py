"""pywb replays the WARC export: the archived page comes back as it was received, decoded."""

from __future__ import annotations

import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.archive.conftest import SeededArchive
from tests.conftest import free_port
from warta.archive import export

BIN = Path(sys.executable).parent


@pytest.fixture
def wayback(tmp_path: Path) -> Iterator[tuple[Path, str]]:
    """Yield a pywb collection folder and the base URL of a running pywb serving it."""
    root = tmp_path / "pywb"
    root.mkdir()
    subprocess.run([BIN / "wb-manager", "init", "warta"], cwd=root, check=True, capture_output=True, timeout=60)
    port = free_port()
    server = subprocess.Popen(
        [BIN / "wayback", "-p", str(port), "-b", "127.0.0.1", "--auto-interval", "1"],
        cwd=root,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        yield root, f"http://127.0.0.1:{port}/warta"
    finally:
        server.terminate()
        server.wait(timeout=30)


def fetch(url: str, attempts: int = 100) -> tuple[int, bytes]:
    """Return status and body of `url`, waiting for pywb to start (it has no readiness signal)."""
    for _ in range(attempts):
        try:
            with urllib.request.urlopen(url, timeout=10) as response:
                return response.status, response.read()
        except urllib.error.HTTPError as exc:
            return exc.code, exc.read()
        except OSError:
            time.sleep(0.1)
    raise AssertionError(f"pywb did not answer {url}")


def test_pywb_replays_every_archived_page_as_received(seeded: SeededArchive, cfg, wayback, tmp_path):
    root, base = wayback
    output = tmp_path / "archive.warc.gz"
    export(cfg, seeded.database, "warc", output)
    subprocess.run(
        [BIN / "wb-manager", "add", "warta", str(output)], cwd=root, check=True, capture_output=True, timeout=60
    )
    status, body = fetch(f"{base}/20261123070500id_/{seeded.urls['festival']}")
    # the first capture's header said gzip over a decoded body; replay must still give readable HTML
    assert status == 200 and body.startswith(b"<!DOCTYPE html>")
    assert b"<title>Festival Budaya Betawi</title>" in body
    status, body = fetch(f"{base}/20261123070500id_/{seeded.urls['pameran']}")
    assert status == 200 and b"Jakarta, Kota Global" in body
    missing_status, _ = fetch(f"{base}/20261123070500id_/https://disbud.jakarta.go.id/tidak-ada")
    assert missing_status == 404
