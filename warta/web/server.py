"""The HTTP server of every warta application (the archive browser, the feed folder, the daemon's endpoints).

uvicorn runs the ASGI application in a background thread, on a socket bound
beforehand so that a busy port is reported before anything is announced and a
burst of clients waits in a listen queue of 1,024. Its h11 protocol is
narrowed to what a read-only public server needs: an oversized request line is
refused with 414 and oversized or too many headers with 431 before the
application sees them, a client silent for `idle_timeout_seconds` (mid-request
or between requests) is disconnected, and a request whose body the application
did not read closes the connection after its answer instead of waiting for the
body. It does not handle TLS: put a reverse proxy in front for HTTPS.
"""

from __future__ import annotations

import asyncio
import logging
import socket
import threading

import h11
import uvicorn
from starlette.types import ASGIApp, Message, Receive, Scope, Send
from uvicorn.protocols.http.h11_impl import H11Protocol

logger = logging.getLogger(__name__)

MAX_REQUEST_LINE_BYTES = 8192
MAX_HEADER_BYTES = 16384
MAX_HEADERS = 100
# A client silent this long mid-request or between requests is disconnected, so stalled connections cannot pile up.
IDLE_TIMEOUT_SECONDS = 30.0
# A burst of feed readers must not see dropped SYNs and second-long retransmit stalls;
# the kernel caps this at net.core.somaxconn.
LISTEN_QUEUE_SIZE = 1024
# Requests still being answered at shutdown get this long before they are cancelled.
SHUTDOWN_GRACE_SECONDS = 5
# How often serve_until checks that the server thread has not died on its own.
WATCH_INTERVAL_SECONDS = 0.5


def head_refusal(head: bytes) -> tuple[int, str, str] | None:
    """Return (status, reason, message) refusing a request head that is too large so far, or None."""
    line_end = head.find(b"\n")
    request_line = head if line_end < 0 else head[:line_end]
    if len(request_line.rstrip(b"\r")) > MAX_REQUEST_LINE_BYTES:
        return 414, "URI Too Long", f"request line too long (at most {MAX_REQUEST_LINE_BYTES} bytes)"
    if line_end < 0:
        return None
    head_end = head.find(b"\r\n\r\n", max(line_end - 1, 0))
    headers = head[line_end + 1 : head_end if head_end >= 0 else len(head)]
    if len(headers) > MAX_HEADER_BYTES:
        return 431, "Request Header Fields Too Large", f"request headers too large (at most {MAX_HEADER_BYTES} bytes)"
    if sum(1 for line in headers.split(b"\n") if line.strip()) > MAX_HEADERS:
        return 431, "Request Header Fields Too Large", f"too many request headers (at most {MAX_HEADERS})"
    return None


class BoundedH11Protocol(H11Protocol):
    """uvicorn's h11 protocol with warta's limits on request heads and idle clients."""

    def connection_made(self, transport: asyncio.Transport) -> None:  # type: ignore[override]
        """Start the connection's idle timer: a client that never sends a request is dropped."""
        super().connection_made(transport)
        self._wait_for_request_head()

    def data_received(self, data: bytes) -> None:
        """Refuse an oversized request head, else parse the data; restart the idle timer while a head is due."""
        if self.conn.their_state is h11.IDLE:
            refusal = head_refusal(self.conn.trailing_data[0] + data)
            if refusal is not None:
                self._unset_keepalive_if_required()
                self._refuse(*refusal)
                return
        super().data_received(data)
        if self.conn.their_state is h11.IDLE:
            self._wait_for_request_head()

    def send_400_response(self, msg: str) -> None:
        """Answer a request h11 cannot parse (a TLS handshake, a malformed request line) with 400."""
        self._refuse(400, "Bad Request", "Bad request: not an HTTP/1.1 request (this port speaks plain HTTP)")

    def timeout_keep_alive_handler(self) -> None:
        """Disconnect a client that stayed silent for the idle timeout."""
        if not self.transport.is_closing():
            logger.debug("dropping %s: silent for %ss", self.client, self.timeout_keep_alive)
            self.transport.close()

    def _wait_for_request_head(self) -> None:
        self._unset_keepalive_if_required()
        if not self.transport.is_closing():
            self.timeout_keep_alive_task = self.loop.call_later(
                self.timeout_keep_alive, self.timeout_keep_alive_handler
            )

    def _refuse(self, status: int, reason: str, message: str) -> None:
        # written directly: h11 has not seen a complete request to answer
        body = (message + "\n").encode("utf-8")
        head = (
            f"HTTP/1.1 {status} {reason}\r\nContent-Type: text/plain; charset=utf-8\r\n"
            f"Content-Length: {len(body)}\r\nConnection: close\r\n\r\n"
        )
        logger.debug("refused a request from %s: %s", self.client, message)
        self.transport.write(head.encode("ascii") + body)
        self.transport.close()


class CloseAfterUnreadBody:
    """ASGI middleware: a request that announces a body closes its connection after the answer.

    warta's applications never read request bodies, so the connection cannot be reused
    without first reading (and waiting for) a body of any announced size.
    """

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or not _announces_body(scope):
            await self.app(scope, receive, send)
            return

        async def send_closing(message: Message) -> None:
            if message["type"] == "http.response.start":
                message = {**message, "headers": [*message.get("headers", []), (b"Connection", b"close")]}
            await send(message)

        await self.app(scope, receive, send_closing)


def _announces_body(scope: Scope) -> bool:
    """Return True when the request's headers announce a body."""
    for name, value in scope["headers"]:
        lowered = name.lower()
        if lowered == b"transfer-encoding" or (lowered == b"content-length" and value.strip() not in (b"", b"0")):
            return True
    return False


def listen(host: str, port: int) -> socket.socket:
    """Return a socket bound to host:port and listening (port 0 picks a free one); raise OSError."""
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    listener = socket.socket(family, socket.SOCK_STREAM)
    try:
        listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        listener.bind((host, port))
        listener.listen(LISTEN_QUEUE_SIZE)
    except OSError:
        listener.close()
        raise
    return listener


class HttpServer:
    """An ASGI application served by uvicorn on an already listening socket, in a background thread."""

    def __init__(
        self, app: ASGIApp, listener: socket.socket, idle_timeout_seconds: float = IDLE_TIMEOUT_SECONDS
    ) -> None:
        self.listener = listener
        config = uvicorn.Config(
            CloseAfterUnreadBody(app),
            http=BoundedH11Protocol,
            lifespan="off",
            log_config=None,
            log_level="warning",
            access_log=False,
            server_header=False,
            backlog=LISTEN_QUEUE_SIZE,
            timeout_keep_alive=idle_timeout_seconds,  # type: ignore[arg-type]
            timeout_graceful_shutdown=SHUTDOWN_GRACE_SECONDS,
            # a head larger than both limits cannot be refused by size any more: h11 answers 400
            h11_max_incomplete_event_size=MAX_REQUEST_LINE_BYTES + MAX_HEADER_BYTES + 1024,
        )
        self.server = uvicorn.Server(config)
        self.thread = threading.Thread(
            target=self.server.run, kwargs={"sockets": [listener]}, name="warta-http", daemon=True
        )

    @classmethod
    def bind(cls, app: ASGIApp, host: str, port: int, idle_timeout_seconds: float = IDLE_TIMEOUT_SECONDS) -> HttpServer:
        """Return a server for `app` bound to host:port (0 picks a free port), not yet serving; raise OSError."""
        return cls(app, listen(host, port), idle_timeout_seconds)

    @property
    def address(self) -> tuple[str, int]:
        """Return the (host, port) the server listens on."""
        host, port = self.listener.getsockname()[:2]
        return str(host), int(port)

    @property
    def url(self) -> str:
        """Return the server's base URL, e.g. http://127.0.0.1:8000/."""
        host, port = self.address
        return f"http://{f'[{host}]' if ':' in host else host}:{port}/"

    def start(self) -> None:
        """Start answering requests (connections made before this wait in the listen queue)."""
        self.thread.start()

    def stop(self) -> None:
        """Stop answering, let requests in flight finish, and close the socket."""
        if self.thread.is_alive():
            self.server.should_exit = True
            self.thread.join()
        self.listener.close()

    def serve_until(self, stop: threading.Event) -> None:
        """Serve until `stop` is set (or the server thread dies), then stop."""
        self.start()
        try:
            while self.thread.is_alive() and not stop.wait(WATCH_INTERVAL_SECONDS):
                pass
        finally:
            self.stop()
