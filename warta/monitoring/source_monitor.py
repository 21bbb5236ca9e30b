"""Judging a source's health after its runs, recording changes, and raising alerts for them.

The facts come from storage.health, the verdict from the pure rules in
warta.monitor.health. An alert is raised only when the health changes (see
`should_alert`), in the same transaction that records the new health, so two
evaluations never raise the same alert twice. An alert raised while its source
is silenced (`warta silence`) is recorded but not sent: no webhook POST, and no
entry in alerts.atom, whose readers would be notified too.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from sqlalchemy.orm import Session

from warta.config import SourceConfig, WartaConfig
from warta.feeds.alerts import AlertEntry, render_alert_feed, write_alert_feed
from warta.monitoring.health import HealthVerdict, RunFacts, evaluate_health, should_alert
from warta.monitoring.webhook import WebhookMessage, WebhookSender
from warta.storage.alerts import recent_alerts, record_alert, record_delivery
from warta.storage.controls import active_silences
from warta.storage.database import Database
from warta.storage.health import (
    finished_runs,
    first_run_time,
    last_change_time,
    set_source_health,
    start_url_errors,
)
from warta.storage.models import Alert, CrawlRun
from warta.storage.types import utcnow

logger = logging.getLogger(__name__)

RUNS_CONSIDERED = 20
ALERTS_IN_FEED = 50


@dataclass(frozen=True)
class RaisedAlert:
    """An alert just recorded."""

    id: int
    entry: AlertEntry
    silenced_until: datetime | None = None


def run_facts(run: CrawlRun, start_urls: int = 0, start_url_errors: Sequence[str] = ()) -> RunFacts:
    """Return the facts health needs from a stored run."""
    return RunFacts(
        status=run.status,
        started_at=run.started_at,
        error=run.error or "",
        requests=run.requests,
        new=run.new,
        changed=run.changed,
        unchanged=run.unchanged,
        not_modified=run.not_modified,
        errors=run.errors,
        links_found=run.links_found,
        empty_pages=run.empty_pages,
        start_urls=start_urls,
        start_url_errors=tuple(start_url_errors),
    )


def assess_source(session: Session, source: SourceConfig, now: datetime, failing_after: int) -> HealthVerdict:
    """Return the source's health judged from the database now (reads only)."""
    stored = finished_runs(session, source.id, RUNS_CONSIDERED)
    errors = start_url_errors(session, [run.id for run in stored], source.urls)
    runs = [run_facts(run, len(source.urls), errors.get(run.id, ())) for run in stored]
    return evaluate_health(
        runs,
        now,
        last_change=last_change_time(session, source.id),
        first_run=first_run_time(session, source.id),
        expect_new_within=source.expect_new_within,
        failing_after=failing_after,
    )


class SourceMonitor:
    """Re-judge sources after their runs and publish alerts for changes of health."""

    def __init__(
        self,
        database: Database,
        feed_dir: Path,
        base_url: str,
        title_prefix: str,
        source_names: Mapping[str, str],
        failing_after: int = 2,
        webhook: WebhookSender | None = None,
    ) -> None:
        self.database = database
        self.feed_dir = feed_dir
        self.base_url = base_url
        self.title_prefix = title_prefix
        self.source_names = dict(source_names)
        self.failing_after = failing_after
        self.webhook = webhook

    @classmethod
    def from_config(cls, cfg: WartaConfig, database: Database, webhook: WebhookSender | None) -> SourceMonitor:
        """Return a monitor writing alerts.atom into [feeds] dir and posting to `webhook`."""
        return cls(
            database,
            cfg.feeds.dir,
            cfg.feeds.base_url,
            cfg.feeds.title_prefix,
            {source.id: source.display_name for source in cfg.sources},
            cfg.daemon.failing_after,
            webhook,
        )

    def update(
        self, source: SourceConfig, now: datetime | None = None, run_id: int | None = None
    ) -> tuple[HealthVerdict, RaisedAlert | None]:
        """Judge the source, record its health, and raise an alert when it changed (sent unless silenced)."""
        now = now or utcnow()
        with self.database.transaction() as session:
            verdict = assess_source(session, source, now, self.failing_after)
            before = set_source_health(session, source.id, verdict.health, verdict.reason, now)
            raised = None
            if should_alert(before.health, verdict.health):
                silenced_until = active_silences(session, now).get(source.id)
                alert = record_alert(
                    session, source.id, before.health, verdict.health, verdict.reason, now, silenced_until is not None
                )
                entry = self._entry(alert.id, source.id, now, before.health, verdict)
                raised = RaisedAlert(alert.id, entry, silenced_until)
        if raised is not None:
            self._log_alert(raised, run_id)
            if raised.silenced_until is None:
                self.publish(raised)
        return verdict, raised

    def _log_alert(self, raised: RaisedAlert, run_id: int | None) -> None:
        entry = raised.entry
        silenced = raised.silenced_until is not None
        logger.warning(
            "source %s is now %s (was %s): %s%s",
            entry.source_id,
            entry.health,
            entry.previous_health,
            entry.reason or "recovered",
            f" (alert {raised.id} not sent: silenced until {raised.silenced_until:%Y-%m-%d %H:%M} UTC)"
            if raised.silenced_until is not None
            else "",
            extra={
                "event": "alert.raised",
                "source": entry.source_id,
                "run_id": run_id,
                "alert_id": raised.id,
                "health": entry.health,
                "previous_health": entry.previous_health,
                "reason": entry.reason,
                "silenced": silenced,
            },
        )

    def publish(self, raised: RaisedAlert) -> None:
        """Rewrite alerts.atom and queue the webhook POST for a new alert."""
        try:
            self.write_feed()
        except OSError as exc:
            logger.error("could not write %s: %s (check [feeds] dir)", self.feed_dir / "alerts.atom", exc)
        if self.webhook is not None:
            self.webhook.send(WebhookMessage(raised.id, self._payload(raised.entry)))

    def write_feed(self) -> Path:
        """Write alerts.atom from the newest stored alerts and return its path."""
        with self.database.reading() as session:
            alerts = recent_alerts(session, ALERTS_IN_FEED, include_silenced=False)
            entries = [feed_entry(alert, self.source_names) for alert in alerts]
        return write_alert_feed(self.feed_dir, render_alert_feed(entries, self.base_url, self.title_prefix))

    def record_delivery(self, alert_id: int, attempts: int, delivered_at: datetime | None) -> None:
        """Store the webhook outcome of an alert (the WebhookSender callback)."""
        with self.database.transaction() as session:
            record_delivery(session, alert_id, attempts, delivered_at)

    def _entry(self, alert_id: int, source_id: str, now: datetime, previous: str, verdict: HealthVerdict) -> AlertEntry:
        name = self.source_names.get(source_id, source_id)
        return AlertEntry(alert_id, source_id, name, now, previous, verdict.health, verdict.reason)

    def _payload(self, entry: AlertEntry) -> dict[str, object]:
        return {
            "alert_id": entry.id,
            "source": entry.source_id or None,
            "check": entry.check_id,
            "source_name": entry.source_name,
            "previous_health": entry.previous_health,
            "health": entry.health,
            "reason": entry.reason,
            "raised_at": entry.raised_at.isoformat(),
            "title": entry.title,
            "feed": self.base_url + "alerts.atom",
        }


def feed_entry(alert: Alert, source_names: Mapping[str, str]) -> AlertEntry:
    """Return a stored alert as the feed shows it: a source's, or a fixity check's (no source)."""
    if alert.source_id is None:
        name = f"fixity check {alert.check_id}"
        return AlertEntry(
            alert.id, "", name, alert.raised_at, alert.previous_health, alert.health, alert.reason, alert.check_id
        )
    return AlertEntry(
        alert.id,
        alert.source_id,
        source_names.get(alert.source_id, alert.source_id),
        alert.raised_at,
        alert.previous_health,
        alert.health,
        alert.reason,
    )
