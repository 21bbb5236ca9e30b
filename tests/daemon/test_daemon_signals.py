"""The daemon as a real process under signals: SIGHUP reloads, SIGTERM stops cleanly, kill -9 recovers."""

from __future__ import annotations

import json
import signal
from datetime import datetime, timedelta
from pathlib import Path

from tests.conftest import free_port, wait_for, write_config
from tests.daemon.conftest import (
    DaemonProcess,
    Site,
    WebhookReceiver,
    crawl_runs,
    daemon_config,
    metric_samples,
    source_health,
    sqlite_url,
    start_daemon,
)
from tests.daemon.sites import source_toml
from tests.processes import alive
from warta.storage.alerts import recent_alerts
from warta.storage.database import Database
from warta.storage.models import CrawlRun


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
        wait_for(lambda: not alive(run.pid))
        assert [r.status for r in crawl_runs(database, "stuck")] == ["running"]

        # on a port of its own: the first daemon's, free since it died, may be any connection's source port by now
        restart_port = free_port()
        restart = daemon_config(db_url, restart_port, sources, shutdown_grace="1s")
        restart_config = write_config(tmp_path, restart, "restarted.toml")
        daemons.append(restarted := start_daemon(restart_config, restart_port, "restarted.log"))
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


def test_a_refused_reload_keeps_crawling_on_the_accepted_config_and_says_so_in_healthz(
    db_url: str, site: Site, tmp_path: Path, daemons: list[DaemonProcess], webhook_receiver: WebhookReceiver
) -> None:
    port = free_port()
    good = daemon_config(db_url, port, source_toml("site", site.url + "/berita/"), extra=webhook(webhook_receiver))
    config = write_config(tmp_path, good)
    daemons.append(daemon := start_daemon(config, port))
    database = Database(db_url)
    try:
        assert json.loads(daemon.get("/healthz")[2])["config"]["status"] == "ok"
        wait_for(lambda: finished(database), timeout=60)
        # A typo saved on disk: a crawl that read the file would fail (and two failures in a row alert).
        config.write_text(good.replace("download_delay", "download_dealy"), encoding="utf-8")
        daemon.process.send_signal(signal.SIGHUP)
        refused = wait_for(lambda: (r := json.loads(daemon.get("/healthz")[2]))["config"]["status"] != "ok" and r)
        since = datetime.fromisoformat(refused["config"]["since"])
        # Two scheduled crawls that started after the refusal, both finished.
        wait_for(lambda: len([run for run in finished(database) if run.started_at > since]) >= 2, timeout=90)

        assert [run.status for run in finished(database)] == ["ok"] * len(finished(database))
        assert source_health(database, "site") == "ok"
        with database.reading() as session:
            assert recent_alerts(session) == []
        assert webhook_receiver.attempts == 0
        assert "config reload refused" in daemon.log()
        status, _, body = daemon.get("/healthz")
        report = json.loads(body)
        assert (status, report["status"], report["config"]["status"]) == (200, "degraded", "reload_refused")
        assert any("download_dealy" in problem for problem in report["config"]["problems"])
        metrics = metric_samples(daemon.get("/metrics")[2].decode())
        assert metrics[("warta_config_reload_success", ())] == 0

        config.write_text(good, encoding="utf-8")
        daemon.process.send_signal(signal.SIGHUP)
        report = wait_for(lambda: (r := json.loads(daemon.get("/healthz")[2]))["config"]["status"] == "ok" and r)
        assert (report["status"], report["config"]["problems"]) == ("ok", [])
        metrics = metric_samples(daemon.get("/metrics")[2].decode())
        assert metrics[("warta_config_reload_success", ())] == 1
        assert (
            metrics[("warta_config_last_reload_timestamp_seconds", ())]
            >= datetime.fromisoformat(report["config"]["since"]).timestamp() - 1
        )
        assert daemon.stop() == 0
    finally:
        database.dispose()


def finished(database: Database) -> list[CrawlRun]:
    """Return the finished runs of the source "site", oldest first."""
    return [run for run in crawl_runs(database, "site") if run.finished_at is not None]


def webhook(receiver: WebhookReceiver) -> str:
    return f'webhook_url = "{receiver.url}"'
