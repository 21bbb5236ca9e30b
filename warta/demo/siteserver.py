"""A static web site served on 127.0.0.1, switchable between "days", with a request log.

It serves the demo site for `warta demo`, and the fixture sites of the test suite.
A site folder holds one sub-folder per day (`day1/`, `day2/`, ...); switching the
day swaps the whole site at once. Files are served with ETag and Last-Modified,
and conditional requests answer 304, as real servers do. Two plain-text files in
a day folder change what a path answers:

- `_status`: lines `PATH STATUS` (e.g. `/berita/lama 410`) answer that status.
- `_redirects`: lines `PATH STATUS TARGET` (e.g. `/old 301 /new`) redirect.

A path `/x/` serves `x/index.html`; a path with no extension serves `PATH.html`
when it exists. Tests may add routes of their own with `add_route`.

Feeds, sitemaps and canonical links need absolute URLs, but the port is only
known once the server runs: in text files (.html, .xml, .txt, ...) the marker
`{{site_url}}` is replaced by the server's base URL, e.g. `http://127.0.0.1:8765`.
"""

from __future__ import annotations

import email.utils
import hashlib
import mimetypes
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import unquote, urlsplit

CONTENT_TYPES = {
    ".html": "text/html; charset=utf-8",
    ".xml": "application/xml; charset=utf-8",
    ".rss": "application/rss+xml; charset=utf-8",
    ".atom": "application/atom+xml; charset=utf-8",
    ".txt": "text/plain; charset=utf-8",
    ".gz": "application/gzip",
    ".json": "application/json",
}
TEXT_SUFFIXES = (".html", ".xml", ".rss", ".atom", ".txt", ".json")
SITE_URL_MARKER = b"{{site_url}}"
# Fixed so that the same file always answers the same Last-Modified, run after run.
SITE_DATE = "Mon, 23 Nov 2026 07:00:00 GMT"


@dataclass(frozen=True)
class LoggedRequest:
    """One request the server answered."""

    method: str
    path: str
    headers: dict[str, str]
    status: int
    bytes_sent: int


Route = Callable[[BaseHTTPRequestHandler], None]


@dataclass
class SiteState:
    """What the server serves now, and what it was asked."""

    root: Path
    day: str
    site_url: str = ""
    requests: list[LoggedRequest] = field(default_factory=list)
    routes: dict[str, Route] = field(default_factory=dict)
    lock: threading.Lock = field(default_factory=threading.Lock)


class SiteServer:
    """Serve a folder of day folders on 127.0.0.1 in a background thread."""

    def __init__(self, root: Path, day: str = "day1", host: str = "127.0.0.1", port: int = 0) -> None:
        self.state = SiteState(root=root, day=day)
        handler = type("BoundSiteHandler", (SiteHandler,), {"state": self.state})
        self.httpd = ThreadingHTTPServer((host, port), handler)
        self.httpd.daemon_threads = True
        self.thread = threading.Thread(target=self.httpd.serve_forever, name="site-server", daemon=True)
        self.state.site_url = self.url

    @property
    def url(self) -> str:
        """Return the base URL, e.g. http://127.0.0.1:8765 (no trailing slash)."""
        host, port = self.httpd.server_address[:2]
        return f"http://{host!s}:{port}"

    @property
    def requests(self) -> list[LoggedRequest]:
        """Return a copy of the request log."""
        with self.state.lock:
            return list(self.state.requests)

    def start(self) -> SiteServer:
        """Start serving; return self."""
        self.thread.start()
        return self

    def stop(self) -> None:
        """Stop serving and close the socket."""
        self.httpd.shutdown()
        self.httpd.server_close()

    def switch(self, day: str) -> None:
        """Serve another day's version of the site from now on."""
        if not (self.state.root / day).is_dir():
            raise FileNotFoundError(self.state.root / day)
        self.state.day = day

    def clear_log(self) -> None:
        """Forget the requests logged so far."""
        with self.state.lock:
            self.state.requests.clear()

    def add_route(self, path: str, route: Route) -> None:
        """Answer `path` with `route(handler)` instead of a file."""
        self.state.routes[path] = route

    def __enter__(self) -> SiteServer:
        return self.start()

    def __exit__(self, *_exc: object) -> None:
        self.stop()


class SiteHandler(BaseHTTPRequestHandler):
    """Answer GET and HEAD from the current day folder."""

    state: SiteState
    protocol_version = "HTTP/1.1"
    server_version = "warta-site/1"

    def do_GET(self) -> None:
        self._answer(send_body=True)

    def do_HEAD(self) -> None:
        self._answer(send_body=False)

    def log_message(self, format: str, *args: object) -> None:
        """Keep test and demo output quiet; the request log holds what matters."""

    def _answer(self, send_body: bool) -> None:
        path = unquote(urlsplit(self.path).path)
        route = self.state.routes.get(path)
        if route is not None:
            self._log(200, 0)
            route(self)
            return
        day = self.state.root / self.state.day
        status = _special(day / "_status", path)
        if status is not None:
            self._send(int(status[0]), b"", "text/plain", send_body)
            return
        redirect = _special(day / "_redirects", path)
        if redirect is not None:
            self._send(int(redirect[0]), b"", "text/plain", send_body, extra={"Location": redirect[1]})
            return
        file = _resolve(day, path)
        if file is None:
            self._send(404, b"not found", "text/plain", send_body)
            return
        body = file.read_bytes()
        if file.suffix in TEXT_SUFFIXES:
            body = body.replace(SITE_URL_MARKER, self.state.site_url.encode())
        etag = '"' + hashlib.sha1(body).hexdigest()[:16] + '"'
        headers = {"ETag": etag, "Last-Modified": SITE_DATE}
        if self.headers.get("If-None-Match") == etag or (
            self.headers.get("If-None-Match") is None and self.headers.get("If-Modified-Since") == SITE_DATE
        ):
            self._send(304, b"", None, send_body, extra=headers)
            return
        content_type = (
            CONTENT_TYPES.get(file.suffix) or mimetypes.guess_type(file.name)[0] or "application/octet-stream"
        )
        self._send(200, body, content_type, send_body, extra=headers)

    def _send(
        self, status: int, body: bytes, content_type: str | None, send_body: bool, extra: dict[str, str] | None = None
    ) -> None:
        self.send_response(status)
        if content_type:
            self.send_header("Content-Type", content_type)
        for name, value in (extra or {}).items():
            self.send_header(name, value)
        self.send_header("Date", email.utils.formatdate(usegmt=True))
        self.send_header("Content-Length", str(len(body)))
        # logged before the client can read the answer, so that a test sees its own request in the log
        self._log(status, len(body) if send_body else 0)
        self.end_headers()
        if send_body and body:
            self.wfile.write(body)

    def _log(self, status: int, bytes_sent: int) -> None:
        entry = LoggedRequest(self.command, self.path, dict(self.headers.items()), status, bytes_sent)
        with self.state.lock:
            self.state.requests.append(entry)


def _special(table: Path, path: str) -> list[str] | None:
    """Return the rest of the line for `path` in a `_status` or `_redirects` file, if any."""
    if not table.is_file():
        return None
    for line in table.read_text(encoding="utf-8").splitlines():
        fields = line.split()
        if len(fields) >= 2 and fields[0] == path:
            return fields[1:]
    return None


def _resolve(day: Path, path: str) -> Path | None:
    """Return the file serving `path` inside `day`, never a file outside it."""
    relative = path.lstrip("/")
    candidates = [day / relative / "index.html"] if path.endswith("/") or not relative else []
    candidates += [day / relative, day / f"{relative}.html", day / relative / "index.html"]
    root = day.resolve()
    for candidate in candidates:
        resolved = candidate.resolve()
        if resolved.is_file() and resolved.is_relative_to(root) and not resolved.name.startswith("_"):
            return resolved
    return None
