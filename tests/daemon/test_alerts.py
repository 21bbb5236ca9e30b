"""Health changes recorded through the database raise one alert each: a row, an alerts.atom entry, a webhook POST."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import feedparser
import pytest
from sqlalchemy import select

from tests.conftest import wait_for
from tests.daemon.conftest import WebhookReceiver, add_run, atom_errors, metric_samples
from warta.config import SourceConfig
from warta.monitoring.metrics import DaemonMetrics
from warta.monitoring.source_monitor import SourceMonitor
from warta.monitoring.webhook import WebhookMessage, WebhookSender
from warta.storage.alerts import recent_alerts
from warta.storage.database import Database
from warta.storage.models import Alert, Source
from warta.storage.runs import add_run_error
from warta.storage.sources import ensure_source

T0 = datetime(2026, 11, 26, 8, 0, tzinfo=UTC)
SOURCE = SourceConfig(id="disbud", name="Dinas Kebudayaan", kind="listing", urls=["https://disbud.example/berita"])


@pytest.fixture
def archive(db: Database) -> Database:
    with db.transaction() as session:
        ensure_source(session, SOURCE.id, SOURCE.display_name, SOURCE.kind)
    return db


def make_monitor(database: Database, feed_dir: Path, webhook_url: str | None = None) -> SourceMonitor:
    monitor = SourceMonitor(database, feed_dir, "http://127.0.0.1:8080/", "warta", {SOURCE.id: SOURCE.display_name})
    if webhook_url:
        monitor.webhook = WebhookSender(webhook_url, monitor.record_delivery, attempts=4, first_backoff_seconds=0.05)
        monitor.webhook.start()
    return monitor


def stored_alerts(database: Database) -> list[Alert]:
    with database.reading() as session:
        return list(reversed(recent_alerts(session, 100)))


def test_failing_and_recovery_raise_exactly_one_alert_each(
    archive: Database, tmp_path: Path, webhook_receiver: WebhookReceiver
) -> None:
    monitor = make_monitor(archive, tmp_path / "public", webhook_receiver.url)
    statuses = ["ok", "failed", "failed", "failed", "failed", "ok", "ok"]
    verdicts = []
    for hour, status in enumerate(statuses):
        add_run(archive, SOURCE.id, T0 + timedelta(hours=hour), status)
        verdicts.append(monitor.update(SOURCE, T0 + timedelta(hours=hour, minutes=5))[0].health)
    assert verdicts == ["ok", "ok", "failing", "failing", "failing", "ok", "ok"]
    alerts = stored_alerts(archive)
    assert [(a.previous_health, a.health) for a in alerts] == [("ok", "failing"), ("failing", "ok")]
    assert "start URL answered 500" in alerts[0].reason
    wait_for(lambda: len(webhook_receiver.received) == 2)
    assert [(m["source"], m["health"]) for m in webhook_receiver.received] == [("disbud", "failing"), ("disbud", "ok")]
    delivered = wait_for(lambda: all(a.delivered_at for a in stored_alerts(archive)) and stored_alerts(archive))
    assert [a.attempts for a in delivered] == [1, 1]
    with archive.reading() as session:
        source = session.execute(select(Source).where(Source.id == SOURCE.id)).scalar_one()
    assert (source.health, source.health_since) == ("ok", T0 + timedelta(hours=5, minutes=5))


def test_first_healthy_run_raises_no_alert_but_a_first_failure_does(archive: Database, tmp_path: Path) -> None:
    monitor = make_monitor(archive, tmp_path / "public")
    add_run(archive, SOURCE.id, T0)
    _, alert = monitor.update(SOURCE, T0)
    assert alert is None
    assert not (tmp_path / "public" / "alerts.atom").exists()


def test_alerts_feed_is_valid_atom_listing_each_alert(archive: Database, tmp_path: Path) -> None:
    monitor = make_monitor(archive, tmp_path / "public")
    for hour, status in enumerate(["ok", "failed", "failed", "ok"]):
        add_run(archive, SOURCE.id, T0 + timedelta(hours=hour), status)
        monitor.update(SOURCE, T0 + timedelta(hours=hour, minutes=1))
    document = (tmp_path / "public" / "alerts.atom").read_bytes()
    assert atom_errors(document) == []
    feed = feedparser.parse(document)
    assert not feed.bozo
    assert [entry.title for entry in feed.entries] == [
        "Dinas Kebudayaan: failing -> ok",
        "Dinas Kebudayaan: ok -> failing",
    ]
    assert len({entry.id for entry in feed.entries}) == 2
    assert "start URL answered 500" in feed.entries[1].content[0].value


def test_degraded_listing_raises_an_alert(archive: Database, tmp_path: Path) -> None:
    monitor = make_monitor(archive, tmp_path / "public")
    for hour in range(3):
        add_run(archive, SOURCE.id, T0 + timedelta(hours=hour), links_found=20)
        monitor.update(SOURCE, T0 + timedelta(hours=hour))
    add_run(archive, SOURCE.id, T0 + timedelta(hours=3), links_found=0, new=0, unchanged=0)
    verdict, alert = monitor.update(SOURCE, T0 + timedelta(hours=3))
    assert verdict.health == "degraded"
    assert alert is not None and alert.entry.previous_health == "ok"


def test_webhook_that_fails_then_answers_gets_the_alert_with_retries(
    archive: Database, tmp_path: Path, webhook_receiver: WebhookReceiver
) -> None:
    webhook_receiver.failures = 2
    monitor = make_monitor(archive, tmp_path / "public", webhook_receiver.url)
    for hour, status in enumerate(["ok", "failed", "failed"]):
        add_run(archive, SOURCE.id, T0 + timedelta(hours=hour), status)
        monitor.update(SOURCE, T0 + timedelta(hours=hour))
    alert = wait_for(lambda: [a for a in stored_alerts(archive) if a.delivered_at])[0]
    assert alert.attempts == 3
    assert webhook_receiver.attempts == 3
    assert len(webhook_receiver.received) == 1


def test_unreachable_webhook_records_attempts_and_never_raises(
    archive: Database, tmp_path: Path, refused_port: int
) -> None:
    monitor = make_monitor(archive, tmp_path / "public", f"http://127.0.0.1:{refused_port}/hook")
    for hour, status in enumerate(["ok", "failed", "failed"]):
        add_run(archive, SOURCE.id, T0 + timedelta(hours=hour), status)
        monitor.update(SOURCE, T0 + timedelta(hours=hour))
    alert = wait_for(lambda: [a for a in stored_alerts(archive) if a.attempts == 4])[0]
    assert alert.delivered_at is None
    assert (tmp_path / "public" / "alerts.atom").exists()


def webhook_outcomes(metrics: DaemonMetrics) -> dict[str, float]:
    samples = metric_samples(metrics.render().decode())
    return {dict(labels)["outcome"]: value for (name, labels), value in samples.items() if "webhook" in name}


def test_webhook_outcomes_are_counted_delivered_retried_and_failed(
    webhook_receiver: WebhookReceiver, refused_port: int
) -> None:
    webhook_receiver.failures = 2
    metrics = DaemonMetrics()
    delivered: list[int] = []
    answering = WebhookSender(
        webhook_receiver.url,
        lambda alert_id, _n, at: delivered.append(alert_id) if at else None,
        attempts=4,
        first_backoff_seconds=0.05,
        on_outcome=metrics.count_webhook_outcome,
    )
    down = WebhookSender(
        f"http://127.0.0.1:{refused_port}/hook",
        lambda alert_id, _n, _at: delivered.append(-alert_id),
        attempts=2,
        first_backoff_seconds=0.05,
        on_outcome=metrics.count_webhook_outcome,
    )
    for sender in (answering, down):
        sender.start()
    answering.send(WebhookMessage(1, {"health": "failing"}))
    down.send(WebhookMessage(2, {"health": "failing"}))
    wait_for(lambda: sorted(delivered) == [-2, 1])
    for sender in (answering, down):
        sender.stop()
    # alert 1: two failed attempts retried, then delivered; alert 2: one retry, then given up
    assert webhook_outcomes(metrics) == {"delivered": 1, "retried": 3, "failed": 1}


def test_webhook_send_returns_before_delivery(refused_port: int) -> None:
    """A slow or dead webhook must not hold up the crawl job that raised the alert."""
    outcomes: list[tuple[int, int]] = []
    sender = WebhookSender(
        f"http://127.0.0.1:{refused_port}/",
        lambda i, n, _: outcomes.append((i, n)),
        attempts=2,
        first_backoff_seconds=0.2,
    )
    sender.start()
    sender.send(WebhookMessage(7, {"health": "failing"}))
    assert outcomes == []
    wait_for(lambda: outcomes == [(7, 2)])
    sender.stop()


def test_start_url_errors_stored_with_the_run_make_the_source_failing(archive: Database, tmp_path: Path) -> None:
    monitor = make_monitor(archive, tmp_path / "public")
    add_run(archive, SOURCE.id, T0)
    monitor.update(SOURCE, T0)
    for hour in (1, 2):
        run_id = add_run(
            archive, SOURCE.id, T0 + timedelta(hours=hour), errors=1, new=0, unchanged=0, links_found=0, not_modified=4
        )
        with archive.transaction() as session:
            add_run_error(session, run_id, SOURCE.urls[0], "HTTP 500")
            add_run_error(session, run_id, "https://disbud.example/berita/lama", "HTTP 500")
    verdict, alert = monitor.update(SOURCE, T0 + timedelta(hours=3))
    assert verdict.health == "failing"
    assert verdict.reason.endswith("no start URL answered: https://disbud.example/berita: HTTP 500")
    assert alert is not None


def test_alerts_feed_comes_from_the_one_atom_writer_and_keeps_markup_as_text(tmp_path: Path) -> None:
    from warta.feeds.alerts import AlertEntry, render_alert_feed, write_alert_feed

    raised = datetime(2026, 11, 26, 3, 0, tzinfo=UTC)
    reason = "start URL said <script>x</script>"
    alert = AlertEntry(7, "disbud", "Dinas <b>Kebudayaan</b>", raised, "ok", "failing", reason)
    document = render_alert_feed([alert], "http://127.0.0.1:8080/", "warta")
    assert atom_errors(document) == []
    feed = feedparser.parse(document)
    assert feed.feed.generator == "warta"  # the topic feeds' writer names itself the same way
    assert feed.entries[0].title == "Dinas <b>Kebudayaan</b>: ok -> failing"
    assert "<script>" not in document.decode() and "&lt;script&gt;" in feed.entries[0].content[0].value
    path = write_alert_feed(tmp_path, document)
    written = path.stat().st_mtime_ns
    write_alert_feed(tmp_path, document)
    assert path.stat().st_mtime_ns == written  # the same alerts leave the file (and its validators) alone
