"""The daemon as a real process under signals: SIGHUP reloads, SIGTERM stops cleanly, kill -9 recovers."""

from __future__ import annotations

import json
import signal
from datetime import datetime, timedelta
from pathlib import Path

from warta.storage.database import Database

from tests.conftest import free_port, wait_for, write_config
from tests.daemon.conftest import (
    DaemonProcess,
    Site,
    _alive,
    crawl_runs,
    daemon_config,
    sqlite_url,
    start_daemon,
)
from tests.daemon.sites import source_toml


def test_sighup_with_a_bad_config_keeps_the_old_schedule_and_a_good_one_reschedules(
    site: Site, tmp_path: Path, daemons: list[DaemonProcess]
) -> None:
    port = free_port()
    url = sqlite_url(tmp_path)
    good = daemon_config(url, port, source_toml("site", site.url + "/berita/"), shutdown_grace="1s")
    config = write_config(tmp_path, good)
    daemons.append(daemon := start_daemon(config, port))
    database = Database(url)
    try:
        wait_for(lambda: [r for r in crawl_runs(database, "site") if r.finished_at], timeout=60)
        config.write_text(good.replace('schedule = "every 2s"', 'schedule = "every 5 min"'), encoding="utf-8")
        daemon.process.send_signal(signal.SIGHUP)
        wait_for(lambda: "config reload refused" in daemon.log())
        assert "sources[0] (site).schedule" in daemon.log()
        runs_at_refusal = len(crawl_runs(database, "site"))
        wait_for(lambda: len([r for r in crawl_runs(database, "site") if r.finished_at]) > runs_at_refusal, timeout=60)
        assert daemon.get("/healthz")[0] == 200

        config.write_text(good + source_toml("added", site.url + "/berita/artikel-1", "every 1h"), encoding="utf-8")
        daemon.process.send_signal(signal.SIGHUP)
        jobs = wait_for(lambda: "source:added" in (j := json.loads(daemon.get("/healthz")[2])["jobs"]) and j)
        assert set(jobs) == {"source:site", "source:added"}
        assert "config reloaded" in daemon.log()
        assert daemon.stop() == 0
    finally:
        database.dispose()


def test_sigterm_during_a_crawl_exits_zero_within_the_grace_period(
    site: Site, tmp_path: Path, daemons: list[DaemonProcess]
) -> None:
    port = free_port()
    url = sqlite_url(tmp_path)
    body = daemon_config(url, port, source_toml("stuck", site.url + "/hang/", "every 1h"), shutdown_grace="2s")
    daemons.append(daemon := start_daemon(write_config(tmp_path, body), port))
    database = Database(url)
    try:
        wait_for(lambda: crawl_runs(database, "stuck"), timeout=60)
        # grace (2s) + SIGTERM-to-SIGKILL (5s) + a margin for a loaded machine
        assert daemon.stop(signal.SIGTERM, timeout=30) == 0
        [run] = crawl_runs(database, "stuck")
        assert run.status == "interrupted"
        assert run.finished_at is not None
        assert "shutdown_grace" in daemon.log()
    finally:
        database.dispose()


def test_kill_9_then_restart_marks_the_run_interrupted_and_carries_on(
    db_url: str, site: Site, tmp_path: Path, daemons: list[DaemonProcess]
) -> None:
    port = free_port()
    sources = source_toml("stuck", site.url + "/hang/", "every 1h")
    config = write_config(tmp_path, daemon_config(db_url, port, sources, shutdown_grace="1s"))
    daemons.append(daemon := start_daemon(config, port))
    database = Database(db_url)
    try:
        [run] = wait_for(lambda: crawl_runs(database, "stuck"), timeout=60)
        daemon.process.kill()
        daemon.process.wait(timeout=30)
        # The crawl child dies with the daemon, leaving its run marked running.
        wait_for(lambda: not _alive(run.pid))
        assert [r.status for r in crawl_runs(database, "stuck")] == ["running"]

        daemons.append(restarted := start_daemon(config, port, "restarted.log"))
        [run] = crawl_runs(database, "stuck")
        assert run.status == "interrupted"
        assert "marked interrupted" in restarted.log()
        status, _, body = restarted.get("/healthz")
        assert status == 200
        # Restarting does not crawl the source again before its schedule says so.
        report = json.loads(body)
        assert report["running"] == []
        next_run = datetime.fromisoformat(report["jobs"]["source:stuck"])
        assert next_run >= run.started_at + timedelta(hours=1)
        assert restarted.stop() == 0
    finally:
        database.dispose()
