"""JSON Feed 1.1 (https://jsonfeed.org/version/1.1) documents.

Keys are written in a fixed order so rebuilds are byte-identical, and `<`, `>`
and `&` are escaped as \\u sequences so no HTML-looking text appears verbatim in
the file, whatever a client does with it.
"""

from __future__ import annotations

import json
from typing import Any

from warta.feeds.model import FeedDocument, FeedEntry

VERSION = "https://jsonfeed.org/version/1.1"


def feed_object(feed: FeedDocument) -> dict[str, Any]:
    """Return the JSON Feed object of the feed."""
    data: dict[str, Any] = {
        "version": VERSION,
        "title": feed.title,
        "home_page_url": feed.home_url,
        "feed_url": feed.self_url,
    }
    if feed.subtitle:
        data["description"] = feed.subtitle
    data["authors"] = [{"name": feed.author}]
    if feed.language:
        data["language"] = feed.language
    data["items"] = [_item(entry) for entry in feed.entries]
    return data


def _item(entry: FeedEntry) -> dict[str, Any]:
    item: dict[str, Any] = {"id": entry.id}
    if entry.link:
        item["url"] = entry.link
    item["title"] = entry.title
    item["content_html"] = entry.content_html
    if entry.summary:
        item["summary"] = entry.summary
    if entry.published:
        item["date_published"] = entry.published.isoformat()
    item["date_modified"] = entry.updated.isoformat()
    if entry.author:
        item["authors"] = [{"name": entry.author}]
    if entry.categories:
        item["tags"] = [category.label for category in entry.categories]
    if entry.language:
        item["language"] = entry.language
    return item


def render_json_feed(feed: FeedDocument) -> bytes:
    """Return the feed as a JSON Feed 1.1 document (UTF-8 bytes)."""
    text = json.dumps(feed_object(feed), ensure_ascii=False, indent=2)
    # Inside JSON strings these escapes are equivalent; outside strings the characters never occur.
    text = text.replace("&", "\\u0026").replace("<", "\\u003c").replace(">", "\\u003e")
    return text.encode("utf-8") + b"\n"
