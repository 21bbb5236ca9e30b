"""Fixtures for the reliability tests: a feed folder with a secret beside it, and the feed server on loopback."""

from __future__ import annotations

import http.client
import socket
import threading
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from feeds.server import make_feed_app, make_feed_server

SECRET = "warta-reliability-secret-8d1f0c"
FEED_FILES = {
    "all.atom": b'<?xml version="1.0"?><feed xmlns="http://www.w3.org/2005/Atom">' + b"<!-- pad -->" * 80 + b"</feed>",
    "all.rss": b'<?xml version="1.0"?><rss version="2.0"><channel/></rss>',
    "all.json": b'{"version": "https://jsonfeed.org/version/1.1", "title": "t", "items": []}',
    "index.html": b"<!DOCTYPE html><title>warta</title>",
    "topics/wccf.atom": b'<?xml version="1.0"?><feed xmlns="http://www.w3.org/2005/Atom"/>',
}


@dataclass(frozen=True)
class FeedSite:
    """A running feed server: its address and the folder it serves."""

    host: str
    port: int
    feed_dir: Path

    @property
    def address(self) -> tuple[str, int]:
        """Return (host, port)."""
        return self.host, self.port


@pytest.fixture(scope="module")
def feed_site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[FeedSite]:
    """Serve a feed folder whose parent holds a secret file and a secret folder, reachable only by escaping."""
    root = tmp_path_factory.mktemp("served")
    feed_dir = root / "public"
    for name, data in FEED_FILES.items():
        path = feed_dir / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(data)
    (root / "secret.txt").write_text(SECRET, encoding="utf-8")
    (root / "private").mkdir()
    (root / "private" / "feed.atom").write_text(SECRET, encoding="utf-8")
    (feed_dir / "linked").symlink_to(root / "private", target_is_directory=True)
    (feed_dir / "hop.atom").symlink_to(feed_dir / "topics" / "hop2.atom")
    (feed_dir / "topics" / "hop2.atom").symlink_to(root / "secret.txt")
    (feed_dir / "absolute.atom").symlink_to("/etc/passwd")
    httpd = make_feed_server("127.0.0.1", 0, make_feed_app(feed_dir))
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield FeedSite("127.0.0.1", httpd.server_address[1], feed_dir)
    httpd.shutdown()
    httpd.server_close()
    thread.join()


def http_request(
    address: tuple[str, int], method: str, path: str, headers: dict[str, str] | None = None, body: bytes | None = None
) -> tuple[int, dict[str, str], bytes]:
    """Send one request with the path sent verbatim; return (status, lower-cased headers, body)."""
    connection = http.client.HTTPConnection(*address, timeout=20)
    try:
        connection.putrequest(method, path, skip_host=False, skip_accept_encoding=True)
        for name, value in (headers or {}).items():
            connection.putheader(name, value)
        connection.endheaders(body)
        response = connection.getresponse()
        data = response.read()
        return response.status, {k.lower(): v for k, v in response.getheaders()}, data
    finally:
        connection.close()


def raw_exchange(address: tuple[str, int], data: bytes, timeout_seconds: float = 20) -> bytes:
    """Send raw bytes, then read until the server closes; return everything it sent."""
    with socket.create_connection(address, timeout=timeout_seconds) as sock:
        sock.sendall(data)
        chunks = []
        while chunk := sock.recv(65536):
            chunks.append(chunk)
    return b"".join(chunks)


def status_of(raw_response: bytes) -> int:
    """Return the status code of a raw HTTP response."""
    return int(raw_response.split(b"\r\n", 1)[0].split(b" ")[1])
