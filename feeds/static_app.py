"""The feed folder as an ASGI application: what `warta feeds serve` serves, and the daemon serves beside its pages.

Only regular files inside the folder are served, by GET and HEAD (any other
method gets 405 and the connection is closed). A request path is decoded once,
strictly as UTF-8, then refused (404) if any segment is empty-dot, `..`, hidden
(starts with '.'), contains a backslash, NUL, ':' or a '%' left over from double
encoding, or if the resolved file (after symlinks) lies outside the folder.
Responses carry the feed media types, a strong ETag and Last-Modified (answered
with 304 when the client has them), and are gzip-compressed when the client asks.

Starlette's StaticFiles is not used: it refuses every symlink or none, has no
gzip and no strong validators. The limits on the request itself (request line,
headers, idle clients, the listen queue) belong to the HTTP server
(warta.web.server), which applies them to every application it serves.
"""

from __future__ import annotations

import gzip
import hashlib
import logging
import mimetypes
from dataclasses import dataclass
from email.utils import formatdate, parsedate_to_datetime
from pathlib import Path
from urllib.parse import unquote_to_bytes

from starlette.concurrency import run_in_threadpool
from starlette.types import Receive, Scope, Send

logger = logging.getLogger(__name__)

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
CACHE_CONTROL = "public, max-age=300"
# index.html has no scripts or external assets; say so, so nothing injected could run.
HTML_POLICY = "default-src 'none'; style-src 'unsafe-inline'; img-src https: http: data:"


@dataclass(frozen=True)
class Response:
    """A complete HTTP response: status code, headers and body."""

    status: int
    headers: list[tuple[str, str]]
    body: bytes = b""


def resolve_request_path(root: Path, raw_path: bytes, index: str | None = "index.html") -> Path | None:
    """Return the file under `root` that the raw request path names, or None if it must not be served.

    `/` names `index`, or nothing when `index` is None.
    """
    try:
        # decoded once and strictly: an overlong or invalid UTF-8 sequence names no file
        decoded = unquote_to_bytes(raw_path).decode("utf-8")
    except UnicodeDecodeError:
        return None
    if decoded == "/" and index is None:
        return None
    if not decoded.startswith("/") or any(mark in decoded for mark in ("\\", "\x00", "%", ":")):
        return None
    relative = decoded.lstrip("/") or str(index)
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


def respond(
    root: Path, method: str, raw_path: bytes, request_headers: dict[str, str], index: str | None = "index.html"
) -> Response:
    """Return the response to one request for a file of the feed folder `root`."""
    if method not in ("GET", "HEAD"):
        return method_not_allowed()
    path = resolve_request_path(root, raw_path, index)
    if path is None:
        return _plain(404, "not found\n")
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
        return Response(304, [h for h in headers if h[0] != "Content-Type"])
    if use_gzip:
        data = gzip.compress(data, mtime=0)
        headers.append(("Content-Encoding", "gzip"))
    headers.append(("Content-Length", str(len(data))))
    return Response(200, headers, b"" if method == "HEAD" else data)


def method_not_allowed() -> Response:
    """Return the 405 answer to a method other than GET and HEAD; the connection is closed after it."""
    # a client sending methods we never serve gets no keep-alive (and any body it announced is not read)
    return _plain(405, "only GET and HEAD are supported\n", [("Allow", "GET, HEAD"), ("Connection", "close")])


def _plain(status: int, text: str, extra: list[tuple[str, str]] | None = None) -> Response:
    body = text.encode("utf-8")
    headers = [("Content-Type", "text/plain; charset=utf-8"), ("Content-Length", str(len(body))), *(extra or [])]
    return Response(status, headers, body)


class FeedFolderApp:
    """ASGI application serving the files of a feed folder at the site root."""

    def __init__(self, feed_dir: Path, index: str | None = "index.html") -> None:
        self.feed_dir = Path(feed_dir)
        self.index = index

    def has_file(self, scope: Scope) -> bool:
        """Return True when the request of `scope` names a file this folder serves."""
        return resolve_request_path(self.feed_dir, _raw_path(scope), self.index) is not None

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            return
        headers = {name.decode("latin-1").lower(): value.decode("latin-1") for name, value in scope["headers"]}
        # reading, hashing and compressing a feed is blocking file and CPU work: keep it off the event loop
        response = await run_in_threadpool(
            respond, self.feed_dir, scope["method"], _raw_path(scope), headers, self.index
        )
        await send(
            {
                "type": "http.response.start",
                "status": response.status,
                # header names keep their case on the wire (h11 preserves it), as feed clients have seen them
                "headers": [(name.encode("latin-1"), value.encode("latin-1")) for name, value in response.headers],
            }
        )
        await send({"type": "http.response.body", "body": response.body})


def _raw_path(scope: Scope) -> bytes:
    """Return the request path as sent, without the query string."""
    raw = scope.get("raw_path")
    if isinstance(raw, bytes):
        return raw.partition(b"?")[0]
    path: str = scope["path"]
    return path.encode("utf-8")
