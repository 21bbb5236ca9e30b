"""The feed server over real HTTP: media types, validators and 304, gzip, HEAD, and nothing outside the folder."""

from __future__ import annotations

import gzip
import http.client
import socket
from collections.abc import Iterator
from pathlib import Path

import pytest

from warta.feeds.static_app import FeedFolderApp
from warta.web.server import HttpServer

FILES = {
    "all.atom": b'<?xml version="1.0"?><feed xmlns="http://www.w3.org/2005/Atom">' + b"<!-- pad -->" * 60 + b"</feed>",
    "all.rss": b'<?xml version="1.0"?><rss version="2.0"><channel/></rss>',
    "all.json": b'{"version": "https://jsonfeed.org/version/1.1", "title": "t", "items": []}',
    "index.opml": b'<?xml version="1.0"?><opml version="2.0"/>',
    "index.html": b"<!DOCTYPE html><title>warta</title>",
    "topics/wccf.atom": b'<?xml version="1.0"?><feed xmlns="http://www.w3.org/2005/Atom"/>',
    ".all.atom.123.tmp": b"half a feed",
}


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("site")
    feed_dir = root / "public"
    for name, data in FILES.items():
        path = feed_dir / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(data)
    (root / "secret.txt").write_text("outside the feed folder", encoding="utf-8")
    (feed_dir / "escape.atom").symlink_to(root / "secret.txt")
    (feed_dir / "inside.atom").symlink_to(feed_dir / "topics" / "wccf.atom")
    return feed_dir


@pytest.fixture(scope="module")
def server(site: Path) -> Iterator[tuple[str, int]]:
    httpd = HttpServer.bind(FeedFolderApp(site), "127.0.0.1", 0)
    httpd.start()
    yield httpd.address
    httpd.stop()


def request(server, method: str, path: str, headers: dict[str, str] | None = None) -> tuple[int, dict, bytes]:
    connection = http.client.HTTPConnection(*server, timeout=10)
    try:
        connection.putrequest(method, path, skip_accept_encoding=True)
        for name, value in (headers or {}).items():
            connection.putheader(name, value)
        connection.endheaders()
        response = connection.getresponse()
        body = response.read()
        return response.status, {k.lower(): v for k, v in response.getheaders()}, body
    finally:
        connection.close()


def raw_request(server, data: bytes) -> bytes:
    with socket.create_connection(server, timeout=10) as sock:
        sock.sendall(data)
        chunks = []
        while chunk := sock.recv(65536):
            chunks.append(chunk)
    return b"".join(chunks)


@pytest.mark.parametrize(
    ("path", "media_type"),
    [
        ("/all.atom", "application/atom+xml"),
        ("/all.rss", "application/rss+xml"),
        ("/all.json", "application/feed+json"),
        ("/index.opml", "text/x-opml"),
        ("/index.html", "text/html"),
        ("/", "text/html"),
        ("/topics/wccf.atom", "application/atom+xml"),
    ],
    ids=["atom", "rss", "json-feed", "opml", "html", "root-is-index", "nested"],
)
def test_files_are_served_with_their_media_type(server, site: Path, path: str, media_type: str) -> None:
    status, headers, body = request(server, "GET", path)
    assert status == 200
    assert headers["content-type"].split(";")[0] == media_type
    expected = site / (path.lstrip("/") or "index.html")
    assert body == expected.read_bytes()
    assert headers["content-length"] == str(len(body))


def test_etag_revalidation_answers_304_without_a_body(server) -> None:
    status, headers, _ = request(server, "GET", "/all.rss")
    assert status == 200 and headers["etag"] and headers["last-modified"]
    status, again, body = request(server, "GET", "/all.rss", {"If-None-Match": headers["etag"]})
    assert (status, body) == (304, b"")
    assert again["etag"] == headers["etag"]
    status, _, _ = request(server, "GET", "/all.rss", {"If-None-Match": '"something-else"'})
    assert status == 200


def test_last_modified_revalidation_answers_304(server) -> None:
    _, headers, _ = request(server, "GET", "/all.json")
    status, _, _ = request(server, "GET", "/all.json", {"If-Modified-Since": headers["last-modified"]})
    assert status == 304
    status, _, _ = request(server, "GET", "/all.json", {"If-Modified-Since": "Sat, 01 Jan 2000 00:00:00 GMT"})
    assert status == 200


def test_gzip_is_used_only_when_asked(server, site: Path) -> None:
    status, headers, body = request(server, "GET", "/all.atom", {"Accept-Encoding": "gzip, deflate"})
    assert status == 200 and headers["content-encoding"] == "gzip"
    assert gzip.decompress(body) == (site / "all.atom").read_bytes()
    assert "accept-encoding" in headers["vary"].lower()
    _, plain, plain_body = request(server, "GET", "/all.atom")
    assert "content-encoding" not in plain and plain_body == (site / "all.atom").read_bytes()
    assert plain["etag"] != headers["etag"]
    _, refused, _ = request(server, "GET", "/all.atom", {"Accept-Encoding": "gzip;q=0"})
    assert "content-encoding" not in refused


def test_head_sends_headers_without_a_body(server, site: Path) -> None:
    status, headers, body = request(server, "HEAD", "/all.atom")
    assert status == 200 and body == b""
    assert headers["content-length"] == str(len((site / "all.atom").read_bytes()))
    assert headers["content-type"].startswith("application/atom+xml")


@pytest.mark.parametrize("method", ["POST", "PUT", "DELETE", "OPTIONS", "PATCH"])
def test_methods_other_than_get_and_head_answer_405(server, method: str) -> None:
    status, headers, _ = request(server, method, "/all.atom")
    assert status == 405
    assert headers["allow"] == "GET, HEAD"


@pytest.mark.parametrize(
    "path",
    [
        "/../secret.txt",
        "/topics/../../secret.txt",
        "/%2e%2e/secret.txt",
        "/%2E%2E/secret.txt",
        "/topics/%2e%2e/%2e%2e/secret.txt",
        "/%252e%252e/secret.txt",
        "/..%2fsecret.txt",
        "/..%5csecret.txt",
        "/topics\\..\\..\\secret.txt",
        "//etc/passwd",
        "/%2fetc%2fpasswd",
        "/etc/passwd",
        "/C:%5cWindows%5cwin.ini",
        "/escape.atom",
        "/.all.atom.123.tmp",
        "/topics/",
        "/missing.atom",
        "/all.atom%00.html",
    ],
    ids=[
        "dotdot",
        "nested-dotdot",
        "encoded-dotdot",
        "encoded-dotdot-upper",
        "nested-encoded-dotdot",
        "double-encoded-dotdot",
        "encoded-slash",
        "encoded-backslash",
        "backslashes",
        "double-slash-absolute",
        "encoded-absolute",
        "absolute-under-root",
        "drive-letter",
        "symlink-leaving-dir",
        "hidden-temp-file",
        "directory",
        "missing",
        "nul-byte",
    ],
)
def test_paths_outside_the_folder_or_hidden_answer_404(server, path: str) -> None:
    status, _, body = request(server, "GET", path)
    assert status == 404
    assert b"outside the feed folder" not in body and b"half a feed" not in body


def test_symlink_inside_the_folder_is_served(server, site: Path) -> None:
    status, _, body = request(server, "GET", "/inside.atom")
    assert (status, body) == (200, (site / "topics" / "wccf.atom").read_bytes())


def test_oversized_request_line_is_refused(server) -> None:
    response = raw_request(server, b"GET /" + b"a" * 20000 + b" HTTP/1.1\r\nHost: x\r\n\r\n")
    assert response.startswith(b"HTTP/1.0 414") or response.startswith(b"HTTP/1.1 414")


def test_oversized_headers_are_refused(server) -> None:
    headers = b"".join(b"X-Pad-%d: %s\r\n" % (number, b"b" * 1000) for number in range(40))
    response = raw_request(server, b"GET /all.atom HTTP/1.1\r\nHost: x\r\n" + headers + b"\r\n")
    assert response.split(b"\r\n", 1)[0].split(b" ")[1] == b"431"


def test_html_page_forbids_scripts(server) -> None:
    _, headers, _ = request(server, "GET", "/index.html")
    assert "default-src 'none'" in headers["content-security-policy"]
    assert headers["x-content-type-options"] == "nosniff"
