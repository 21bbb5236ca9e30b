"""The daemon's monitoring endpoints, /healthz and /metrics, as an ASGI application.

The daemon serves it in front of the archive browser and the feed folder
(warta.web.dispatch); it answers only its two paths, by GET and HEAD.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from starlette.concurrency import run_in_threadpool
from starlette.types import Receive, Scope, Send

logger = logging.getLogger(__name__)

PATHS = ("/healthz", "/metrics")


@dataclass(frozen=True)
class HealthReport:
    """What /healthz says: healthy or not, and the details."""

    healthy: bool
    details: dict[str, Any]


class MonitoringApp:
    """Answer /healthz and /metrics (GET and HEAD); any other path is 404."""

    def __init__(
        self,
        health: Callable[[], HealthReport],
        metrics: Callable[[], bytes],
        metrics_content_type: str,
    ) -> None:
        self.health = health
        self.metrics = metrics
        self.metrics_content_type = metrics_content_type

    def answers(self, scope: Scope) -> bool:
        """Return True for a request of one of the monitoring paths."""
        return scope["type"] == "http" and scope["path"] in PATHS

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            return
        path, method = scope["path"], scope["method"]
        if path in PATHS and method not in ("GET", "HEAD"):
            extra = [(b"Allow", b"GET, HEAD"), (b"Connection", b"close")]
            await _answer(send, 405, b"GET or HEAD only\n", "text/plain", extra)
        elif path == "/healthz":
            # the health check asks the database: blocking work, kept off the event loop
            report = await run_in_threadpool(self.health)
            body = json.dumps(report.details, indent=2).encode("utf-8") + b"\n"
            await _answer(send, 200 if report.healthy else 503, body, "application/json")
        elif path == "/metrics":
            await _answer(send, 200, await run_in_threadpool(self.metrics), self.metrics_content_type)
        else:
            await _answer(send, 404, b"not found\n", "text/plain; charset=utf-8")


async def _answer(
    send: Send, status: int, body: bytes, content_type: str, extra: list[tuple[bytes, bytes]] | None = None
) -> None:
    headers = [
        (b"Content-Type", content_type.encode("latin-1")),
        (b"Content-Length", str(len(body)).encode()),
        (b"Cache-Control", b"no-store"),
        *(extra or []),
    ]
    # uvicorn sends no body to HEAD itself; the Content-Length stays that of GET
    await send({"type": "http.response.start", "status": status, "headers": headers})
    await send({"type": "http.response.body", "body": body})


def split_listen(listen: str) -> tuple[str, int]:
    """Return (host, port) of a `[daemon] listen` value such as '127.0.0.1:8080' or '[::1]:8080'."""
    host, _, port = listen.rpartition(":")
    return host.strip("[]"), int(port)
