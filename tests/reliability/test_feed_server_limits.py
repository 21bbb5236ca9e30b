"""The feed server refuses what it does not serve and bounds what a client can make it read or hold."""

from __future__ import annotations

import socket

import pytest

from tests.reliability.conftest import FeedSite, http_request, raw_exchange, status_of
from warta.feeds.static_app import FeedFolderApp
from warta.web.server import HttpServer


@pytest.mark.parametrize("method", ["TRACE", "CONNECT", "PROPFIND", "get", "BREW"])
def test_unusual_methods_answer_405_with_allow(feed_site: FeedSite, method: str) -> None:
    target = "127.0.0.1:80" if method == "CONNECT" else "/all.atom"
    response = raw_exchange(feed_site.address, f"{method} {target} HTTP/1.1\r\nHost: x\r\n\r\n".encode())
    assert status_of(response) == 405
    assert b"Allow: GET, HEAD" in response
    assert b"<feed" not in response


def test_post_claiming_a_huge_body_is_refused_without_reading_it(feed_site: FeedSite) -> None:
    # The body is never sent: a server that tried to read 10 GB would wait until our timeout.
    head = b"POST /all.atom HTTP/1.1\r\nHost: x\r\nContent-Length: 10000000000\r\n\r\n"
    response = raw_exchange(feed_site.address, head, timeout_seconds=10)
    assert status_of(response) == 405


def test_get_with_an_unsent_body_is_answered_without_waiting_for_it(feed_site: FeedSite) -> None:
    head = b"GET /all.rss HTTP/1.1\r\nHost: x\r\nContent-Length: 10000000000\r\n\r\n"
    response = raw_exchange(feed_site.address, head, timeout_seconds=10)
    assert status_of(response) == 200
    assert response.endswith((feed_site.feed_dir / "all.rss").read_bytes())


def test_one_giant_header_line_is_refused(feed_site: FeedSite) -> None:
    head = b"GET /all.atom HTTP/1.1\r\nHost: x\r\nX-Big: " + b"a" * 70_000 + b"\r\n\r\n"
    assert status_of(raw_exchange(feed_site.address, head)) == 431


def test_too_many_headers_are_refused(feed_site: FeedSite) -> None:
    headers = b"".join(b"X-H%d: 1\r\n" % number for number in range(150))
    head = b"GET /all.atom HTTP/1.1\r\nHost: x\r\n" + headers + b"\r\n"
    assert status_of(raw_exchange(feed_site.address, head)) == 431


def test_headers_just_under_the_limit_are_served(feed_site: FeedSite) -> None:
    # Negative control for the header limits: a large but allowed request is answered normally.
    headers = {f"X-Pad-{number}": "b" * 500 for number in range(20)}
    status, _, body = http_request(feed_site.address, "GET", "/all.atom", headers)
    assert status == 200 and body == (feed_site.feed_dir / "all.atom").read_bytes()


def test_tls_handshake_on_the_plain_port_is_refused_with_400(feed_site: FeedSite) -> None:
    response = raw_exchange(feed_site.address, b"\x16\x03\x01\x02\x00\x01\x00\x01\xfc\x03\x03garbage\r\n\r\n")
    # a request line without an HTTP version gets an HTTP/0.9-style answer: the error page, no status line
    assert b"400" in response and b"Bad request" in response
    assert b"<feed" not in response


def test_half_sent_request_does_not_block_other_clients(feed_site: FeedSite) -> None:
    stalled = [socket.create_connection(feed_site.address, timeout=10) for _ in range(20)]
    try:
        for sock in stalled:
            sock.sendall(b"GET /all.atom HTTP/1.1\r\nHost: x\r\n")  # no blank line: the request never ends
        status, _, body = http_request(feed_site.address, "GET", "/all.json")
        assert status == 200 and body == (feed_site.feed_dir / "all.json").read_bytes()
    finally:
        for sock in stalled:
            sock.close()


def test_server_queues_two_hundred_connections_before_accepting_any(tmp_path) -> None:
    # The server is bound but not serving: every connect below completes only if the listen
    # queue holds it. With socketserver's default queue of 5 the sixth connect would hang.
    server = HttpServer.bind(FeedFolderApp(tmp_path), "127.0.0.1", 0)
    sockets: list[socket.socket] = []
    try:
        for _ in range(200):
            sockets.append(socket.create_connection(server.address, timeout=5))
        assert len(sockets) == 200
    finally:
        for sock in sockets:
            sock.close()
        server.stop()


def test_client_silent_mid_request_is_disconnected(tmp_path, capfd: pytest.CaptureFixture[str]) -> None:
    server = HttpServer.bind(FeedFolderApp(tmp_path), "127.0.0.1", 0, idle_timeout_seconds=0.5)
    server.start()
    try:
        with socket.create_connection(server.address, timeout=30) as sock:
            sock.sendall(b"GET /all.atom HTTP/1.1\\r\\nHost: x\\r\\n")  # and then nothing more
            assert sock.recv(1024) == b""  # the server hung up rather than waiting for us forever
    finally:
        server.stop()
    assert "Traceback" not in capfd.readouterr().err
