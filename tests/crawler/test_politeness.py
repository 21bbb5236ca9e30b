"""Politeness and limits: Retry-After, max_page_bytes, unreachable sources (exit 1, nothing gone), time limits."""

from __future__ import annotations

import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler
from pathlib import Path

import pytest
from sqlalchemy import select

from tests.child_crawl import crawl_in_child
from tests.conftest import BACKENDS, postgres_schema_url, write_config
from tests.crawler.fixture_sites import install_site
from warta.crawler.report import SourceReport
from warta.daemon.executors.fork_server import available as fork_server_available
from warta.demo.siteserver import SiteServer
from warta.storage.database import Database
from warta.storage.models import CrawlError, CrawlRun, Document


class BusyOnce:
    """A route answering 503 with Retry-After: 1 the first time, then the page; it notes when it was asked."""

    def __init__(self, page: bytes) -> None:
        self.page = page
        self.asked_at: list[float] = []
        self.lock = threading.Lock()

    def __call__(self, handler: BaseHTTPRequestHandler) -> None:
        with self.lock:
            self.asked_at.append(time.monotonic())
            first = len(self.asked_at) == 1
        status, body = (503, b"busy") if first else (200, self.page)
        handler.send_response(status)
        handler.send_header("Content-Type", "text/html; charset=utf-8")
        if first:
            handler.send_header("Retry-After", "1")
        handler.send_header("Content-Length", str(len(body)))
        handler.end_headers()
        handler.wfile.write(body)


@pytest.fixture
def site(tmp_path: Path) -> Iterator[SiteServer]:
    server = SiteServer(tmp_path / "page")
    install_site("page", tmp_path / "page", server.url, "http://127.0.0.1:9")
    server.start()
    yield server
    server.stop()


def config(folder: Path, db_url: str, *urls: str, max_page_bytes: str = "10MB") -> Path:
    return write_config(
        folder,
        f"""
[storage]
url = "{db_url}"

[crawler]
download_delay = "0s"
timeout = "5s"
max_page_bytes = "{max_page_bytes}"

[[sources]]
id = "gedung-kesenian"
kind = "page"
urls = [{", ".join(f'"{url}"' for url in urls)}]
""",
    )


@dataclass
class LimitsCrawl:
    """One crawl of a page source with a busy page (503, Retry-After) and a page over max_page_bytes."""

    report: SourceReport
    busy: BusyOnce
    error_reasons: dict[str, str]
    document_urls: list[str]


@pytest.fixture(scope="module", params=BACKENDS)
def limits_crawl(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Iterator[LimitsCrawl]:
    """Run the crawl once per database backend."""
    root = tmp_path_factory.mktemp("limits")
    server = SiteServer(root / "page")
    install_site("page", root / "page", server.url, "http://127.0.0.1:9")
    page = (root / "page" / "day1" / "pengumuman.html").read_bytes()
    padding = b"<!--" + b"x" * 200_000 + b"-->"
    (root / "page" / "day1" / "besar.html").write_bytes(page.replace(b"</body>", padding + b"</body>"))
    busy = BusyOnce(page)
    server.add_route("/sibuk", busy)
    urls = (
        postgres_schema_url()
        if request.param == "postgresql"
        else iter([f"sqlite:///{tmp_path_factory.mktemp('db') / 'warta.db'}"])
    )
    db_url = next(urls)
    try:
        with server:
            path = config(root, db_url, f"{server.url}/sibuk", f"{server.url}/besar", max_page_bytes="100kB")
            report = crawl_in_child(path, None, timeout_seconds=60).source("gedung-kesenian")
        database = Database(db_url)
        try:
            with database.reading() as session:
                errors = session.execute(select(CrawlError.url, CrawlError.reason)).all()
                documents = session.execute(select(Document.canonical_url)).scalars().all()
        finally:
            database.dispose()
        yield LimitsCrawl(report, busy, {url: reason for url, reason in errors}, list(documents))
    finally:
        for _ in urls:  # drops the PostgreSQL schema
            pass


def test_retry_after_on_503_is_waited_for_then_the_page_is_recorded(limits_crawl: LimitsCrawl) -> None:
    # recorded under its rel=canonical URL
    assert [url.rsplit("/", 1)[1] for url in limits_crawl.document_urls] == ["pengumuman"]
    assert len(limits_crawl.busy.asked_at) == 2
    assert limits_crawl.busy.asked_at[1] - limits_crawl.busy.asked_at[0] >= 1.0


def test_page_over_max_page_bytes_is_refused_and_counted_as_an_error(limits_crawl: LimitsCrawl) -> None:
    assert (limits_crawl.report.status, limits_crawl.report.errors) == ("ok", 1)
    [(url, reason)] = limits_crawl.error_reasons.items()
    assert url.endswith("/besar")
    assert "size" in reason


def test_unreachable_source_exits_1_and_marks_nothing_gone(tmp_path: Path, db_url: str, site: SiteServer) -> None:
    path = config(tmp_path, db_url, f"{site.url}/pengumuman")
    first = crawl_in_child(path, None, timeout_seconds=60)
    assert first.source("gedung-kesenian").new == 1
    site.stop()  # the host is now unreachable: connection refused
    result = subprocess.run(
        [sys.executable, "-m", "warta", "--config", str(path), "crawl"],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert result.returncode == 1
    assert "gedung-kesenian" in result.stderr and "could not be crawled" in result.stderr
    database = Database(db_url)
    try:
        with database.reading() as session:
            assert session.execute(select(Document.status)).scalars().all() == ["active"]
            run = session.execute(select(CrawlRun).order_by(CrawlRun.id.desc()).limit(1)).scalar_one()
            assert run.status == "failed" and run.errors >= 1 and run.gone == 0
            reasons = session.execute(select(CrawlError.reason).where(CrawlError.run_id == run.id)).scalars()
            assert any("Connection" in reason or "refused" in reason for reason in reasons)
    finally:
        database.dispose()


class Stalled:
    """A route that never answers until released; it notes that it was asked."""

    def __init__(self) -> None:
        self.asked = threading.Event()
        self.release = threading.Event()

    def __call__(self, handler: BaseHTTPRequestHandler) -> None:
        self.asked.set()
        self.release.wait(60)
        try:
            handler.send_response(204)
            handler.send_header("Content-Length", "0")
            handler.end_headers()
        except OSError:
            pass  # the crawler hung up, as it should


def test_crawl_past_its_time_limit_is_stopped_and_its_run_ends_as_timeout(
    tmp_path: Path, db_url: str, site: SiteServer
) -> None:
    route = Stalled()
    site.add_route("/lambat", route)
    path = config(tmp_path, db_url, f"{site.url}/lambat").read_text(encoding="utf-8")
    path_file = write_config(tmp_path, path.replace('timeout = "5s"', 'timeout = "120s"'), name="slow.toml")
    # The limit counts from the child's start. Forked from the warm crawl fork server, a child sends its
    # first request within about 0.5 CPU-seconds; started afresh (no fork server: not Linux), it first
    # spends about 3 on imports, which took over 9 s on a busy two-core machine. Either limit leaves
    # several times that; the stalled route would hold the crawl for 120 s, so the limit strikes first.
    limit = 12 if fork_server_available() else 30
    try:
        report = crawl_in_child(path_file, ["gedung-kesenian"], timeout_seconds=limit)
    finally:
        route.release.set()
    assert route.asked.is_set()  # the crawl was under way when the limit struck
    assert report.source("gedung-kesenian").status == "timeout"
    database = Database(db_url)
    try:
        with database.reading() as session:
            statuses = session.execute(select(CrawlRun.status)).scalars().all()
    finally:
        database.dispose()
    assert statuses == ["timeout"]


def test_start_url_answering_500_fails_the_run_and_exits_1(tmp_path: Path, db_url: str) -> None:
    root = tmp_path / "broken"
    (root / "day1").mkdir(parents=True)
    (root / "day1" / "_status").write_text("/pengumuman 500\n")
    with SiteServer(root) as broken:
        path = config(tmp_path, db_url, f"{broken.url}/pengumuman")
        result = subprocess.run(
            [sys.executable, "-m", "warta", "--config", str(path), "crawl"],
            capture_output=True,
            text=True,
            timeout=120,
            check=False,
        )
        assert any(entry.status == 500 for entry in broken.requests)
    assert result.returncode == 1, result.stderr[-2000:]
    database = Database(db_url)
    try:
        with database.reading() as session:
            run = session.execute(select(CrawlRun).order_by(CrawlRun.id.desc()).limit(1)).scalar_one()
    finally:
        database.dispose()
    assert run.status == "failed"
    assert "HTTP 500" in run.error
