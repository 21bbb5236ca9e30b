"""alerts.atom: the newest health alerts as an Atom feed in the feed directory.

Operators subscribe to it in a feed reader. It is rewritten whole from the
alerts table after each new alert, atomically, so a reader never gets half a file.
"""

from __future__ import annotations

import os
import tempfile
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from feedgen.feed import FeedGenerator

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

    @property
    def title(self) -> str:
        """Return the entry title, e.g. 'disbud-jakarta: ok -> failing'."""
        return f"{self.source_name}: {self.previous_health} -> {self.health}"


def render_alert_feed(entries: Sequence[AlertEntry], base_url: str, title_prefix: str, now: datetime) -> bytes:
    """Return the Atom document listing `entries` (newest first)."""
    feed = FeedGenerator()
    feed_url = base_url + ALERTS_FILE
    feed.id(feed_url)
    feed.title(f"{title_prefix}: source health alerts")
    feed.subtitle("Changes of health of the crawled sources: failing, stale, degraded, and recoveries.")
    feed.author({"name": title_prefix})
    feed.link(href=feed_url, rel="self", type="application/atom+xml")
    feed.link(href=base_url, rel="alternate")
    feed.updated(entries[0].raised_at if entries else now)
    for alert in entries:
        entry = feed.add_entry(order="append")
        entry.id(f"{feed_url}#alert-{alert.id}")
        entry.title(alert.title)
        entry.updated(alert.raised_at)
        entry.published(alert.raised_at)
        entry.category(term=alert.health)
        entry.content(_content(alert), type="text")
    return bytes(feed.atom_str(pretty=True))


def write_alert_feed(feed_dir: Path, document: bytes) -> Path:
    """Write alerts.atom into `feed_dir` atomically and return its path."""
    feed_dir.mkdir(parents=True, exist_ok=True)
    target = feed_dir / ALERTS_FILE
    handle, temporary = tempfile.mkstemp(prefix=".alerts-", suffix=".tmp", dir=feed_dir)
    try:
        with os.fdopen(handle, "wb") as stream:
            stream.write(document)
        os.chmod(temporary, 0o644)
        os.replace(temporary, target)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise
    return target


def _content(alert: AlertEntry) -> str:
    lines = [
        f"Source {alert.source_id} is now {alert.health} (was {alert.previous_health}).",
        f"Reason: {alert.reason}" if alert.reason else "",
        f"Raised at {alert.raised_at:%Y-%m-%d %H:%M:%S} UTC.",
    ]
    return "\n".join(line for line in lines if line)
