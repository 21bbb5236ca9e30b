"""Reading the items of an RSS 2.0, Atom or RSS 1.0 (RDF) feed: link, title and date of each entry.

Only what the crawler needs is read; the article itself is fetched from the
item's link. Dates are parsed with the feed's own forms first (RFC 822, ISO 8601)
and then with the general date parser, in the source's timezone when they carry none.
"""

from __future__ import annotations

import email.utils
import logging
from dataclasses import dataclass
from datetime import datetime
from urllib.parse import urljoin
from zoneinfo import ZoneInfo

from lxml import etree

from warta.crawler.dates import parse_date
from warta.crawler.safexml import local_name, parse_xml

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class FeedItem:
    """One entry of a feed."""

    link: str
    title: str | None
    published: datetime | None


def parse_feed(body: bytes, feed_url: str, timezone: ZoneInfo, max_bytes: int) -> list[FeedItem]:
    """Return the items of the feed in `body`, links made absolute against `feed_url`."""
    root = parse_xml(body, max_bytes)
    items: list[FeedItem] = []
    for element in root.iter():
        name = local_name(element)
        if name not in ("item", "entry"):
            continue
        link = _entry_link(element) if name == "entry" else _child_text(element, "link")
        if not link:
            link = _child_text(element, "guid") if _is_permalink_guid(element) else None
        if not link:
            continue
        published = _entry_date(element, timezone)
        items.append(FeedItem(urljoin(feed_url, link.strip()), _child_text(element, "title"), published))
    return items


def _children(element: etree._Element, name: str) -> list[etree._Element]:
    return [child for child in element if local_name(child) == name]


def _child_text(element: etree._Element, name: str) -> str | None:
    for child in _children(element, name):
        text = "".join(child.itertext()).strip()
        if text:
            return text
    return None


def _entry_link(entry: etree._Element) -> str | None:
    """Return the alternate link of an Atom entry (rel absent or 'alternate')."""
    for link in _children(entry, "link"):
        href = link.get("href")
        if link.get("rel", "alternate") == "alternate" and href:
            return str(href)
    return None


def _is_permalink_guid(item: etree._Element) -> bool:
    guids = _children(item, "guid")
    return bool(guids) and guids[0].get("isPermaLink", "true") != "false"


def _entry_date(element: etree._Element, timezone: ZoneInfo) -> datetime | None:
    for name in ("published", "pubDate", "date", "issued", "updated", "modified"):
        text = _child_text(element, name)
        if text:
            parsed = parse_feed_date(text, timezone)
            if parsed is not None:
                return parsed
    return None


def parse_feed_date(text: str, timezone: ZoneInfo) -> datetime | None:
    """Return the aware datetime of an RFC 822 or ISO 8601 feed date, else of any form parse_date knows."""
    try:
        parsed = email.utils.parsedate_to_datetime(text)
    except (TypeError, ValueError, IndexError):
        parsed = None
    if parsed is None:
        try:
            parsed = datetime.fromisoformat(text.strip().replace("Z", "+00:00"))
        except ValueError:
            return parse_date(text, timezone)
    return parsed if parsed.tzinfo is not None else parsed.replace(tzinfo=timezone)
