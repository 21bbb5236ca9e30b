"""pywb for the replay tests: its `wayback` server on loopback over a folder of collections.

The archive tests (WARC export, revisits, the CDXJ index) and the page-requisites test replay
what warta exported through the same server and read it back with `fetch`.
"""

from __future__ import annotations

import subprocess
import sys
import urllib.error
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from tests.conftest import free_port, wait_for

BIN = Path(sys.executable).parent


def new_collection(root: Path, name: str = "warta") -> Path:
    """Create an empty pywb collection under `root` (`wb-manager init`); return its folder."""
    subprocess.run([BIN / "wb-manager", "init", name], cwd=root, check=True, capture_output=True, timeout=60)
    return root / "collections" / name


def add_warc(root: Path, name: str, warc: Path) -> None:
    """Copy a WARC into a collection and index it (`wb-manager add`), as pywb's users do."""
    subprocess.run([BIN / "wb-manager", "add", name, str(warc)], cwd=root, check=True, capture_output=True, timeout=60)


@contextmanager
def running_pywb(root: Path) -> Iterator[str]:
    """Run `wayback` over the collections under `root` on a free loopback port; yield its base URL.

    Its auto-indexing stays off: a WARC is indexed by `add_warc` (or an index copied in) before a test
    asks for it, since pywb can answer a request made while it indexes with a 404 that it keeps.
    """
    port = free_port()
    arguments = [str(BIN / "wayback"), "-p", str(port), "-b", "127.0.0.1"]
    server = subprocess.Popen(arguments, cwd=root, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.terminate()
        server.wait(timeout=30)


def fetch(url: str) -> tuple[int, bytes]:
    """Return status and body of `url`, waiting for pywb to start (it has no readiness signal)."""
    status, body, _ = fetch_memento(url)
    return status, body


def fetch_memento(url: str) -> tuple[int, bytes, str | None]:
    """Return status, body and Memento-Datetime of `url`: the time of the record pywb replayed it from.

    pywb answers a time it holds no record of from the nearest record, so only this header tells
    which record answered. Until pywb listens, the request is tried again.
    """

    def answer() -> tuple[int, bytes, str | None] | None:
        try:
            with urllib.request.urlopen(url, timeout=10) as response:
                return response.status, response.read(), response.headers.get("Memento-Datetime")
        except urllib.error.HTTPError as exc:
            return exc.code, exc.read(), exc.headers.get("Memento-Datetime")
        except OSError:
            return None

    answered: tuple[int, bytes, str | None] = wait_for(answer, timeout=60, interval=0.1)
    return answered
