"""Fixtures for extraction tests: the hand-written pages in tests/crawler/data."""

from __future__ import annotations

from pathlib import Path

import pytest

DATA = Path(__file__).resolve().parent / "data"


@pytest.fixture
def page_bytes() -> PageReader:
    """Return a reader of the hand-written pages by file name."""
    return PageReader()


class PageReader:
    """Reads a page of tests/crawler/data as bytes or text."""

    def bytes(self, name: str) -> bytes:
        """Return the raw bytes of a data page."""
        return (DATA / name).read_bytes()

    def text(self, name: str) -> str:
        """Return a data page decoded as UTF-8."""
        return (DATA / name).read_text(encoding="utf-8")


# The crawl scenario over the fixture sites (tests/crawler/sites) lives in its own module.
from tests.crawler.fixture_sites import scenario  # noqa: E402, F401
