"""Scheduled fixity checks: planned from their last stored run, alerting when their result changes."""

from __future__ import annotations

import json
import zlib
from datetime import UTC, datetime, timedelta
from pathlib import Path

import feedparser
from sqlalchemy import select, update

from tests.archive.conftest import seed_first_round
from tests.conftest import free_port, wait_for, write_config
from tests.daemon.conftest import (
    DaemonProcess,
    WebhookReceiver,
    daemon_config,
    metric_samples,
    sqlite_url,
    start_daemon,
)
from warta.archive.fixity import FixityReport
from warta.config import WartaConfig
from warta.daemon.schedule_plan import plan_jobs
from warta.monitoring.fixity_monitor import FixityMonitor
from warta.monitoring.source_monitor import RaisedAlert
from warta.storage.alerts import recent_alerts
from warta.storage.database import Database
from warta.storage.models import Blob, Capture

NOW = datetime(2026, 11, 26, 12, 0, tzinfo=UTC)


def test_a_fixity_check_is_planned_from_its_last_stored_run() -> None:
    cfg = WartaConfig.model_validate(
        {"fixity": [{"id": "weekly", "schedule": "every 7d"}, {"id": "fresh", "schedule": "every 7d"}]}
    )
    plan = plan_jobs(cfg, [], [], {}, {}, NOW, cfg.fixity, {"weekly": NOW - timedelta(days=2)})
    jobs = {job.job_id: job.first_run for job in plan}
    # a restart does not check the archive again two days after the last check; a check that never ran, runs now
    assert jobs == {"fixity:weekly": NOW + timedelta(days=5), "fixity:fresh": NOW}


def report_with(problems: int) -> FixityReport:
    report = FixityReport("archive")
    report.count("captures", 3)
    for number in range(problems):
        report.add(f"capture {number} https://example.org/{number}", "its body (blob x) is damaged")
    return report


def test_an_alert_is_raised_when_a_check_starts_failing_and_when_it_recovers(db: Database) -> None:
    raised: list[RaisedAlert] = []
    monitor = FixityMonitor(db, raised.append)
    for problems in (0, 0, 2, 3, 0):
        monitor.record("weekly", NOW, NOW, report_with(problems))
    # a first clean run is not news, a failure is, a failure that goes on is not again, and the recovery is
    assert [(alert.entry.previous_health, alert.entry.health) for alert in raised] == [
        ("ok", "failed"),
        ("failed", "ok"),
    ]
    assert raised[0].entry.title == "fixity check weekly: ok -> failed"
    assert "capture 0 https://example.org/0" in raised[0].entry.reason
    with db.reading() as session:
        stored = recent_alerts(session)
    assert [(alert.source_id, alert.check_id, alert.health) for alert in stored] == [
        (None, "weekly", "ok"),
        (None, "weekly", "failed"),
    ]
    latest = monitor.latest()["weekly"]
    assert (latest.problems, latest.checked) == (0, {"captures": 3})


def healthz(daemon: DaemonProcess) -> dict[str, object]:
    status, _headers, body = daemon.get("/healthz")
    assert status == 200
    loaded: dict[str, object] = json.loads(body)
    return loaded


def fixity_problems(daemon: DaemonProcess) -> float | None:
    samples = metric_samples(daemon.get("/metrics")[2].decode())
    return samples.get(("warta_fixity_problems", (("check", "often"),)))


def test_scheduled_fixity_check_alerts_when_a_stored_body_changes(
    tmp_path: Path, daemons: list[DaemonProcess], webhook_receiver: WebhookReceiver
) -> None:
    url = sqlite_url(tmp_path)
    database = Database(url)
    database.ensure_schema()
    seeded = seed_first_round(database)
    port = free_port()
    fixity = '[[fixity]]\nid = "often"\nschedule = "every 2s"\n'
    config = write_config(tmp_path, daemon_config(url, port, fixity, extra=f'webhook_url = "{webhook_receiver.url}"'))
    daemons.append(daemon := start_daemon(config, port))
    try:
        # the clean archive first: the negative control for the alert below
        wait_for(lambda: "fixity check often finished" in daemon.log(), timeout=60)
        assert fixity_problems(daemon) == 0
        assert healthz(daemon)["status"] == "ok"
        with database.transaction() as session:
            capture_id, digest = session.execute(
                select(Capture.id, Capture.body_sha256).where(Capture.url == seeded.urls["pameran"])
            ).one()
            session.execute(update(Blob).where(Blob.sha256 == digest).values(data=zlib.compress(b"tampered")))
        named = f"capture {capture_id} {seeded.urls['pameran']}"
        wait_for(lambda: "fixity check often FAILED" in daemon.log(), timeout=60)
        wait_for(lambda: fixity_problems(daemon) == 1, timeout=30)
        report = healthz(daemon)
        assert report["status"] == "degraded"
        fixity = report["fixity"]
        assert isinstance(fixity, dict) and fixity["often"]["ok"] is False
        assert named in fixity["often"]["first_problems"][0]
        wait_for(lambda: len(webhook_receiver.received) >= 1, timeout=60)
        [posted] = webhook_receiver.received
        assert (posted["check"], posted["source"], posted["health"]) == ("often", None, "failed")
        assert named in posted["reason"]
        feed = feedparser.parse((tmp_path / "public" / "alerts.atom").read_bytes())
        assert [entry.title for entry in feed.entries] == ["fixity check often: ok -> failed"]
        assert "fixity:often scheduled (every 2s)" in daemon.log()
    finally:
        database.dispose()
    assert daemon.stop() == 0
    # one alert for a failure that went on over several runs
    assert len(webhook_receiver.received) == 1
