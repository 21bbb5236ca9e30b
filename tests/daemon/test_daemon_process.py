"""`warta daemon` as a real subprocess against local sites: schedules, time limits, alerts, signals, recovery."""

from __future__ import annotations

import itertools
import json
import os
import signal
from datetime import datetime, timedelta
from pathlib import Path

import feedparser
from prometheus_client.parser import text_string_to_metric_families
from sqlalchemy import select

from storage.alerts import recent_alerts
from storage.database import Database
from storage.models import Source
from tests.conftest import write_config
from tests.daemon.conftest import (
    DaemonProcess,
    Site,
    WebhookReceiver,
    atom_errors,
    crawl_runs,
    daemon_config,
    free_port,
    start_daemon,
    wait_for,
)
from tests.daemon.sites import source_toml


def sqlite_url(folder: Path) -> str:
    return f"sqlite:///{folder / 'warta.db'}"


def metric_samples(text: str) -> dict[tuple[str, tuple[tuple[str, str], ...]], float]:
    samples = {}
    for family in text_string_to_metric_families(text):
        for sample in family.samples:
            samples[(sample.name, tuple(sorted(sample.labels.items())))] = sample.value
    return samples


def source_health(database: Database, source_id: str) -> str:
    with database.reading() as session:
        source = session.execute(select(Source).where(Source.id == source_id)).scalar_one_or_none()
    return source.health if source else "missing"


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    with open(f"/proc/{pid}/stat") as stat:
        return stat.read().rsplit(")", 1)[-1].split()[0] != "Z"


def test_daemon_crawls_on_schedule_serves_endpoints_and_stops_cleanly(
    site: Site, tmp_path: Path, daemons: list[DaemonProcess]
) -> None:
    port = free_port()
    db_url = sqlite_url(tmp_path)
    config = write_config(tmp_path, daemon_config(db_url, port, source_toml("site", site.url + "/berita/")))
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
        # Crawls take longer than the 2s interval, so due runs were skipped, and said so.
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

        assert daemon.stop(signal.SIGTERM) == 0
        assert [run.status for run in crawl_runs(database) if run.status == "running"] == []
        assert "warta daemon stopped" in daemon.log()
    finally:
        database.dispose()


def test_hanging_crawl_is_killed_at_its_limit_while_another_source_runs(
    site: Site, tmp_path: Path, daemons: list[DaemonProcess]
) -> None:
    port = free_port()
    # "a-stuck" sorts first, so it starts first when both are overdue at start (the rest are staggered).
    sources = source_toml("a-stuck", site.url + "/hang/", "every 1h") + source_toml("site", site.url + "/berita/")
    config = write_config(tmp_path, daemon_config(sqlite_url(tmp_path), port, sources, crawl_timeout="6s"))
    daemons.append(daemon := start_daemon(config, port, log_format="json"))
    database = Database(sqlite_url(tmp_path))
    try:
        # The child may close its own run when told to stop; the daemon's verdict comes after it.
        wait_for(lambda: "crawl of a-stuck finished" in daemon.log(), timeout=90)
        [stuck] = crawl_runs(database, "a-stuck")
        assert stuck.status == "timeout"
        assert "crawl_timeout" in stuck.error
        wait_for(lambda: not _alive(stuck.pid))
        # The other source ran while the stuck crawl hung, and goes on after it was killed.
        site_runs = wait_for(
            lambda: [r for r in crawl_runs(database, "site") if r.status == "ok" and r.started_at > stuck.finished_at],
            timeout=60,
        )
        during = [
            r
            for r in crawl_runs(database, "site")
            if r.started_at < stuck.finished_at and r.finished_at and r.finished_at > stuck.started_at
        ]
        assert during, "no run of the other source overlapped the hanging crawl"
        assert site_runs
        assert daemon.stop() == 0
        # --log-format json: every line is one JSON object, the crawl children's lines included.
        entries = [json.loads(line) for line in daemon.log().splitlines()]
        assert {"warta.daemon", "warta.crawl_job", "warta.crawl.site"} <= {entry["logger"] for entry in entries}
        assert any("crawl of a-stuck finished: timeout" in entry["message"] for entry in entries)
    finally:
        database.dispose()


def test_failing_recovery_and_degraded_each_alert_once(
    site: Site, tmp_path: Path, webhook_receiver: WebhookReceiver, daemons: list[DaemonProcess]
) -> None:
    port = free_port()
    extra = f'failing_after = 1\nwebhook_url = "{webhook_receiver.url}"'
    body = daemon_config(sqlite_url(tmp_path), port, source_toml("site", site.url + "/berita/"), extra=extra)
    daemons.append(daemon := start_daemon(write_config(tmp_path, body), port))
    database = Database(sqlite_url(tmp_path))

    def alerts() -> list[tuple[str, str]]:
        with database.reading() as session:
            return [(a.previous_health, a.health) for a in reversed(recent_alerts(session))]

    try:
        wait_for(lambda: source_health(database, "site") == "ok", timeout=60)
        assert alerts() == []

        site.server.switch("down")
        wait_for(lambda: source_health(database, "site") == "failing", timeout=60)
        # One more failing run must not repeat the alert.
        runs_then = len(crawl_runs(database, "site"))
        wait_for(lambda: len([r for r in crawl_runs(database, "site") if r.finished_at]) > runs_then, timeout=60)
        wait_for(lambda: "crawl of site finished" in daemon.log().rsplit("crawl of site started", 1)[-1])
        assert alerts() == [("ok", "failing")], "the alert was repeated while the source kept failing"

        site.server.switch("good")
        wait_for(lambda: source_health(database, "site") == "ok", timeout=60)
        site.server.switch("redesign")
        wait_for(lambda: source_health(database, "site") == "degraded", timeout=60)
        assert alerts() == [("ok", "failing"), ("failing", "ok"), ("ok", "degraded")]

        wait_for(lambda: len(webhook_receiver.received) == 3)
        assert [m["health"] for m in webhook_receiver.received] == ["failing", "ok", "degraded"]
        assert "found 0 links, usually 6" in webhook_receiver.received[2]["reason"]

        status, _, document = daemon.get("/alerts.atom")
        assert status == 200
        assert atom_errors(document) == []
        assert [entry.title for entry in feedparser.parse(document).entries] == [
            "site: ok -> degraded", "site: failing -> ok", "site: ok -> failing",
        ]  # fmt: skip
        assert daemon.stop() == 0
    finally:
        database.dispose()


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
        assert "sources[0].schedule" in daemon.log()
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
