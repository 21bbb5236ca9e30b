"""Fixtures of the demo tests: the bundled demo site served over real HTTP."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from warta.demo.config import DEMO_SITE
from warta.demo.siteserver import SiteServer


@pytest.fixture(scope="module")
def demo_site() -> Iterator[SiteServer]:
    """Yield the bundled demo site, served on 127.0.0.1; tests switch the day they need."""
    with SiteServer(DEMO_SITE) as server:
        yield server
