"""The HTTP server every warta application runs on: request-head limits, idle clients, keep-alive, shutdown."""

from __future__ import annotations

import http.client
import socket
from collections.abc import Iterator
from pathlib import Path

import pytest

from warta.feeds.static_app import FeedFolderApp
from warta.web.server import MAX_HEADER_BYTES, MAX_HEADERS, MAX_REQUEST_LINE_BYTES, HttpServer, head_refusal

FEED = b'<?xml version="1.0"?><feed xmlns="http://www.w3.org/2005/Atom"/>'


def request_line(target_bytes: int) -> bytes:
    """Return a request line (with its CRLF) whose length without the CRLF is `target_bytes`."""
    fixed = len(b"GET / HTTP/1.1")
    return b"GET /" + b"a" * (target_bytes - fixed) + b" HTTP/1.1\r\n"


@pytest.mark.parametrize(
    ("head", "status"),
    [
        (request_line(MAX_REQUEST_LINE_BYTES), None),
        (request_line(MAX_REQUEST_LINE_BYTES + 1), 414),
        (b"GET /" + b"a" * MAX_REQUEST_LINE_BYTES, 414),  # refused before the line even ends
        (b"GET / HTTP/1.1\r\n" + b"X: 1\r\n" * MAX_HEADERS + b"\r\n", None),
        (b"GET / HTTP/1.1\r\n" + b"X: 1\r\n" * (MAX_HEADERS + 1) + b"\r\n", 431),
        (b"GET / HTTP/1.1\r\nX: " + b"b" * MAX_HEADER_BYTES, 431),  # refused before the headers end
        (b"GET / HTTP/1.1\r\nHost: x\r\n\r\n" + b"body\r\n" * 200, None),  # a body is not a header
    ],
    ids=[
        "line-at-limit",
        "line-over",
        "line-unfinished",
        "headers-at-count",
        "headers-over-count",
        "header-bytes-over",
        "body",
    ],
)
def test_request_heads_are_refused_only_beyond_the_limits(head: bytes, status: int | None) -> None:
    refusal = head_refusal(head)
    assert (refusal[0] if refusal else None) == status


@pytest.fixture
def server(tmp_path: Path) -> Iterator[HttpServer]:
    (tmp_path / "all.atom").write_bytes(FEED)
    httpd = HttpServer.bind(FeedFolderApp(tmp_path), "127.0.0.1", 0, idle_timeout_seconds=0.5)
    httpd.start()
    yield httpd
    httpd.stop()


def test_a_client_that_never_sends_a_request_is_disconnected(server: HttpServer) -> None:
    with socket.create_connection(server.address, timeout=30) as sock:
        assert sock.recv(1024) == b""  # the server hung up instead of holding the connection open


def test_a_client_idle_between_requests_is_disconnected(server: HttpServer) -> None:
    with socket.create_connection(server.address, timeout=30) as sock:
        sock.sendall(b"GET /all.atom HTTP/1.1\r\nHost: x\r\n\r\n")
        received = b""
        while chunk := sock.recv(65536):
            received += chunk
    assert received.startswith(b"HTTP/1.1 200") and received.endswith(FEED)


def test_one_connection_answers_several_requests(server: HttpServer) -> None:
    connection = http.client.HTTPConnection(*server.address, timeout=10)
    try:
        answers, sockets = [], []
        for _ in range(3):
            connection.request("GET", "/all.atom")
            response = connection.getresponse()
            answers.append((response.status, response.read(), response.will_close))
            sockets.append(connection.sock)
        assert answers == [(200, FEED, False)] * 3
        assert sockets[0] is not None and sockets == [sockets[0]] * 3  # never reconnected
    finally:
        connection.close()


def test_stop_closes_the_listening_socket(tmp_path: Path) -> None:
    httpd = HttpServer.bind(FeedFolderApp(tmp_path), "127.0.0.1", 0)
    httpd.start()
    address = httpd.address
    httpd.stop()
    with pytest.raises(ConnectionRefusedError):
        socket.create_connection(address, timeout=5).close()
