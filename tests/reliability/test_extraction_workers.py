"""Extraction workers end with their crawl, however it ends: `kill -9` of a crawl leaves no worker behind."""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.conftest import wait_for, write_config
from tests.processes import descendants, parent_of, start_time
from tests.reliability.faultsite import FaultSite, article_html, drip, page


@pytest.fixture
def site() -> Iterator[FaultSite]:
    """Yield a site whose first article answers at once and whose second never ends (until the test stops it)."""
    server = FaultSite()
    links = "<li><a href='/artikel/cepat'>Cepat</a></li><li><a href='/artikel/lambat'>Lambat</a></li>"
    server.route("/berita", good=page(f"<html><body><ul>{links}</ul></body></html>"))
    server.route("/artikel/cepat", good=page(article_html("cepat")))
    server.route("/artikel/lambat", good=drip(server))  # keeps the crawl running until it is killed
    server.start()
    yield server
    server.stop()


def process_identity(pid: int) -> tuple[int, str] | None:
    """Return (pid, start time) of a living process, or None once it has ended (a zombie has ended)."""
    started = start_time(pid)
    return (pid, started) if started is not None else None


def extraction_workers(crawl_pid: int) -> list[tuple[int, str]]:
    """Return the identities of the crawl's extraction workers: the children of its fork server.

    The fork server is the crawl's own child; the workers are forked from it, so their
    command line is the server's (multiprocessing.forkserver) and their parent is not the crawl.
    """
    workers = []
    for pid in descendants(crawl_pid):
        with contextlib.suppress(OSError):
            command = Path(f"/proc/{pid}/cmdline").read_bytes()
            identity = process_identity(pid)
            if b"multiprocessing.forkserver" in command and parent_of(pid) != crawl_pid and identity:
                workers.append(identity)
    return workers


def living_descendants(crawl_pid: int) -> list[tuple[int, str]]:
    """Return the identities of every living process the crawl started (workers and multiprocessing's helper)."""
    return [identity for pid in descendants(crawl_pid) if (identity := process_identity(pid))]


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="reads processes from /proc")
def test_extraction_workers_die_when_their_crawl_is_killed(tmp_path: Path, site: FaultSite) -> None:
    config = write_config(
        tmp_path,
        f"""
[storage]
url = "sqlite:///{tmp_path / "warta.db"}"

[crawler]
download_delay = "0s"
timeout = "10m"

[[sources]]
id = "berita"
kind = "listing"
urls = ["{site.url}/berita"]
follow = ["/artikel/"]
""",
    )
    crawl = subprocess.Popen(
        [sys.executable, "-m", "warta", "--config", str(config), "crawl"],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        env={**os.environ, "WARTA_STORAGE_URL": ""},
    )
    workers: list[tuple[int, str]] = []
    try:
        # the pool starts its two workers with the first extraction, of /artikel/cepat
        workers = wait_for(lambda: (found := extraction_workers(crawl.pid)) and len(found) >= 2 and found)
        assert crawl.poll() is None, "the crawl ended before it could be killed"  # /artikel/lambat holds it
        workers = living_descendants(crawl.pid)
        crawl.send_signal(signal.SIGKILL)
        assert crawl.wait(timeout=30) == -signal.SIGKILL
        wait_for(lambda: not any(process_identity(pid) == (pid, start) for pid, start in workers), timeout=30)
    finally:
        if crawl.poll() is None:
            crawl.kill()
            crawl.wait()
        for pid, start in workers:  # never leave a worker behind, even when the test fails
            if process_identity(pid) == (pid, start):
                with contextlib.suppress(ProcessLookupError):
                    os.kill(pid, signal.SIGKILL)
