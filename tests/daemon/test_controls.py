"""Steering a live daemon from the command line, through the database: crawl-now, pause, resume, silence, runs."""

from __future__ import annotations

import json
import logging
from pathlib import Path
from typing import Any

import feedparser
import pytest
from click.testing import CliRunner

from tests.conftest import free_port, wait_for, write_config
from tests.daemon.conftest import (
    DaemonProcess,
    Site,
    WebhookReceiver,
    crawl_runs,
    daemon_config,
    metric_samples,
    source_health,
    start_daemon,
)
from tests.daemon.sites import source_toml
from warta.cli.root import cli
from warta.daemon.controls import SourceControls
from warta.monitoring.metrics import DaemonMetrics
from warta.storage.alerts import recent_alerts
from warta.storage.controls import pending_crawl_requests
from warta.storage.database import Database


def warta(config: Path, *args: str) -> str:
    """Run a warta command as an operator would; return its output (fail on a non-zero exit)."""
    result = CliRunner().invoke(cli, ["--config", str(config), *args], env={"WARTA_STORAGE_URL": None})
    assert result.exit_code == 0, result.output
    return result.output


def finished_runs(database: Database, source_id: str) -> int:
    return len([run for run in crawl_runs(database, source_id) if run.finished_at])


def healthz(daemon: DaemonProcess) -> dict[str, Any]:
    report: dict[str, Any] = json.loads(daemon.get("/healthz")[2])
    return report


def events(daemon: DaemonProcess, name: str) -> list[dict[str, Any]]:
    """Return the daemon's JSON log entries of one event."""
    entries = [json.loads(line) for line in daemon.log().splitlines() if line.startswith("{")]
    return [entry for entry in entries if entry.get("event") == name]


def test_a_paused_source_starts_no_run_and_shows_paused_until_resumed(
    db_url: str, site: Site, tmp_path: Path, daemons: list[DaemonProcess]
) -> None:
    port = free_port()
    config = write_config(tmp_path, daemon_config(db_url, port, source_toml("site", site.url + "/berita/", "every 1s")))
    daemons.append(daemon := start_daemon(config, port, log_format="json"))
    database = Database(db_url)
    try:
        wait_for(lambda: finished_runs(database, "site") >= 1, timeout=60)
        answer = warta(config, "pause", "site")
        assert "site paused until `warta resume`" in answer and "within 1 s" in answer
        wait_for(lambda: events(daemon, "source.paused"), timeout=30)
        # a crawl that had started before the pause finishes; none starts after it
        wait_for(lambda: all(run.finished_at for run in crawl_runs(database, "site")), timeout=60)
        runs_when_paused = len(crawl_runs(database, "site"))
        first_due = healthz(daemon)["jobs"]["source:site"]
        # the every-1s job comes due twice more while paused: its next run moves on, nothing runs
        wait_for(lambda: healthz(daemon)["jobs"]["source:site"] > first_due, timeout=30)
        second_due = healthz(daemon)["jobs"]["source:site"]
        wait_for(lambda: healthz(daemon)["jobs"]["source:site"] > second_due, timeout=30)
        assert len(crawl_runs(database, "site")) == runs_when_paused

        assert healthz(daemon)["paused"] == {"site": None}
        [row] = json.loads(warta(config, "status", "--json"))["sources"]
        assert (row["health"], row["next_run"]) == ("paused", None)
        samples = metric_samples(daemon.get("/metrics")[2].decode())
        assert samples[("warta_source_health", (("health", "paused"), ("source", "site")))] == 1

        assert "site resumed" in warta(config, "resume", "site")
        wait_for(lambda: len(crawl_runs(database, "site")) > runs_when_paused, timeout=60)
        wait_for(lambda: events(daemon, "source.resumed"), timeout=30)
        assert healthz(daemon)["paused"] == {}
        [row] = json.loads(warta(config, "status", "--json"))["sources"]
        assert row["health"] != "paused"
        assert daemon.stop() == 0
    finally:
        database.dispose()


def test_crawl_now_runs_an_hourly_source_at_the_next_tick_and_logs_its_events(
    db_url: str, site: Site, tmp_path: Path, daemons: list[DaemonProcess]
) -> None:
    port = free_port()
    config = write_config(tmp_path, daemon_config(db_url, port, source_toml("site", site.url + "/berita/", "every 1h")))
    daemons.append(daemon := start_daemon(config, port, log_format="json"))
    database = Database(db_url)
    try:
        wait_for(lambda: finished_runs(database, "site") == 1, timeout=60)
        answer = warta(config, "crawl-now", "site")
        assert answer.strip() == "crawl of site requested; the daemon starts it within 1 s (its next tick)"
        wait_for(lambda: finished_runs(database, "site") == 2, timeout=60)
        first, second = crawl_runs(database, "site")

        started = events(daemon, "crawl.started")
        assert [(e["source"], e["trigger"], e["run_id"]) for e in started] == [
            ("site", "schedule", None),
            ("site", "request", None),
        ]
        finished = wait_for(lambda: len(events(daemon, "crawl.finished")) == 2 and events(daemon, "crawl.finished"))
        assert [(e["source"], e["run_id"], e["trigger"], e["status"]) for e in finished] == [
            ("site", first.id, "schedule", "ok"),
            ("site", second.id, "request", "ok"),
        ]
        assert finished[0]["new"] == 6 and finished[1]["unchanged"] + finished[1]["not_modified"] >= 1
        assert all(e["duration_seconds"] > 0 and e["requests"] > 0 for e in finished)
        [requested] = events(daemon, "crawl.requested")
        assert requested["source"] == "site" and "@" in requested["requested_by"]
        # the crawl child's own lines, relayed into the daemon's log, name their source and run
        entries = [json.loads(line) for line in daemon.log().splitlines() if line.startswith("{")]
        relayed = [e for e in entries if e["logger"] == "warta.crawl.site" and e.get("run_id") is not None]
        assert {e["run_id"] for e in relayed} <= {first.id, second.id}
        assert all(e["source"] == "site" for e in relayed)

        records = json.loads(warta(config, "runs", "site", "--json"))["runs"]
        assert [(r["id"], r["status"]) for r in records] == [(second.id, "ok"), (first.id, "ok")]
        assert records[1]["counts"]["new"] == 6 and records[1]["duration_seconds"] > 0
        assert daemon.stop() == 0
    finally:
        database.dispose()


def test_crawl_now_waits_for_the_running_crawl_of_its_source(
    db_url: str, site: Site, tmp_path: Path, daemons: list[DaemonProcess]
) -> None:
    port = free_port()
    # the crawl of /hang/ holds until the test releases it, after the checks made while it runs
    sources = source_toml("stuck", site.url + "/hang/", "every 1h")
    config = write_config(tmp_path, daemon_config(db_url, port, sources, crawl_timeout="120s"))
    daemons.append(daemon := start_daemon(config, port, log_format="json"))
    database = Database(db_url)
    try:
        wait_for(lambda: crawl_runs(database, "stuck"), timeout=60)  # the child opened its run
        answer = warta(config, "crawl-now", "stuck")
        assert "a crawl of it is running" in answer and "when that one ends" in answer
        # the daemon's own clock moves on by several ticks: the request waits, no second crawl starts
        uptime = healthz(daemon)["uptime_seconds"]
        wait_for(lambda: healthz(daemon)["uptime_seconds"] > uptime + 3, timeout=30)
        assert len(crawl_runs(database, "stuck")) == 1
        with database.reading() as session:
            assert [request.source_id for request in pending_crawl_requests(session)] == ["stuck"]

        # released, the first crawl ends (its start page gets no answer), then the requested one runs
        site.release.set()
        wait_for(lambda: finished_runs(database, "stuck") == 2, timeout=120)
        with database.reading() as session:
            assert pending_crawl_requests(session) == []
        first, second = crawl_runs(database, "stuck")
        assert first.finished_at is not None and second.started_at >= first.finished_at
        assert daemon.stop() == 0
    finally:
        database.dispose()


def test_a_silenced_source_records_its_alert_but_sends_nothing(
    db_url: str, site: Site, tmp_path: Path, webhook_receiver: WebhookReceiver, daemons: list[DaemonProcess]
) -> None:
    port = free_port()
    extra = f'failing_after = 1\nwebhook_url = "{webhook_receiver.url}"'
    body = daemon_config(db_url, port, source_toml("site", site.url + "/berita/", "every 1s"), extra=extra)
    config = write_config(tmp_path, body)
    daemons.append(daemon := start_daemon(config, port, log_format="json"))
    database = Database(db_url)
    try:
        wait_for(lambda: source_health(database, "site") == "ok", timeout=60)
        answer = warta(config, "silence", "site", "--for", "1d")
        assert "alerts of site silenced until" in answer and "not sent" in answer
        assert "site" in healthz(daemon)["silenced"]

        site.server.switch("down")
        wait_for(lambda: source_health(database, "site") == "failing", timeout=60)
        with database.reading() as session:
            [alert] = recent_alerts(session)
        assert (alert.health, alert.silenced, alert.attempts) == ("failing", True, 0)
        [raised] = wait_for(lambda: events(daemon, "alert.raised"))
        assert (raised["source"], raised["health"], raised["silenced"]) == ("site", "failing", True)
        assert isinstance(raised["run_id"], int)

        # negative control: lifted, the recovery is sent; the failing alert, sent first had it been, never is
        assert "sent again" in warta(config, "silence", "site", "--off")
        site.server.switch("good")
        wait_for(lambda: len(webhook_receiver.received) >= 1, timeout=60)
        assert [(m["source"], m["health"]) for m in webhook_receiver.received] == [("site", "ok")]
        status, _, document = daemon.get("/alerts.atom")
        assert status == 200
        assert [entry.title for entry in feedparser.parse(document).entries] == ["site: failing -> ok"]
        assert daemon.stop() == 0
    finally:
        database.dispose()


def test_an_unreachable_database_is_logged_once_masked_and_the_ticks_go_on(caplog: pytest.LogCaptureFixture) -> None:
    database = Database("postgresql+psycopg://warta:hunter2@127.0.0.1:1/warta?connect_timeout=2")
    controls = SourceControls(database, DaemonMetrics())
    started: list[str] = []
    try:
        with caplog.at_level(logging.WARNING, logger="warta.daemon.controls"):
            controls.tick({"site"}, lambda _source_id: False, started.append)
            controls.tick({"site"}, lambda _source_id: False, started.append)
    finally:
        database.dispose()
    (warning,) = [record.getMessage() for record in caplog.records]
    assert warning.startswith("cannot read the operators' requests from the database: ")
    assert warning.endswith("; retrying each tick")
    assert "\n" not in warning and "sqlalche.me" not in warning  # the driver's reason, as storage.errors words it
    assert "hunter2" not in warning and started == []
