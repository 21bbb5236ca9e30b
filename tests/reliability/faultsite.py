"""A hostile web site on 127.0.0.1 for crawl tests: every way a server can misbehave, behind one switch.

In "good" mode every article path serves a plain article, so a first crawl can archive
it; in "hostile" mode the same paths fail in their own way (errors, resets, short
bodies, drips, loops, bombs, wrong types), and feeds and sitemaps turn malicious.
Every request is logged with its start and end time and how many requests to the
site were in flight when it started, so politeness can be asserted from the server's side.
"""

from __future__ import annotations

import functools
import gzip
import select
import socket
import struct
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import urlsplit

ARTICLE_TEXT = (
    "Dinas Kebudayaan DKI Jakarta menggelar pertunjukan seni di Taman Ismail Marzuki pada akhir pekan ini. "
    "Acara ini menampilkan tari tradisional, musik gambang kromong dan pameran kerajinan dari lima wilayah kota. "
    "Panitia mengatakan tiket dapat dipesan secara daring mulai hari Senin dan jumlah kursi terbatas. "
    "Pemerintah provinsi berharap acara ini menarik wisatawan dan memperkuat ekosistem seni di Jakarta."
)


def article_html(
    slug: str, extra: str = "", title: str | None = None, charset: str = "utf-8", text: str = ARTICLE_TEXT
) -> str:
    """Return an article page whose text names `slug` (pages sharing `text` are near-duplicates)."""
    heading = title or f"Pertunjukan {slug}"
    return (
        f"<!DOCTYPE html><html lang='id'><head><meta charset='{charset}'><title>{heading}</title></head>"
        f"<body><nav>Beranda | Berita</nav><article><h1>{heading}</h1>"
        f"<p>{text}</p><p>Catatan redaksi untuk {slug}: {text}</p>{extra}</article>"
        "<footer>Pemprov DKI</footer></body></html>"
    )


@dataclass(frozen=True)
class Hit:
    """One request as the server saw it."""

    path: str
    user_agent: str
    started: float
    ended: float
    in_flight: int
    status: int


Handler = Callable[[BaseHTTPRequestHandler], int]


class FaultSite:
    """A threaded HTTP server whose routes depend on the mode ("good" or "hostile")."""

    def __init__(self, host: str = "127.0.0.1") -> None:
        self.host = host
        self.mode = "good"
        self.routes: dict[str, dict[str, Handler]] = {"good": {}, "hostile": {}}
        self.hits: list[Hit] = []
        self._lock = threading.Lock()
        self._in_flight = 0
        self.stop_dripping = threading.Event()
        site = self

        class RequestHandler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def do_GET(self) -> None:
                site._serve(self)

            def log_message(self, format: str, *args: object) -> None:
                pass

        class Server(ThreadingHTTPServer):
            def handle_error(self, request: object, client_address: object) -> None:
                pass  # a crawler killed mid-request resets its connections: expected here

        self.server = Server((host, 0), RequestHandler)
        self.server.daemon_threads = True
        self.server.request_queue_size = 128
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    @property
    def url(self) -> str:
        """Return the site's base URL."""
        return f"http://{self.host}:{self.server.server_address[1]}"

    def route(self, path: str, good: Handler | None = None, hostile: Handler | None = None) -> None:
        """Serve `path` with `good` in good mode and `hostile` in hostile mode (the same when one is missing)."""
        self.routes["good"][path] = good or hostile  # type: ignore[assignment]
        self.routes["hostile"][path] = hostile or good  # type: ignore[assignment]

    def start(self) -> FaultSite:
        """Start serving in a background thread."""
        self.thread.start()
        return self

    def stop(self) -> None:
        """Stop serving and release any dripping response."""
        self.stop_dripping.set()
        self.server.shutdown()
        self.server.server_close()
        self.thread.join()

    def hits_of(self, path: str) -> list[Hit]:
        """Return the logged requests for `path` (query strings ignored)."""
        return [hit for hit in self.hits if hit.path == path]

    def _serve(self, handler: BaseHTTPRequestHandler) -> None:
        path = urlsplit(handler.path).path
        with self._lock:
            self._in_flight += 1
            in_flight = self._in_flight
        started = time.monotonic()
        status = 0
        try:
            route = self.routes[self.mode].get(path)
            status = route(handler) if route else send(handler, 404, b"not found", "text/plain")
        except OSError:
            status = -1  # the client hung up
        finally:
            with self._lock:
                self._in_flight -= 1
                self.hits.append(
                    Hit(path, handler.headers.get("User-Agent", ""), started, time.monotonic(), in_flight, status)
                )


def send(
    handler: BaseHTTPRequestHandler,
    status: int,
    body: bytes,
    content_type: str = "text/html; charset=utf-8",
    headers: dict[str, str] | None = None,
) -> int:
    """Send a complete response; return its status."""
    handler.send_response(status)
    handler.send_header("Content-Type", content_type)
    handler.send_header("Content-Length", str(len(body)))
    for name, value in (headers or {}).items():
        handler.send_header(name, value)
    handler.end_headers()
    handler.wfile.write(body)
    return status


def page(html: str, content_type: str = "text/html; charset=utf-8", encoding: str = "utf-8") -> Handler:
    """Return a handler serving `html` encoded with `encoding` under `content_type`."""
    return lambda handler: send(handler, 200, html.encode(encoding), content_type)


def status(code: int, headers: dict[str, str] | None = None) -> Handler:
    """Return a handler answering `code` with a short body."""
    return lambda handler: send(handler, code, f"status {code}".encode(), "text/plain", headers)


def redirect(target: str, code: int = 302) -> Handler:
    """Return a handler redirecting to `target`."""
    return lambda handler: send(handler, code, b"", "text/plain", {"Location": target})


def reset(handler: BaseHTTPRequestHandler) -> int:
    """Close the connection with a TCP reset before answering."""
    handler.connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
    handler.connection.close()
    handler.close_connection = True
    return -2


def short_body(handler: BaseHTTPRequestHandler) -> int:
    """Promise 20,000 bytes, send 300, and hang up."""
    handler.send_response(200)
    handler.send_header("Content-Type", "text/html; charset=utf-8")
    handler.send_header("Content-Length", "20000")
    handler.end_headers()
    handler.wfile.write(article_html("short").encode()[:300])
    handler.wfile.flush()
    handler.close_connection = True
    return 200


def drip(site: FaultSite) -> Handler:
    """Return a handler that sends one byte every 0.2 s, forever (until the client or the test gives up)."""

    def dripping(handler: BaseHTTPRequestHandler) -> int:
        handler.send_response(200)
        handler.send_header("Content-Type", "text/html; charset=utf-8")
        handler.send_header("Content-Length", "1000000")
        handler.end_headers()
        handler.wfile.flush()
        while not site.stop_dripping.is_set():
            # readable means the client hung up: end now, so the log shows when it let go
            readable, _, _ = select.select([handler.connection], [], [], 0.2)
            if readable and not handler.connection.recv(1):
                break
            handler.wfile.write(b" ")
            handler.wfile.flush()
        handler.close_connection = True
        return 200

    return dripping


def huge(total_bytes: int, with_length: bool, stop_after_bytes: int) -> Handler:
    """Return a handler announcing (or not) `total_bytes` of HTML padding and streaming it.

    It stops after `stop_after_bytes` and hangs up: a client that gave up on the body
    may leave the connection open without reading, and the server thread would
    otherwise look busy (and the host look over its concurrency) until TCP gives up.
    """

    def streaming(handler: BaseHTTPRequestHandler) -> int:
        handler.send_response(200)
        handler.send_header("Content-Type", "text/html; charset=utf-8")
        if with_length:
            handler.send_header("Content-Length", str(total_bytes))
        handler.send_header("Connection", "close")
        handler.close_connection = True
        handler.end_headers()
        chunk = b"<p>" + b"x" * 65530 + b"</p>"
        sent = 0
        while sent < min(total_bytes, stop_after_bytes):
            handler.wfile.write(chunk)
            sent += len(chunk)
        return 200

    return streaming


@functools.cache
def gzip_bomb_body() -> bytes:
    """Return ~200 KB of gzip that expands to 200 MB."""
    return gzip.compress(b"<html><body><p>" + b"A" * 200_000_000 + b"</p></body></html>", compresslevel=9)


def gzip_bomb(handler: BaseHTTPRequestHandler) -> int:
    """Send the gzip bomb as a gzip-encoded HTML page."""
    return send(handler, 200, gzip_bomb_body(), "text/html; charset=utf-8", {"Content-Encoding": "gzip"})
