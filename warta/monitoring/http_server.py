"""The daemon's HTTP server: /healthz, /metrics, and the feed directory.

It is a small WSGI dispatcher served by the feed server (feeds.server) in threads: the two monitoring
paths are answered here, everything else goes to the feeds application (the
same one `warta feeds serve` runs) when one is mounted, else 404.
"""

from __future__ import annotations

import json
import logging
import threading
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

from warta.feeds.server import make_feed_server

logger = logging.getLogger(__name__)

StartResponse = Callable[..., Any]
WsgiApp = Callable[[dict[str, Any], StartResponse], Iterable[bytes]]


@dataclass(frozen=True)
class HealthReport:
    """What /healthz says: healthy or not, and the details."""

    healthy: bool
    details: dict[str, Any]


class MonitoringApp:
    """Answer /healthz and /metrics; pass any other path to the feeds app (or 404)."""

    def __init__(
        self,
        health: Callable[[], HealthReport],
        metrics: Callable[[], bytes],
        metrics_content_type: str,
        feeds_app: WsgiApp | None = None,
    ) -> None:
        self.health = health
        self.metrics = metrics
        self.metrics_content_type = metrics_content_type
        self.feeds_app = feeds_app

    def __call__(self, environ: dict[str, Any], start_response: StartResponse) -> Iterable[bytes]:
        path = environ.get("PATH_INFO", "/")
        method = environ.get("REQUEST_METHOD", "GET")
        if path in ("/healthz", "/metrics") and method not in ("GET", "HEAD"):
            return _answer(
                start_response,
                "405 Method Not Allowed",
                b"GET or HEAD only\n",
                "text/plain",
                method,
                [("Allow", "GET, HEAD")],
            )
        if path == "/healthz":
            report = self.health()
            body = json.dumps(report.details, indent=2).encode("utf-8") + b"\n"
            status = "200 OK" if report.healthy else "503 Service Unavailable"
            return _answer(start_response, status, body, "application/json", method)
        if path == "/metrics":
            return _answer(start_response, "200 OK", self.metrics(), self.metrics_content_type, method)
        if self.feeds_app is not None:
            return self.feeds_app(environ, start_response)
        return _answer(start_response, "404 Not Found", b"not found\n", "text/plain; charset=utf-8", method)


def _answer(
    start_response: StartResponse,
    status: str,
    body: bytes,
    content_type: str,
    method: str,
    extra: list[tuple[str, str]] | None = None,
) -> list[bytes]:
    headers = [("Content-Type", content_type), ("Content-Length", str(len(body))), ("Cache-Control", "no-store")]
    start_response(status, headers + (extra or []))
    return [] if method == "HEAD" else [body]


class HttpService:
    """Serve a WSGI app on host:port in a background thread."""

    def __init__(self, host: str, port: int, app: WsgiApp) -> None:
        # the feed server's own limits (request line, headers, idle clients, listen queue) apply here too
        self.server = make_feed_server(host, port, app)
        self.thread = threading.Thread(target=self.server.serve_forever, name="http", daemon=True)

    @property
    def address(self) -> tuple[str, int]:
        """Return the (host, port) the server listens on."""
        host, port = self.server.server_address[:2]
        return str(host), int(port)

    def start(self) -> None:
        """Start answering requests."""
        self.thread.start()

    def stop(self) -> None:
        """Stop answering and close the socket."""
        self.server.shutdown()
        self.server.server_close()
        self.thread.join(timeout=5)


def split_listen(listen: str) -> tuple[str, int]:
    """Return (host, port) of a `[daemon] listen` value such as '127.0.0.1:8080' or '[::1]:8080'."""
    host, _, port = listen.rpartition(":")
    return host.strip("[]"), int(port)
