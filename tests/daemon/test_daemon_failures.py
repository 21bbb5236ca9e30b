"""The daemon as a real process when sources fail: a hanging crawl is killed; health changes alert once."""

from __future__ import annotations

import json
from pathlib import Path

import feedparser

from tests.conftest import free_port, wait_for, write_config
from tests.daemon.conftest import (
    DaemonProcess,
    Site,
    WebhookReceiver,
    atom_errors,
    crawl_runs,
    daemon_config,
    source_health,
    sqlite_url,
    start_daemon,
)
from tests.daemon.sites import source_toml
from tests.processes import alive
from warta.storage.alerts import recent_alerts
from warta.storage.database import Database


def test_hanging_crawl_is_killed_at_its_limit_while_another_source_runs(
    site: Site, tmp_path: Path, daemons: list[DaemonProcess]
) -> None:
    port = free_port()
    # "a-stuck" sorts first, so it starts first when both are overdue at start (the rest are staggered).
    sources = source_toml("a-stuck", site.url + "/hang/", "every 1h") + source_toml("site", site.url + "/berita/")
    # The limit applies to both sources: a healthy crawl's child spends about 3 CPU-seconds starting,
    # which took over 6 s on a busy two-core machine and was killed too. 20 s leaves room for that.
    config = write_config(tmp_path, daemon_config(sqlite_url(tmp_path), port, sources, crawl_timeout="20s"))
    daemons.append(daemon := start_daemon(config, port, log_format="json"))
    database = Database(sqlite_url(tmp_path))
    try:
        # The child may close its own run when told to stop; the daemon's verdict comes after it.
        wait_for(lambda: "crawl of a-stuck finished" in daemon.log(), timeout=90)
        [stuck] = crawl_runs(database, "a-stuck")
        assert stuck.status == "timeout"
        assert "crawl_timeout" in stuck.error
        wait_for(lambda: not alive(stuck.pid))
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
        loggers = {entry["logger"] for entry in entries}
        assert {"warta.daemon.service", "warta.daemon.crawl_job", "warta.crawl.site"} <= loggers
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
