"""Reading one response of a JSON API through a source's `[sources.json]` mapping: its items and next page.

The mapping's JMESPath expressions are evaluated with parsel's `.jmespath()`, the
selector Scrapy already uses. This module only reads a body it is given; the JSON
spider fetches, follows the next page and records. A mapping that finds nothing is
reported as a problem naming its expression, never passed over in silence; problems start with
`json.` (storage.health.MAPPING_PROBLEM_PREFIX), so that health tells them from failed fetches.
"""

from __future__ import annotations

import json
import logging
from dataclasses import dataclass, field
from datetime import UTC, datetime
from html import escape
from typing import Any
from urllib.parse import parse_qsl, urlencode, urljoin, urlsplit, urlunsplit
from zoneinfo import ZoneInfo

from parsel import Selector

from warta.config import JsonMapping
from warta.crawler.errors import CrawlerError
from warta.crawler.feed_items import parse_feed_date
from warta.storage.health import MAPPING_PROBLEM_PREFIX

logger = logging.getLogger(__name__)

# a number larger than this is a time in milliseconds since the epoch (seconds would be past the year 5000)
_EPOCH_MILLISECONDS = 100_000_000_000


class NotJsonError(CrawlerError, ValueError):
    """Raised when a response of a JSON source does not parse as JSON."""


@dataclass(frozen=True)
class JsonItem:
    """One item of a JSON response, mapped: its article URL, title, date and (optionally) body HTML."""

    url: str
    title: str | None
    published: datetime | None
    body: str | None


@dataclass(frozen=True)
class JsonPage:
    """What one response holds: its items, the next page's URL, and what the mapping did not find."""

    items: list[JsonItem]
    next_url: str | None
    found_items: bool
    problems: list[str] = field(default_factory=list)


def read_json_page(
    body: bytes, page_url: str, mapping: JsonMapping, page: int, max_pages: int, timezone: ZoneInfo
) -> JsonPage:
    """Return the items of the JSON `body` fetched from `page_url` (page number `page`) and its next page.

    Raises NotJsonError when the body is not JSON.
    """
    try:
        data = json.loads(body)
    except (ValueError, UnicodeDecodeError) as exc:
        raise NotJsonError(f"not JSON ({exc})") from None
    root = Selector(root=data, type="json")
    found = root.jmespath(mapping.items)
    problems: list[str] = []
    items: list[JsonItem] = []
    missing: dict[str, int] = {}
    for entry in found:
        item = _read_item(entry, page_url, mapping, timezone, missing)
        if item is not None:
            items.append(item)
    for key, count in missing.items():
        expression = getattr(mapping, key)
        problems.append(
            f"{MAPPING_PROBLEM_PREFIX}{key} = {expression!r} found nothing usable in {count} of {len(found)} items: "
            f"check sources[].json.{key} against the response"
        )
    next_url = _next_page_url(root, page_url, mapping, page, max_pages) if found else None
    return JsonPage(items=items, next_url=next_url, found_items=bool(found), problems=problems)


def _read_item(
    entry: Selector, page_url: str, mapping: JsonMapping, timezone: ZoneInfo, missing: dict[str, int]
) -> JsonItem | None:
    """Return one mapped item, or None (counted in `missing`) when it has no http(s) URL."""
    url = _text(entry, mapping.url)
    absolute = urljoin(page_url, url) if url else ""
    if urlsplit(absolute).scheme not in ("http", "https") or not urlsplit(absolute).hostname:
        missing["url"] = missing.get("url", 0) + 1
        return None
    title = _text(entry, mapping.title)
    if not title:
        missing["title"] = missing.get("title", 0) + 1
    published = _date(entry.jmespath(mapping.published).get(), timezone)
    if published is None:
        missing["published"] = missing.get("published", 0) + 1
    body = None
    if mapping.body is not None:
        body = _text(entry, mapping.body)
        if not body:
            missing["body"] = missing.get("body", 0) + 1
    return JsonItem(url=absolute, title=title, published=published, body=body)


def _text(entry: Selector, expression: str) -> str | None:
    """Return the string (or number) an expression finds in an item, stripped; None for anything else."""
    value = entry.jmespath(expression).get()
    if isinstance(value, bool) or not isinstance(value, str | int | float):
        return None
    return str(value).strip() or None


def _date(value: Any, timezone: ZoneInfo) -> datetime | None:
    """Return the aware datetime of a JSON date: a date string, or seconds (or milliseconds) since the epoch."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int | float):
        seconds = value / 1000 if abs(value) > _EPOCH_MILLISECONDS else value
        try:
            return datetime.fromtimestamp(seconds, UTC)
        except (OverflowError, OSError, ValueError):
            return None
    if isinstance(value, str) and value.strip():
        return parse_feed_date(value.strip(), timezone)
    return None


def _next_page_url(root: Selector, page_url: str, mapping: JsonMapping, page: int, max_pages: int) -> str | None:
    """Return the next page's URL, when the mapping has one and `max_pages` allows it."""
    if mapping.next_page is None or page >= max_pages:
        return None
    if mapping.next_page.startswith("?"):
        return count_up(page_url, mapping.next_page[1:])
    value = root.jmespath(mapping.next_page).get()
    if not isinstance(value, str) or not value.strip():
        return None
    return urljoin(page_url, value.strip())


def count_up(url: str, parameter: str) -> str:
    """Return `url` with its query parameter `parameter` one higher (2 when it is absent or not a number)."""
    parts = urlsplit(url)
    pairs = parse_qsl(parts.query, keep_blank_values=True)
    current = next((value for key, value in pairs if key == parameter), "")
    following = int(current) + 1 if current.isdigit() else 2
    replaced = [(key, str(following) if key == parameter else value) for key, value in pairs]
    if not any(key == parameter for key, _value in pairs):
        replaced.append((parameter, str(following)))
    return urlunsplit(parts._replace(query=urlencode(replaced)))


def item_page(item: JsonItem, language: str | None) -> bytes:
    """Return an HTML page holding an item's body, to extract it like any crawled page."""
    lang = f' lang="{escape(language)}"' if language else ""
    title = escape(item.title or "")
    return (
        f'<!doctype html><html{lang}><head><meta charset="utf-8"><title>{title}</title></head>'
        f"<body><article>{item.body or ''}</article></body></html>"
    ).encode()
