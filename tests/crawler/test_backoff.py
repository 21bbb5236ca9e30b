"""Retry-After values: delta-seconds and HTTP dates."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from warta.crawler.backoff import retry_after_seconds

NOW = datetime(2026, 11, 23, 7, 0, tzinfo=UTC)


@pytest.mark.parametrize(
    ("header", "seconds"),
    [
        ("5", 5.0),
        ("Mon, 23 Nov 2026 07:00:30 GMT", 30.0),
        ("Mon, 23 Nov 2026 06:00:00 GMT", 0.0),
        ("soon", None),
        (None, None),
    ],
    ids=["delta", "http-date", "past-date", "garbage", "absent"],
)
def test_retry_after_is_read_as_seconds_to_wait(header: str | None, seconds: float | None) -> None:
    assert retry_after_seconds(header, now=NOW) == seconds
