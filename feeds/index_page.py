"""index.html: a readable page of every topic and source, its subscribe links and its latest stories.

Each feed's section also links its events calendar (events/<id>.ics, feeds.calendar).

Rendered from the Jinja2 template feeds/templates/index.html with autoescaping, so
every value from the archive is HTML-escaped; only http(s) links are made clickable.
Self-contained (inline CSS, no scripts, fonts or images) so it works offline and
from a file:// URL. Stories are dated by their publication time in the configured
timezone, and marked when they were edited or are gone from their site.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from zoneinfo import ZoneInfo

import jinja2

from warta.feeds.alerts import ALERTS_FILE
from warta.feeds.calendar import calendar_path
from warta.feeds.catalog import FORMAT_LABELS, FORMATS, FeedSpec
from warta.feeds.content import is_safe_url
from warta.feeds.model import FeedEntry

LATEST_PER_FEED = 5
GROUPS = (("all", "All stories", "everything"), ("topic", "Topics", "topics"), ("source", "Sources", "sources"))
MEDIA_TYPES = {"atom": "application/atom+xml", "rss": "application/rss+xml", "json": "application/feed+json"}

_TEMPLATES = jinja2.Environment(
    loader=jinja2.PackageLoader("warta.feeds", "templates"),
    autoescape=True,
    undefined=jinja2.StrictUndefined,
    trim_blocks=True,
    lstrip_blocks=True,
)


@dataclass(frozen=True)
class IndexSection:
    """A feed as the index page shows it: its description and newest entries."""

    spec: FeedSpec
    entries: Sequence[FeedEntry]


def render_index_page(sections: Sequence[IndexSection], title: str, timezone: ZoneInfo) -> bytes:
    """Return the index page (UTF-8 HTML) of the given feeds, story times in `timezone`."""
    groups = [
        {
            "anchor": anchor,
            "label": label,
            "sections": [_section(section, timezone) for section in sections if section.spec.section == kind],
        }
        for kind, label, anchor in GROUPS
    ]
    page = _TEMPLATES.get_template("index.html").render(
        title=title, groups=groups, alerts_file=ALERTS_FILE, timezone=timezone.key, calendar=calendar_path("all")
    )
    return page.encode("utf-8")


def _section(section: IndexSection, timezone: ZoneInfo) -> dict[str, object]:
    """Return what the template shows of one feed."""
    spec = section.spec
    links = [{"href": spec.path(fmt), "media_type": MEDIA_TYPES[fmt], "label": FORMAT_LABELS[fmt]} for fmt in FORMATS]
    return {
        "anchor": spec.anchor,
        "title": spec.title,
        "description": spec.description,
        "links": links,
        "calendar": calendar_path(spec.key),
        "stories": [story(entry, timezone) for entry in section.entries[:LATEST_PER_FEED]],
    }


def story(entry: FeedEntry, timezone: ZoneInfo) -> dict[str, object]:
    """Return one story line: headline, safe link, source, publication time in `timezone`, and badges."""
    when = (entry.published or entry.updated).astimezone(timezone)
    badges = [name for name, is_set in (("edited", entry.is_edited), ("gone", entry.is_gone)) if is_set]
    return {
        "title": entry.title,
        "link": entry.link if entry.link and is_safe_url(entry.link) else None,
        "author": entry.author,
        "time_iso": when.isoformat(),
        "time_text": f"{when:%Y-%m-%d %H:%M %Z}",
        "badges": badges,
    }
