"""The feed server answers 200 clients connected at once, every one correctly, and keeps answering afterwards."""

from __future__ import annotations

import gzip
import socket
import threading
from dataclasses import dataclass

from tests.reliability.conftest import FeedSite, http_request

CLIENTS = 200
# Generous: on loopback the whole burst takes well under a second; this only bounds a hang.
BURST_DEADLINE_SECONDS = 60


@dataclass(frozen=True)
class Ask:
    """One kind of request a client sends and what a correct answer is."""

    request: bytes
    status: int
    body_file: str | None = None
    gzipped: bool = False


ASKS = [
    Ask(b"GET /all.atom HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n", 200, "all.atom"),
    Ask(b"GET /topics/wccf.atom HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n", 200, "topics/wccf.atom"),
    Ask(
        b"GET /all.atom HTTP/1.1\r\nHost: x\r\nAccept-Encoding: gzip\r\nConnection: close\r\n\r\n",
        200,
        "all.atom",
        gzipped=True,
    ),
    Ask(b"HEAD /all.json HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n", 200),
    Ask(b"GET /%2e%2e/secret.txt HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n", 404),
    Ask(b"POST /all.rss HTTP/1.1\r\nHost: x\r\nContent-Length: 0\r\nConnection: close\r\n\r\n", 405),
]


def _split(response: bytes) -> tuple[int, bytes]:
    head, _, body = response.partition(b"\r\n\r\n")
    return int(head.split(b" ", 2)[1]), body


def test_two_hundred_simultaneous_clients_all_get_correct_answers(feed_site: FeedSite) -> None:
    expected = {name: (feed_site.feed_dir / name).read_bytes() for name in ("all.atom", "topics/wccf.atom")}
    everyone_connected = threading.Barrier(CLIENTS + 1, timeout=BURST_DEADLINE_SECONDS)
    outcomes: dict[int, str] = {}

    def client(number: int) -> None:
        ask = ASKS[number % len(ASKS)]
        try:
            with socket.create_connection(feed_site.address, timeout=BURST_DEADLINE_SECONDS) as sock:
                everyone_connected.wait()  # all connections are open before anyone sends a byte
                sock.sendall(ask.request)
                chunks = []
                while chunk := sock.recv(65536):
                    chunks.append(chunk)
            status, body = _split(b"".join(chunks))
            if ask.gzipped:
                body = gzip.decompress(body)
            good = status == ask.status and (ask.body_file is None or body == expected[ask.body_file])
            outcomes[number] = "ok" if good else f"status {status}, {len(body)} bytes"
        except (OSError, threading.BrokenBarrierError, ValueError, IndexError) as exc:
            outcomes[number] = f"{type(exc).__name__}: {exc}"

    threads = [threading.Thread(target=client, args=(number,), daemon=True) for number in range(CLIENTS)]
    for thread in threads:
        thread.start()
    everyone_connected.wait()
    for thread in threads:
        thread.join(BURST_DEADLINE_SECONDS)
    assert not [thread for thread in threads if thread.is_alive()], "some clients never got an answer"
    failures = {number: outcome for number, outcome in outcomes.items() if outcome != "ok"}
    assert len(outcomes) == CLIENTS and not failures, failures

    status, _, body = http_request(feed_site.address, "GET", "/all.rss")
    assert status == 200 and body == (feed_site.feed_dir / "all.rss").read_bytes()
