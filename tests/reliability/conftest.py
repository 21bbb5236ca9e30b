"""Fixtures for the reliability tests: a feed folder with a secret beside it, and the feed server on loopback."""

from __future__ import annotations

import http.client
import os
import socket
import subprocess
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import pytest
import tomli_w

from tests.feeds.conftest import CONFIG as FEEDS_CONFIG
from tests.feeds.conftest import FESTIVAL, MUSEUM, WCCF
from tests.feeds.conftest import Archive as FeedArchive
from tests.feeds.conftest import page as feed_page
from warta.config import load_config, parse_config
from warta.config.secrets import reveal
from warta.feeds.static_app import FeedFolderApp
from warta.monitoring.endpoints import HealthReport, MonitoringApp
from warta.storage.database import Database
from warta.storage.sources import ensure_source
from warta.storage.topics import TopicMatcher
from warta.web.dispatch import make_warta_app
from warta.web.server import HttpServer

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


@pytest.fixture(scope="module", params=["feeds-serve", "daemon"])
def feed_site(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Iterator[FeedSite]:
    """Serve a feed folder whose parent holds a secret file and a secret folder, reachable only by escaping.

    Served twice: as `warta feeds serve` serves it, and as the daemon does, beside the archive
    browser and its /healthz and /metrics.
    """
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
    database = None
    if request.param == "daemon":
        cfg = parse_config(
            {"storage": {"url": f"sqlite:///{root / 'warta.db'}"}, "feeds": {"dir": str(feed_dir)}},
            base_dir=root,
            environ={},
        )
        database = Database(reveal(cfg.storage.url))
        database.ensure_schema()
        monitoring = MonitoringApp(lambda: HealthReport(True, {}), lambda: b"", "text/plain")
        server = HttpServer.bind(make_warta_app(cfg, database, monitoring), "127.0.0.1", 0)
    else:
        server = HttpServer.bind(FeedFolderApp(feed_dir), "127.0.0.1", 0)
    server.start()
    yield FeedSite(*server.address, feed_dir)
    server.stop()
    if database is not None:
        database.dispose()


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


@contextmanager
def small_tmpfs(folder: Path, size: str = "1m") -> Iterator[Path]:
    """Mount a small tmpfs on `folder` (a real 'disk' that fills up, or can be made read-only); unmount after.

    Needs root (or CAP_SYS_ADMIN); elsewhere the test is skipped, saying why.
    """
    folder.mkdir(parents=True, exist_ok=True)
    mounted = subprocess.run(
        ["mount", "-t", "tmpfs", "-o", f"size={size}", "tmpfs", str(folder)], capture_output=True, text=True
    )
    if mounted.returncode != 0:
        pytest.skip(f"cannot mount a tmpfs here ({mounted.stderr.strip()}); run the suite as root to test a full disk")
    try:
        yield folder
    finally:
        subprocess.run(["umount", "-l", str(folder)], check=True)


def remount(folder: Path, mode: str) -> None:
    """Remount the tmpfs at `folder` read-only ('ro') or read-write ('rw')."""
    subprocess.run(["mount", "-o", f"remount,{mode}", str(folder)], check=True)


def fill_disk(folder: Path) -> Path:
    """Fill the file system holding `folder` until not even one byte fits; return the filler file."""
    filler = folder / "filler.bin"
    descriptor = os.open(filler, os.O_WRONLY | os.O_CREAT | os.O_TRUNC)
    try:
        chunk = 1 << 20
        while chunk:
            try:
                os.write(descriptor, b"\0" * chunk)
            except OSError:
                chunk //= 2
    finally:
        os.close(descriptor)
    return filler


def write_feed_config(
    folder: Path, db_url: str, feed_dir: Path, extra_topics: list[dict[str, object]] | None = None
) -> Path:
    """Write the feed tests' config (two sources, four topics and any extra ones) as TOML."""
    raw = {**FEEDS_CONFIG, "storage": {"url": db_url}, "feeds": {**FEEDS_CONFIG["feeds"], "dir": str(feed_dir)}}
    raw["topics"] = [*FEEDS_CONFIG["topics"], *(extra_topics or [])]
    path = folder / "warta.toml"
    path.write_text(tomli_w.dumps(raw), encoding="utf-8")
    return path


def seeded_feed_archive(db_url: str, config_path: Path, stories: int = 3) -> FeedArchive:
    """Return the feed tests' archive at `db_url` (schema created) with `stories` stories recorded."""
    cfg = load_config(config_path, environ={})
    database = Database(db_url)
    database.ensure_schema()
    with database.transaction() as session:
        for source in cfg.sources:
            ensure_source(session, source.id, source.display_name, source.kind)
    archive = FeedArchive(database, cfg, TopicMatcher.from_config(cfg))
    for number in range(stories):
        source = "disbud" if number % 2 == 0 else "kompas"
        text = [FESTIVAL, WCCF, MUSEUM][number % 3] + f" Berita nomor {number}."
        archive.record(feed_page(f"berita-{number}", source, hours=number, text=text, title=f"Berita {number}"))
    return archive


def file_bytes(folder: Path) -> dict[str, bytes]:
    """Return every file's bytes under `folder`, by relative path."""
    return {str(path.relative_to(folder)): path.read_bytes() for path in sorted(folder.rglob("*")) if path.is_file()}
