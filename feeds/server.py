"""Serving the feed folder over HTTP: `warta feeds serve`, and a WSGI app the daemon can mount.

Only regular files inside the folder are served, by GET and HEAD. A request
path is decoded once, then refused (404) if any segment is empty-dot, `..`,
hidden (starts with '.'), contains a backslash, NUL, ':' or a '%' left over
from double encoding, or if the resolved file (after symlinks) lies outside
the folder. Responses carry the feed media types, a strong ETag and
Last-Modified (answered with 304 when the client has them), and are
gzip-compressed when the client asks. Oversized request lines or headers are
refused before the app sees them, a client that stops sending mid-request is
disconnected after an idle timeout, and the listen queue holds a burst of
connections. Uses only the standard library (wsgiref).
"""

from __future__ import annotations

import gzip
import hashlib
import logging
import mimetypes
import socketserver
import threading
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from email.utils import formatdate, parsedate_to_datetime
from pathlib import Path
from typing import Any
from wsgiref.simple_server import ServerHandler, WSGIRequestHandler, WSGIServer

logger = logging.getLogger(__name__)

StartResponse = Callable[..., Any]
WSGIApp = Callable[[dict[str, Any], StartResponse], Iterable[bytes]]

CONTENT_TYPES = {
    ".atom": "application/atom+xml; charset=utf-8",
    ".rss": "application/rss+xml; charset=utf-8",
    ".json": "application/feed+json; charset=utf-8",
    ".opml": "text/x-opml; charset=utf-8",
    ".ics": "text/calendar; charset=utf-8",
    ".html": "text/html; charset=utf-8",
    ".xml": "application/xml; charset=utf-8",
    ".txt": "text/plain; charset=utf-8",
    ".css": "text/css; charset=utf-8",
}
COMPRESSIBLE_MIN_BYTES = 256
MAX_REQUEST_LINE_BYTES = 8192
MAX_HEADER_BYTES = 16384
# A client silent this long mid-request is disconnected, so stalled connections cannot pile up threads.
IDLE_TIMEOUT_SECONDS = 30.0
# socketserver's default listen queue is 5: a burst of feed readers would see dropped SYNs and
# second-long retransmit stalls. The kernel caps this at net.core.somaxconn.
LISTEN_QUEUE_SIZE = 1024
CACHE_CONTROL = "public, max-age=300"
# index.html has no scripts or external assets; say so, so nothing injected could run.
HTML_POLICY = "default-src 'none'; style-src 'unsafe-inline'; img-src https: http: data:"


@dataclass(frozen=True)
class Response:
    """A complete HTTP response: status line, headers and body."""

    status: str
    headers: list[tuple[str, str]]
    body: bytes = b""


def resolve_request_path(root: Path, path_info: str) -> Path | None:
    """Return the file under `root` that the decoded request path names, or None if it must not be served."""
    try:
        # wsgiref hands PATH_INFO percent-decoded as latin-1; recover the UTF-8 text.
        decoded = path_info.encode("latin-1").decode("utf-8")
    except (UnicodeEncodeError, UnicodeDecodeError):
        return None
    if not decoded.startswith("/") or any(mark in decoded for mark in ("\\", "\x00", "%", ":")):
        return None
    relative = decoded.lstrip("/") or "index.html"
    if decoded.startswith("//") or relative.endswith("/"):
        return None
    segments = relative.split("/")
    if any(segment in ("", ".", "..") or segment.startswith(".") for segment in segments):
        return None
    base = root.resolve()
    candidate = (base / Path(*segments)).resolve()
    if not candidate.is_relative_to(base) or not candidate.is_file():
        return None
    return candidate


def content_type(path: Path) -> str:
    """Return the Content-Type of a file in the feed folder."""
    known = CONTENT_TYPES.get(path.suffix.lower())
    if known:
        return known
    guessed, _ = mimetypes.guess_type(path.name)
    return guessed or "application/octet-stream"


def _accepts_gzip(header: str) -> bool:
    for part in header.split(","):
        coding, _, params = part.strip().partition(";")
        if coding.strip().lower() in ("gzip", "*"):
            quality = params.strip().removeprefix("q=").strip() if params.strip().startswith("q=") else "1"
            try:
                return float(quality) > 0
            except ValueError:
                return False
    return False


def _etag_matches(header: str, etag: str) -> bool:
    wanted = etag.removeprefix("W/")
    for candidate in header.split(","):
        candidate = candidate.strip()
        if candidate == "*" or candidate.removeprefix("W/") == wanted:
            return True
    return False


def _not_modified_since(header: str, mtime_seconds: int) -> bool:
    try:
        since = parsedate_to_datetime(header)
    except (TypeError, ValueError, IndexError):
        return False
    return since.tzinfo is not None and mtime_seconds <= int(since.timestamp())


def respond(root: Path, method: str, path_info: str, request_headers: dict[str, str]) -> Response:
    """Return the response to one request for a file of the feed folder `root`."""
    if method not in ("GET", "HEAD"):
        return _plain("405 Method Not Allowed", "only GET and HEAD are supported\n", [("Allow", "GET, HEAD")])
    path = resolve_request_path(root, path_info)
    if path is None:
        return _plain("404 Not Found", "not found\n")
    data = path.read_bytes()
    stat = path.stat()
    use_gzip = len(data) >= COMPRESSIBLE_MIN_BYTES and _accepts_gzip(request_headers.get("accept-encoding", ""))
    digest = hashlib.sha256(data).hexdigest()[:32]
    etag = f'"{digest}-gz"' if use_gzip else f'"{digest}"'
    headers = [
        ("Content-Type", content_type(path)),
        ("ETag", etag),
        ("Last-Modified", formatdate(stat.st_mtime, usegmt=True)),
        ("Cache-Control", CACHE_CONTROL),
        ("Vary", "Accept-Encoding"),
        ("X-Content-Type-Options", "nosniff"),
    ]
    if path.suffix.lower() == ".html":
        headers.append(("Content-Security-Policy", HTML_POLICY))
    if_none_match = request_headers.get("if-none-match")
    if_modified_since = request_headers.get("if-modified-since")
    if (if_none_match is not None and _etag_matches(if_none_match, etag)) or (
        if_none_match is None and if_modified_since and _not_modified_since(if_modified_since, int(stat.st_mtime))
    ):
        return Response("304 Not Modified", [h for h in headers if h[0] != "Content-Type"])
    if use_gzip:
        data = gzip.compress(data, mtime=0)
        headers.append(("Content-Encoding", "gzip"))
    headers.append(("Content-Length", str(len(data))))
    return Response("200 OK", headers, b"" if method == "HEAD" else data)


def _plain(status: str, text: str, extra: list[tuple[str, str]] | None = None) -> Response:
    body = text.encode("utf-8")
    headers = [("Content-Type", "text/plain; charset=utf-8"), ("Content-Length", str(len(body))), *(extra or [])]
    return Response(status, headers, body)


def make_feed_app(feed_dir: Path) -> WSGIApp:
    """Return a WSGI application serving the files of `feed_dir` (mount it at the site root)."""
    root = Path(feed_dir)

    def feed_app(environ: dict[str, Any], start_response: StartResponse) -> Iterable[bytes]:
        headers = {
            key[5:].replace("_", "-").lower(): value for key, value in environ.items() if key.startswith("HTTP_")
        }
        response = respond(root, environ.get("REQUEST_METHOD", "GET"), environ.get("PATH_INFO", "/"), headers)
        start_response(response.status, response.headers)
        return [response.body]

    return feed_app


class BoundedRequestHandler(WSGIRequestHandler):
    """wsgiref's request handler with smaller limits on the request line and headers, and logging via `logging`."""

    def setup(self) -> None:
        """Apply the server's idle timeout to the connection before reading from it."""
        super().setup()
        self.connection.settimeout(getattr(self.server, "idle_timeout_seconds", IDLE_TIMEOUT_SECONDS))

    def handle(self) -> None:
        """Answer one request; a client that goes silent or disconnects is dropped without a traceback."""
        try:
            self._handle_request()
        except (TimeoutError, ConnectionError) as exc:
            logger.debug("%s dropped: %s", self.address_string(), exc)
            self.close_connection = True

    def _handle_request(self) -> None:
        """Read one request, refuse it if oversized, else run the WSGI app on it."""
        self.raw_requestline = self.rfile.readline(MAX_REQUEST_LINE_BYTES + 1)
        if len(self.raw_requestline) > MAX_REQUEST_LINE_BYTES:
            self.requestline, self.request_version, self.command = "", "", ""
            self.send_error(414, "request line too long")
            return
        if not self.parse_request():
            return
        header_bytes = sum(len(name) + len(value) + 4 for name, value in self.headers.items())
        if header_bytes > MAX_HEADER_BYTES:
            self.send_error(431, "request headers too large")
            return
        handler = ServerHandler(
            self.rfile,
            self.wfile,  # type: ignore[arg-type]
            self.get_stderr(),
            self.get_environ(),
            multithread=True,
        )
        handler.request_handler = self  # type: ignore[attr-defined]
        handler.run(self.server.get_app())  # type: ignore[attr-defined]

    def log_message(self, format: str, *args: Any) -> None:
        """Log one request at DEBUG level instead of printing it to stderr."""
        logger.debug("%s %s", self.address_string(), format % args)


class ThreadingFeedServer(socketserver.ThreadingMixIn, WSGIServer):
    """A threaded wsgiref server, so one slow client does not hold up the others."""

    daemon_threads = True
    request_queue_size = LISTEN_QUEUE_SIZE
    idle_timeout_seconds = IDLE_TIMEOUT_SECONDS


def make_feed_server(
    host: str, port: int, app: WSGIApp, idle_timeout_seconds: float = IDLE_TIMEOUT_SECONDS
) -> ThreadingFeedServer:
    """Return a bound (not yet serving) HTTP server running `app`; port 0 picks a free port.

    Any WSGI app can be served this way (the daemon mounts the feed app under its own),
    and gets the same request limits.
    """
    server = ThreadingFeedServer((host, port), BoundedRequestHandler)
    server.idle_timeout_seconds = idle_timeout_seconds
    server.set_app(app)
    return server


def serve_until(server: socketserver.BaseServer, stop: threading.Event) -> None:
    """Run `server` in a thread until `stop` is set, then stop it and close its listening socket."""
    thread = threading.Thread(target=server.serve_forever, name="feed-server", daemon=True)
    thread.start()
    try:
        while not stop.wait(0.5):
            pass
    finally:
        server.shutdown()
        server.server_close()
