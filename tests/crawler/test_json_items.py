"""Reading a JSON response through a [sources.json] mapping: items, dates, next pages, and what was not found."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from zoneinfo import ZoneInfo

import pytest

from warta.config import JsonMapping
from warta.crawler.json_items import NotJsonError, count_up, read_json_page

JAKARTA = ZoneInfo("Asia/Jakarta")
MAPPING = JsonMapping(items="data.items", url="links.self", title="title", published="date", next_page="data.next")
PAGE_URL = "https://disbud.example/api/berita?page=1"


def body(items: list[object], next_url: str | None = None) -> bytes:
    return json.dumps({"data": {"items": items, "next": next_url}}).encode()


def item(slug: str, date: object = "2026-11-23T14:05:00+07:00", title: object = "Judul") -> dict[str, object]:
    return {"links": {"self": f"/berita/{slug}"}, "title": title, "date": date}


def read(raw: bytes, mapping: JsonMapping = MAPPING, page: int = 1, max_pages: int = 5):
    return read_json_page(raw, PAGE_URL, mapping, page, max_pages, JAKARTA)


def test_items_are_mapped_with_urls_resolved_against_the_response() -> None:
    found = read(body([item("a"), item("b")], "/api/berita?page=2"))
    assert [entry.url for entry in found.items] == [
        "https://disbud.example/berita/a",
        "https://disbud.example/berita/b",
    ]
    assert found.items[0].title == "Judul"
    assert found.items[0].published == datetime(2026, 11, 23, 7, 5, tzinfo=UTC)
    assert found.next_url == "https://disbud.example/api/berita?page=2"
    assert found.problems == []


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (1795417500, datetime(2026, 11, 23, 7, 5, tzinfo=UTC)),  # seconds since the epoch
        (1795417500000, datetime(2026, 11, 23, 7, 5, tzinfo=UTC)),  # milliseconds
        ("Senin, 23 November 2026 | 14:05 WIB", datetime(2026, 11, 23, 7, 5, tzinfo=UTC)),
        ("2026-11-23 14:05", datetime(2026, 11, 23, 7, 5, tzinfo=UTC)),  # no zone: the source's timezone
    ],
)
def test_dates_in_the_forms_apis_send(value: object, expected: datetime) -> None:
    assert read(body([item("a", date=value)])).items[0].published == expected


def test_fields_the_mapping_does_not_find_are_problems_naming_the_expression() -> None:
    mailto = {"links": {"self": "mailto:redaksi@disbud.example"}, "title": "x", "date": "2026-11-23"}
    found = read(body([item("a", date=None), {"title": "no link"}, item("c", title={"id": 1}), mailto]))
    assert [entry.url.rsplit("/", 1)[1] for entry in found.items] == ["a", "c"]
    assert "json.url = 'links.self' found nothing usable in 2 of 4 items" in " | ".join(found.problems)
    assert "json.published = 'date' found nothing usable in 1 of 4 items" in " | ".join(found.problems)
    assert "json.title = 'title' found nothing usable in 1 of 4 items" in " | ".join(found.problems)


def test_a_list_the_mapping_does_not_find_is_reported_as_no_items() -> None:
    found = read(json.dumps({"data": {"stories": [item("a")]}}).encode())
    assert (found.found_items, found.items, found.next_url) == (False, [], None)


def test_a_body_that_is_not_json_is_refused() -> None:
    with pytest.raises(NotJsonError):
        read(b"<html>maintenance</html>")


def test_next_page_stops_at_max_pages() -> None:
    assert read(body([item("a")], "/api/berita?page=3"), page=5, max_pages=5).next_url is None


def test_counting_pages_up_sets_or_raises_the_query_parameter() -> None:
    counted = MAPPING.model_copy(update={"next_page": "?page"})
    assert read(body([item("a")]), counted).next_url == "https://disbud.example/api/berita?page=2"
    assert count_up("https://x.example/api?page=7&size=20", "page") == "https://x.example/api?page=8&size=20"
    assert count_up("https://x.example/api?size=20", "p") == "https://x.example/api?size=20&p=2"
    assert read(body([]), counted).next_url is None  # an empty page ends the counting
