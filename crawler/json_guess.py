"""Guessing the mapping of a `kind = "json"` source from one JSON answer an application page read.

The guess finds the largest list of objects (the items) and, in its objects, the fields that
look like a URL, a title, a date and an HTML body, by name first and by value second. Every
mapping is a guess: `discover` prints it flagged as such, to be checked with `warta preview`.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

URL_NAMES = ("url", "link", "href", "permalink", "canonical_url", "web_url")
TITLE_NAMES = ("title", "judul", "headline", "name", "nama")
DATE_NAMES = ("published", "published_at", "date", "tanggal", "created_at", "pub_date", "datetime", "updated_at")
BODY_NAMES = ("body", "content", "html", "isi", "konten", "text", "description")
NEXT_NAMES = ("next", "next_page", "next_url", "nextPage")
DATE_VALUE = re.compile(r"^\d{4}-\d{2}-\d{2}")
MIN_ITEMS = 1


@dataclass(frozen=True)
class JsonGuess:
    """A guessed `[sources.json]` mapping for one JSON endpoint."""

    url: str
    items: str
    item_count: int
    fields: dict[str, str]  # url, title, published, and body / next_page when found

    @property
    def is_complete(self) -> bool:
        """Return True when every required field (url, title, published) was guessed."""
        return all(name in self.fields for name in ("url", "title", "published"))


def guess_json_mapping(url: str, data: Any) -> JsonGuess | None:
    """Return the guessed mapping of a JSON answer, or None when it holds no list of objects."""
    lists = sorted(_object_lists(data, ""), key=lambda found: len(found[1]), reverse=True)
    if not lists or len(lists[0][1]) < MIN_ITEMS:
        return None
    path, items = lists[0]
    sample = {key: value for item in items[:5] for key, value in item.items()}
    fields: dict[str, str] = {}
    for name, names, looks_right in (
        ("url", URL_NAMES, _is_url),
        ("title", TITLE_NAMES, _is_short_text),
        ("published", DATE_NAMES, _is_date),
        ("body", BODY_NAMES, _is_html),
    ):
        key = _pick(sample, names, looks_right, taken=set(fields.values()))
        if key is not None:
            fields[name] = key
    following = _next_page(data, "")
    if following is not None:
        fields["next_page"] = following
    return JsonGuess(url=url, items=path or "@", item_count=len(items), fields=fields)


def _object_lists(data: Any, path: str) -> list[tuple[str, list[dict[str, Any]]]]:
    """Return every list of objects in `data` with its JMESPath."""
    found: list[tuple[str, list[dict[str, Any]]]] = []
    if isinstance(data, list) and data and all(isinstance(item, dict) for item in data):
        found.append((path, data))
    elif isinstance(data, dict):
        for key, value in data.items():
            if isinstance(key, str) and re.fullmatch(r"[A-Za-z_][A-Za-z0-9_]*", key):
                found += _object_lists(value, f"{path}.{key}" if path else key)
    return found


def _pick(sample: dict[str, Any], names: tuple[str, ...], looks_right: Any, taken: set[str]) -> str | None:
    for name in names:
        for key, value in sample.items():
            if key.lower() == name.lower() and key not in taken and looks_right(value):
                return key
    for key, value in sample.items():
        if key not in taken and looks_right(value):
            return key
    return None


def _next_page(data: Any, path: str) -> str | None:
    if not isinstance(data, dict):
        return None
    for key, value in data.items():
        child = f"{path}.{key}" if path else key
        if key in NEXT_NAMES and (value is None or _is_url(value)):
            return child
        if isinstance(value, dict):
            nested = _next_page(value, child)
            if nested is not None:
                return nested
    return None


def _is_url(value: Any) -> bool:
    return isinstance(value, str) and (value.startswith(("http://", "https://")) or value.startswith("/"))


def _is_short_text(value: Any) -> bool:
    return isinstance(value, str) and 0 < len(value) <= 300 and "<" not in value and not _is_url(value)


def _is_date(value: Any) -> bool:
    return isinstance(value, str) and bool(DATE_VALUE.match(value))


def _is_html(value: Any) -> bool:
    return isinstance(value, str) and "<" in value and ">" in value
