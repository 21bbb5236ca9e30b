"""The daemon as a real process: scheduled crawls, endpoints, feeds and scheduled snapshots."""

from __future__ import annotations

import itertools
import json
import signal
import time
from http.server import BaseHTTPRequestHandler
from pathlib import Path

import feedparser

from tests.conftest import free_port, wait_for, write_config
from tests.daemon.conftest import (
    DaemonProcess,
    Site,
    crawl_runs,
    daemon_config,
    metric_samples,
    sqlite_url,
    start_daemon,
)
from tests.daemon.sites import source_toml
from tests.processes import child_pids, cmdline
from warta.storage.database import Database


def slow_listing(site: Site, seconds: float) -> str:
    """Serve the site's listing at a new path that answers only after `seconds`; return its URL."""
    listing = (site.server.state.root / "good" / "berita" / "index.html").read_bytes()

    def answer(handler: BaseHTTPRequestHandler) -> None:
        time.sleep(seconds)
        handler.send_response(200)
        handler.send_header("Content-Type", "text/html; charset=utf-8")
        handler.send_header("Content-Length", str(len(listing)))
        handler.end_headers()
        handler.wfile.write(listing)

    site.server.add_route("/lambat/", answer)
    return site.url + "/lambat/"


def test_daemon_crawls_on_schedule_serves_endpoints_and_stops_cleanly(
    site: Site, tmp_path: Path, daemons: list[DaemonProcess]
) -> None:
    port = free_port()
    db_url = sqlite_url(tmp_path)
    # every crawl waits 2.5s for its listing, longer than the 2s interval between due runs
    listing_url = slow_listing(site, 2.5)
    config = write_config(tmp_path, daemon_config(db_url, port, source_toml("site", listing_url)))
    daemon = start_daemon(config, port)
    daemons.append(daemon)
    database = Database(db_url)
    try:
        runs = wait_for(
            lambda: [r for r in crawl_runs(database, "site") if r.status == "ok"][1:] and crawl_runs(database, "site"),
            timeout=90,
        )
        finished = [run for run in runs if run.finished_at is not None]
        for earlier, later in itertools.pairwise(finished):
            assert earlier.finished_at <= later.started_at, "two runs of one source overlapped"
        assert finished[0].new == 6
        # Crawls outlast the 2s interval, so due runs were skipped, and said so.
        assert "run of source:site skipped: its previous run is still going" in daemon.log()

        status, headers, body = daemon.get("/healthz")
        health = json.loads(body)
        assert (status, health["status"], health["scheduler"], health["database"]) == (200, "ok", "running", "ok")

        ok_runs = ("warta_crawl_runs_total", (("result", "ok"), ("source", "site")))
        # The child closes its run a moment before the daemon counts it: poll the counter.
        samples = wait_for(lambda: (s := metric_samples(daemon.get("/metrics")[2].decode())).get(ok_runs, 0) >= 2 and s)
        status, headers, _ = daemon.get("/metrics")
        assert status == 200 and headers["Content-Type"].startswith("text/plain")
        assert samples[("warta_documents_new_total", (("source", "site"),))] == 6
        assert samples[("warta_pages_fetched_total", (("source", "site"), ("status", "200")))] >= 7
        assert samples[("warta_last_success_timestamp_seconds", (("source", "site"),))] > 0
        assert samples[("warta_crawl_duration_seconds_count", (("source", "site"),))] >= 2

        wait_for(lambda: daemon.get("/sources/site.atom")[0] == 200)
        status, headers, body = daemon.get("/sources/site.atom")
        assert headers["Content-Type"].startswith("application/atom+xml")
        assert len(feedparser.parse(body).entries) >= 1
        assert daemon.get("/no-such-feed.atom")[0] == 404

        # the crawls were forked from the daemon's crawl fork server, which ends with the daemon
        [fork_server] = [pid for pid in child_pids(daemon.process.pid) if "warta.cli.fork_server" in cmdline(pid)]
        assert "starting the crawl as a new process" not in daemon.log()

        assert daemon.stop(signal.SIGTERM) == 0
        assert [run.status for run in crawl_runs(database) if run.status == "running"] == []
        assert "warta daemon stopped" in daemon.log()
        wait_for(lambda: not Path(f"/proc/{fork_server}").exists())
    finally:
        database.dispose()


def test_scheduled_snapshots_run_on_their_schedule(tmp_path: Path, daemons: list[DaemonProcess]) -> None:
    port = free_port()
    snapshot = '[[snapshots]]\nid = "often"\nformat = "jsonl"\nschedule = "every 2s"\ndir = "exports"\nkeep = 2\n'
    config = write_config(tmp_path, daemon_config(sqlite_url(tmp_path), port, snapshot))
    daemons.append(daemon := start_daemon(config, port))
    # Three exports mean the job ran on its schedule, not only once at start; rotation keeps `keep` of them.
    wait_for(lambda: daemon.log().count("snapshot often finished") >= 3, timeout=60)
    assert daemon.stop() == 0
    assert len(list((tmp_path / "exports").glob("often-*.jsonl"))) == 2
    assert "snapshot:often scheduled (every 2s)" in daemon.log()
