"""alerts.atom: the newest health alerts as an Atom feed in the feed directory.

Operators subscribe to it in a feed reader. It is rewritten whole from the
alerts table after each new alert, atomically, so a reader never gets half a file.
"""

from __future__ import annotations

import html
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from warta.feeds.atom import render_atom
from warta.feeds.model import Category, FeedDocument, FeedEntry
from warta.feeds.writer import write_if_changed

ALERTS_FILE = "alerts.atom"


@dataclass(frozen=True)
class AlertEntry:
    """One alert as the feed shows it."""

    id: int
    source_id: str
    source_name: str
    raised_at: datetime
    previous_health: str
    health: str
    reason: str
    # set for a fixity check's alert (source_id is then ""): the [[fixity]] id whose result changed
    check_id: str | None = None

    @property
    def title(self) -> str:
        """Return the entry title, e.g. 'disbud-jakarta: ok -> failing'."""
        return f"{self.source_name}: {self.previous_health} -> {self.health}"


def render_alert_feed(entries: Sequence[AlertEntry], base_url: str, title_prefix: str) -> bytes:
    """Return the Atom document listing `entries` (newest first), written by the one Atom writer."""
    feed_url = base_url + ALERTS_FILE
    feed = FeedDocument(
        id=feed_url,
        title=f"{title_prefix}: source health alerts",
        subtitle=(
            "Changes of health of the crawled sources (failing, stale, degraded, and recoveries) "
            "and of the results of fixity checks."
        ),
        author=title_prefix,
        self_url=feed_url,
        home_url=base_url,
        entries=tuple(_feed_entry(alert, feed_url) for alert in entries),
    )
    return render_atom(feed)


def write_alert_feed(feed_dir: Path, document: bytes) -> Path:
    """Write alerts.atom into `feed_dir` atomically (unless unchanged) and return its path."""
    target = feed_dir / ALERTS_FILE
    write_if_changed(target, document)
    return target


def _feed_entry(alert: AlertEntry, feed_url: str) -> FeedEntry:
    return FeedEntry(
        id=f"{feed_url}#alert-{alert.id}",
        title=alert.title,
        updated=alert.raised_at,
        published=alert.raised_at,
        categories=(Category(term=alert.health, label=alert.health),),
        content_html=_content_html(alert),
    )


def _content_html(alert: AlertEntry) -> str:
    subject = f"Fixity check {alert.check_id}" if alert.check_id else f"Source {alert.source_id}"
    lines = [
        f"{subject} is now {alert.health} (was {alert.previous_health}).",
        f"Reason: {alert.reason}" if alert.reason else "",
        f"Raised at {alert.raised_at:%Y-%m-%d %H:%M:%S} UTC.",
    ]
    return "".join(f"<p>{html.escape(line)}</p>" for line in lines if line)
