"""Daemon fixtures: a webhook receiver, crawl runs written through storage, polling, free ports."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import threading
import urllib.error
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest
from lxml import etree
from prometheus_client.parser import text_string_to_metric_families
from sqlalchemy import select

from tests.conftest import require_shared, require_tool, wait_for
from tests.daemon.sites import write_listing_site
from warta.demo.siteserver import SiteServer
from warta.storage.database import Database
from warta.storage.models import CrawlRun, Source
from warta.storage.runs import RunCounts, finish_run, start_run


@dataclass
class WebhookReceiver:
    """A local HTTP endpoint that records JSON POSTs; the first `failures` answer 500."""

    url: str
    failures: int = 0
    received: list[dict[str, Any]] = field(default_factory=list)
    attempts: int = 0
    lock: threading.Lock = field(default_factory=threading.Lock)


@pytest.fixture
def webhook_receiver() -> Iterator[WebhookReceiver]:
    """Yield a running webhook receiver on 127.0.0.1."""
    receiver = WebhookReceiver(url="")

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
            with receiver.lock:
                receiver.attempts += 1
                failing = receiver.attempts <= receiver.failures
                if not failing:
                    receiver.received.append(json.loads(body))
            self.send_response(500 if failing else 204)
            self.send_header("Content-Length", "0")
            self.end_headers()

        def log_message(self, format: str, *args: Any) -> None:
            return

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    receiver.url = f"http://127.0.0.1:{server.server_address[1]}/hook"
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield receiver
    server.shutdown()
    server.server_close()


def add_run(database: Database, source_id: str, started_at: datetime, status: str = "ok", **counts: int) -> int:
    """Record a finished crawl run through storage and return its id."""
    values = {"requests": 10, "new": 1, "unchanged": 5, "links_found": 10, **counts}
    with database.transaction() as session:
        run_id = start_run(session, source_id, started_at)
        finish_run(session, run_id, status, RunCounts(**values), "start URL answered 500" if status == "failed" else "")
    return run_id


def atom_errors(document: bytes) -> list[str]:
    """Return the RELAX NG errors of an Atom document against ../shared/schemas/atom.rng (none when valid)."""
    schema = etree.RelaxNG(etree.parse(str(require_shared("schemas/atom.rng"))))
    parser = etree.XMLParser(resolve_entities=False, no_network=True)
    valid = schema.validate(etree.fromstring(document, parser))
    return [] if valid else [str(error) for error in schema.error_log]


@dataclass
class DaemonProcess:
    """A `warta daemon` running as a real subprocess, its log in a file."""

    process: subprocess.Popen[bytes]
    config_path: Path
    log_path: Path
    base_url: str

    def log(self) -> str:
        """Return what the daemon logged so far."""
        return self.log_path.read_text(encoding="utf-8", errors="replace")

    def get(self, path: str) -> tuple[int, dict[str, str], bytes]:
        """GET a path of the daemon's HTTP server; return status, headers and body."""
        try:
            with urllib.request.urlopen(self.base_url + path, timeout=10) as response:
                return response.status, dict(response.headers.items()), response.read()
        except urllib.error.HTTPError as exc:
            with exc:
                return exc.code, dict(exc.headers.items()), exc.read()

    def answers(self) -> bool:
        """Return True once /healthz answers 200."""
        try:
            return self.get("/healthz")[0] == 200
        except (urllib.error.URLError, OSError):
            return False

    def stop(self, signum: int = signal.SIGTERM, timeout: float = 60.0) -> int:
        """Send `signum` and return the exit status (fail the test if it does not exit within `timeout`)."""
        if self.process.poll() is None:
            self.process.send_signal(signum)
        try:
            return self.process.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()
            pytest.fail(f"the daemon did not exit within {timeout}s of signal {signum}:\n{self.log()[-3000:]}")


def daemon_config(
    db_url: str, port: int, sources: str, crawl_timeout: str = "60s", shutdown_grace: str = "30s", extra: str = ""
) -> str:
    """Return a config for a test daemon: the database, a fast polite-enough crawler, and the sources."""
    return f"""
[storage]
url = "{db_url}"

[crawler]
download_delay = "0s"
timeout = "60s"

[feeds]
dir = "public"
base_url = "http://127.0.0.1:{port}/"

[daemon]
listen = "127.0.0.1:{port}"
crawl_timeout = "{crawl_timeout}"
shutdown_grace = "{shutdown_grace}"
{extra}
{sources}
"""


def start_daemon(config_path: Path, port: int, log_name: str = "daemon.log", log_format: str = "text") -> DaemonProcess:
    """Start `warta daemon` on the config and wait until /healthz answers."""
    env = {key: value for key, value in os.environ.items() if not key.startswith("WARTA_")}
    log_path = config_path.parent / log_name
    with log_path.open("ab") as log_file:
        process = subprocess.Popen(
            [sys.executable, "-m", "warta", "--config", str(config_path), "--log-format", log_format, "daemon"],
            stdout=log_file, stderr=log_file, stdin=subprocess.DEVNULL, env=env, cwd=config_path.parent,
        )  # fmt: skip
    daemon = DaemonProcess(process, config_path, log_path, f"http://127.0.0.1:{port}")
    wait_for(lambda: daemon.answers() or process.poll() is not None, timeout=60)
    if process.poll() is not None:
        pytest.fail(f"the daemon exited with {process.returncode}:\n{daemon.log()}")
    return daemon


@pytest.fixture
def daemons() -> Iterator[list[DaemonProcess]]:
    """Collect the daemons a test starts, and make sure none outlives it."""
    started: list[DaemonProcess] = []
    yield started
    for daemon in started:
        if daemon.process.poll() is None:
            daemon.process.kill()
            daemon.process.wait()


@dataclass
class Site:
    """The listing site served on 127.0.0.1, with a path that never answers."""

    server: SiteServer
    release: threading.Event

    @property
    def url(self) -> str:
        return self.server.url


@pytest.fixture
def site(tmp_path: Path) -> Iterator[Site]:
    """Serve the test listing site; /hang/ holds every request until `release` is set (at the latest, at the end)."""
    release = threading.Event()
    server = SiteServer(write_listing_site(tmp_path / "site"), day="good")

    def hang(handler: BaseHTTPRequestHandler) -> None:
        release.wait(120)
        # released: answer at once, so that a crawl still waiting ends now
        handler.send_error(404, "released")

    server.add_route("/hang/", hang)
    server.start()
    yield Site(server, release)
    release.set()
    server.stop()


def crawl_runs(database: Database, source_id: str | None = None) -> list[CrawlRun]:
    """Return the stored crawl runs (of one source), oldest first."""
    statement = select(CrawlRun).order_by(CrawlRun.id)
    if source_id is not None:
        statement = statement.where(CrawlRun.source_id == source_id)
    with database.reading() as session:
        return list(session.execute(statement).scalars())


def sqlite_url(folder: Path) -> str:
    return f"sqlite:///{folder / 'warta.db'}"


def metric_samples(text: str) -> dict[tuple[str, tuple[tuple[str, str], ...]], float]:
    samples = {}
    for family in text_string_to_metric_families(text):
        for sample in family.samples:
            samples[(sample.name, tuple(sorted(sample.labels.items())))] = sample.value
    return samples


def promtool_check_metrics(exposition: bytes) -> tuple[int, str]:
    """Return promtool's exit status and complaints about a /metrics body (0 and '' when clean)."""
    promtool = require_tool("promtool", "prometheus")
    checked = subprocess.run(
        [promtool, "check", "metrics"], input=exposition, capture_output=True, timeout=60, check=False
    )
    return checked.returncode, (checked.stdout + checked.stderr).decode(errors="replace").strip()


def source_health(database: Database, source_id: str) -> str:
    with database.reading() as session:
        source = session.execute(select(Source).where(Source.id == source_id)).scalar_one_or_none()
    return source.health if source else "missing"
