"""A live daemon's /metrics while it crawls: crawls in progress, next runs, documents, and promtool's verdict."""

from __future__ import annotations

import threading
from http.server import BaseHTTPRequestHandler
from pathlib import Path

from sqlalchemy import func, select

from tests.conftest import free_port, wait_for, write_config
from tests.daemon.conftest import (
    DaemonProcess,
    Site,
    crawl_runs,
    daemon_config,
    metric_samples,
    promtool_check_metrics,
    start_daemon,
)
from tests.daemon.sites import source_toml
from warta.storage.database import Database
from warta.storage.models import Document

SOURCE = (("source", "site"),)


def gated_listing(site: Site, gate: threading.Event) -> str:
    """Serve the site's listing at a new path that answers once `gate` is set; return its URL."""
    listing = (site.server.state.root / "good" / "berita" / "index.html").read_bytes()

    def answer(handler: BaseHTTPRequestHandler) -> None:
        gate.wait(120)
        handler.send_response(200)
        handler.send_header("Content-Type", "text/html; charset=utf-8")
        handler.send_header("Content-Length", str(len(listing)))
        handler.end_headers()
        handler.wfile.write(listing)

    site.server.add_route("/tertahan/", answer)
    return site.url + "/tertahan/"


def stored_documents(database: Database) -> int:
    with database.reading() as session:
        return int(session.execute(select(func.count()).select_from(Document)).scalar_one())


def test_live_metrics_follow_a_crawl_and_pass_promtool(
    site: Site, tmp_path: Path, db_url: str, daemons: list[DaemonProcess]
) -> None:
    port = free_port()
    gate = threading.Event()
    sources = source_toml("site", gated_listing(site, gate), schedule="every 1h")
    daemon = start_daemon(write_config(tmp_path, daemon_config(db_url, port, sources)), port)
    daemons.append(daemon)

    def scrape() -> dict[tuple[str, tuple[tuple[str, str], ...]], float]:
        return metric_samples(daemon.get("/metrics")[2].decode())

    database = Database(db_url)
    try:
        # the first crawl waits at the gate: it is in progress until the test opens it
        during = wait_for(lambda: (s := scrape()).get(("warta_crawls_in_progress", ())) == 1 and s)
        assert during[("warta_source_documents", SOURCE)] == 0
        gate.set()
        wait_for(lambda: [run for run in crawl_runs(database, "site") if run.status == "ok"])
        after = wait_for(lambda: (s := scrape()).get(("warta_crawl_runs_total", (("result", "ok"), *SOURCE))) and s)
        assert after[("warta_crawls_in_progress", ())] == 0
        assert after[("warta_source_documents", SOURCE)] == stored_documents(database) > 0
        last_start = crawl_runs(database, "site")[-1].started_at.timestamp()
        # the next run of the hourly source is an hour after the last one started (give or take its jitter)
        assert after[("warta_next_run_timestamp_seconds", SOURCE)] - last_start > 3600 - 61

        status, _, body = daemon.get("/metrics")
        assert status == 200 and b"_created" not in body
        assert promtool_check_metrics(body) == (0, "")
    finally:
        gate.set()
        database.dispose()
    assert daemon.stop() == 0
