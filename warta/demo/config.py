"""The warta config of the offline demo: the four bundled demo sources and the shipped topics.

It only writes config text; serving the demo site, crawling and building feeds
are done by `warta demo`. The topics are read from the shipped example config,
so that the demo shows the same topics an operator starts from.
"""

from __future__ import annotations

import tomllib
from pathlib import Path
from typing import Any

import tomli_w

from warta.config.starter import starter_config_text

DEMO_SITE = Path(__file__).resolve().parent / "site"
DEMO_DAYS = ("day1", "day2")
DEFAULT_FEEDS_URL = "http://127.0.0.1:8080/"
# the first line of every demo config, in every version (warta.demo.folder recognises a demo folder by it)
CONFIG_HEADER = "# warta demo config, written by `warta demo`"


def demo_sources(base_url: str, has_browser: bool = True) -> list[dict[str, Any]]:
    """Return the `[[sources]]` tables of the four demo sub-sites served at `base_url`.

    The fourth, agenda, is built by scripts and needs Chromium; without one it is disabled.
    """
    site = base_url.rstrip("/")
    return [
        {
            "id": "disbud",
            "name": "Dinas Kebudayaan DKI Jakarta (demo)",
            "kind": "listing",
            "urls": [f"{site}/disbud/berita/"],
            # article pages are one path segment below /berita/, so the pagination pages
            # (/berita/page/N/) do not match; no deny, which might stop the crawler paginating
            "follow": [r"/disbud/berita/[^/?#]+$"],
            "max_pages": 3,
            "schedule": "every 6h",
            "language": "id",
            "tags": ["government", "culture-office"],
        },
        {
            "id": "kabar",
            "name": "Kabar Jakarta (demo)",
            "kind": "feed",
            "urls": [f"{site}/kabar/rss.xml"],
            "schedule": "every 2h",
            "language": "id",
            "tags": ["news"],
        },
        {
            "id": "portal",
            "name": "Portal Jakarta (demo)",
            "kind": "sitemap",
            "urls": [f"{site}/portal/sitemap.xml"],
            # the sitemap also lists the portal's home page, which is not an article
            "follow": [r"/portal/artikel/", r"/portal/en/news/"],
            "schedule": "every 12h",
            "language": "id",
            "tags": ["government"],
        },
        {
            "id": "agenda",
            "name": "Agenda Budaya Jakarta (demo)",
            "kind": "listing",
            "urls": [f"{site}/agenda/"],
            "follow": [r"/agenda/acara/[^/?#]+$"],
            # the listing and the events are built by /agenda/app.js from JSON in the browser
            "render": "browser",
            "wait_for": "ul.agenda, article h1",
            "render_timeout": "20s",
            "max_pages": 1,
            "schedule": "every 6h",
            "language": "id",
            "tags": ["events"],
            "enabled": has_browser,
        },
    ]


def shipped_topics() -> list[dict[str, Any]]:
    """Return the `[[topics]]` tables of the shipped example config, without source restrictions."""
    text = starter_config_text()
    topics: list[dict[str, Any]] = tomllib.loads(text).get("topics", [])
    # the example's source ids do not exist in the demo; a topic narrowed to them would match nothing
    return [{key: value for key, value in topic.items() if key != "sources"} for topic in topics]


def demo_config_text(
    base_url: str, data_dir: Path, feeds_base_url: str = DEFAULT_FEEDS_URL, has_browser: bool = True
) -> str:
    """Return a valid warta.toml for the demo site at `base_url`, storing everything in `data_dir`.

    Without a browser (`has_browser` False) the agenda source, which needs one, is disabled.
    """
    data_dir = data_dir.resolve()
    document: dict[str, Any] = {
        "storage": {"url": f"sqlite:///{data_dir / 'warta.db'}"},
        "crawler": {
            # the demo site is local and answers at once: no need to wait between requests
            "download_delay": "0s",
            "timeout": "10s",
            # the demo's stories are dated November 2026; revisit them whatever today's date is
            "revisit_days": 36500,
            "timezone": "Asia/Jakarta",
        },
        "feeds": {
            "dir": str(data_dir / "feeds"),
            "base_url": feeds_base_url,
            "title_prefix": "warta demo",
        },
        "archive": {"organization": "warta demo"},
        "sources": demo_sources(base_url, has_browser),
        "topics": shipped_topics(),
    }
    header = (
        f"{CONFIG_HEADER}: four local demo sources and the shipped topics.\n"
        f"# Demo site: {base_url.rstrip('/')}/  Data: {data_dir}\n\n"
    )
    return header + tomli_w.dumps(document, multiline_strings=False)
