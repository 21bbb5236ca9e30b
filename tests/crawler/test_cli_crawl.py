"""`warta crawl`: JSON output, exit status 0 when every source ran and 2 for bad usage or config."""

from __future__ import annotations

import json
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler
from pathlib import Path

import pytest
from click.testing import CliRunner
from rich.console import Console

from tests.conftest import free_port, modules_loaded, write_config
from tests.crawler.fixture_sites import install_site
from warta.cli.crawl import summary_table
from warta.cli.root import cli
from warta.crawler.report import CrawlReport, SourceReport
from warta.demo.siteserver import SiteServer


@pytest.fixture
def page_site(tmp_path: Path) -> Iterator[SiteServer]:
    server = SiteServer(tmp_path / "page")
    install_site("page", tmp_path / "page", server.url, "http://127.0.0.1:9")
    with server:
        yield server


@pytest.fixture
def config_path(tmp_path: Path, db_url: str, page_site: SiteServer) -> Path:
    return write_config(
        tmp_path,
        f"""
[storage]
url = "{db_url}"

[crawler]
download_delay = "0s"
timeout = "5s"

[[sources]]
id = "gedung-kesenian"
kind = "page"
urls = ["{page_site.url}/pengumuman"]

[[sources]]
id = "offline"
kind = "listing"
urls = ["http://127.0.0.1:{free_port()}/berita/"]
enabled = false  # never crawled here: the exit status 1 case is in test_politeness.py
""",
    )


def run_warta(config_path: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "warta", "--config", str(config_path), "crawl", *args],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def test_crawl_json_reports_each_source_and_exits_0(config_path: Path) -> None:
    result = run_warta(config_path, "--json")
    assert result.returncode == 0, result.stderr
    data = json.loads(result.stdout)
    [source] = data["sources"]
    assert {"id", "new", "changed", "unchanged", "gone", "errors", "requests", "bytes", "seconds"} <= set(source)
    assert (source["id"], source["new"], source["errors"]) == ("gedung-kesenian", 1, 0)
    assert source["requests"] >= 2 and source["bytes"] > 0


def test_crawl_exits_2_listing_known_ids_for_an_unknown_source(config_path: Path) -> None:
    result = CliRunner().invoke(cli, ["--config", str(config_path), "crawl", "nope"])
    assert result.exit_code == 2
    assert "nope" in result.output and "gedung-kesenian" in result.output and "offline" in result.output


def test_crawl_exits_2_for_an_invalid_config(tmp_path: Path) -> None:
    path = write_config(tmp_path, "[crawler]\nconcurrency = 0\n")
    result = CliRunner().invoke(cli, ["--config", str(path), "crawl"])
    assert result.exit_code == 2
    assert "concurrency" in result.output


def test_summary_table_shows_every_count_per_source() -> None:
    report = CrawlReport(
        [
            SourceReport("warta-budaya", requests=12, bytes=48_200, new=3, changed=2, unchanged=4, gone=1, seconds=2.5),
            SourceReport("offline", status="failed", error="no start URL could be fetched", errors=1),
        ]
    )
    console = Console(record=True, width=120)
    console.print(summary_table(report))
    text = console.export_text()
    for header in ("requests", "bytes", "new", "changed", "unchanged", "gone", "errors", "duration"):
        assert header in text
    assert "48.2kB" in text and "2.5s" in text
    assert "offline (failed)" in text


def test_the_crawl_command_loads_neither_extraction_nor_other_commands() -> None:
    # the daemon starts `warta crawl` for every scheduled crawl; extraction runs in worker processes
    unneeded = ("trafilatura", "warcio", "feedgen", "prometheus_client", "warta.cli.archive", "warta.cli.daemon")
    names = (*unneeded, "warta.cli.feeds")
    assert modules_loaded("c.cli.get_command(click.Context(c.cli), 'crawl')", names) == []
    every = modules_loaded("list(c.walk_commands(c.cli))", names)
    assert "warta.cli.archive" in every and "feedgen" in every


def listening_ports(pid: int) -> list[int]:
    """Return the TCP ports process `pid` listens on (Linux: its socket inodes matched in /proc/net/tcp*)."""
    inodes = set()
    for fd in Path(f"/proc/{pid}/fd").iterdir():
        try:
            target = fd.readlink().name
        except OSError:  # closed meanwhile
            continue
        if target.startswith("socket:["):
            inodes.add(target[len("socket:[") : -1])
    ports = []
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        for line in Path(table).read_text().splitlines()[1:]:
            fields = line.split()
            local, state, inode = fields[1], fields[3], fields[9]
            if state == "0A" and inode in inodes:  # 0A: LISTEN
                ports.append(int(local.rsplit(":", 1)[1], 16))
    return ports


@pytest.mark.skipif(not Path("/proc/net/tcp").exists(), reason="reads Linux's /proc to find listening sockets")
def test_a_running_crawl_listens_on_no_port(tmp_path: Path) -> None:
    # Scrapy's telnet console and its remote-control server (which runs Python code sent to it)
    # would each listen on localhost for as long as the crawl runs.
    release = threading.Event()
    server = SiteServer(tmp_path / "site")
    (tmp_path / "site" / "day1").mkdir(parents=True)

    def slow_page(handler: BaseHTTPRequestHandler) -> None:
        release.wait(30)
        handler.send_response(404)
        handler.send_header("Content-Length", "0")
        handler.end_headers()

    server.add_route("/lambat", slow_page)
    config = write_config(
        tmp_path,
        f'[storage]\nurl = "sqlite:///{tmp_path / "warta.db"}"\n[crawler]\ndownload_delay = "0s"\ntimeout = "30s"\n'
        f'[[sources]]\nid = "lambat"\nkind = "page"\nurls = ["{server.url}/lambat"]\n',
    )
    with server:
        crawl = subprocess.Popen(
            [sys.executable, "-m", "warta", "--config", str(config), "--log-level", "warning", "crawl"],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        try:
            deadline = time.monotonic() + 60
            while not any(request.path == "/lambat" for request in server.requests):
                assert crawl.poll() is None and time.monotonic() < deadline, "the crawl never asked for its page"
                time.sleep(0.05)
            # the page is being fetched: the crawl has started everything it starts
            assert listening_ports(crawl.pid) == []
        finally:
            release.set()
            crawl.wait(timeout=60)
