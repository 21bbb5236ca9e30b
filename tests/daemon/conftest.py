"""Daemon fixtures: a webhook receiver, crawl runs written through storage, polling, free ports."""

from __future__ import annotations

import json
import socket
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest
from lxml import etree

from storage.database import Database
from storage.runs import RunCounts, finish_run, start_run
from tests.conftest import require_shared


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


def wait_for(condition: Callable[[], Any], timeout: float = 20.0, interval: float = 0.05) -> Any:
    """Poll until `condition()` is truthy and return its value; fail the test after `timeout` seconds."""
    deadline = time.monotonic() + timeout
    while True:
        value = condition()
        if value:
            return value
        if time.monotonic() > deadline:
            pytest.fail(f"condition not met within {timeout}s: {condition}")
        time.sleep(interval)


def free_port() -> int:
    """Return a TCP port on 127.0.0.1 that nothing listens on right now."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def atom_errors(document: bytes) -> list[str]:
    """Return the RELAX NG errors of an Atom document against ../shared/schemas/atom.rng (none when valid)."""
    schema = etree.RelaxNG(etree.parse(str(require_shared("schemas/atom.rng"))))
    parser = etree.XMLParser(resolve_entities=False, no_network=True)
    valid = schema.validate(etree.fromstring(document, parser))
    return [] if valid else [str(error) for error in schema.error_log]
