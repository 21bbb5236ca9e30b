"""An archive made by a real crawl of the demo site (day one, then day two), with one hostile story added.

The hostile story is a Kabar Jakarta article whose title holds markup, whose page
runs a script and carries `javascript:` links, and whose text has accented words
(Kafé, Sénirupa): the browser must show it escaped, never run it, and find it
with or without the accents.
"""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from starlette.testclient import TestClient

from tests.child_crawl import crawl_in_child
from tests.conftest import BACKENDS, postgres_schema_url
from warta.config import WartaConfig, load_config
from warta.demo.config import DEMO_SITE, demo_config_text
from warta.demo.siteserver import SiteServer
from warta.storage.database import Database
from warta.storage.memberships import bring_memberships_up_to_date
from warta.storage.topics import TopicMatcher
from warta.web.app import create_app

HOSTILE_PATH = "kabar/budaya/kafe-senirupa-malam-puisi"
HOSTILE_TITLE = "Malam Puisi di Kafé Sénirupa <script>alert('judul')</script> <b>Cikini</b>"
HOSTILE_PAGE = """<!DOCTYPE html>
<html lang="id">
<head>
<meta charset="utf-8">
<title>{title_html} | Kabar Jakarta</title>
<meta property="og:title" content="{title_html}">
<link rel="canonical" href="{{{{site_url}}}}/{path}">
<meta property="article:published_time" content="2026-11-19T19:00:00+07:00">
<script>document.documentElement.setAttribute('data-captured-script-ran', 'yes');
try {{ parent.document.body.setAttribute('data-captured-script-ran', 'yes'); }} catch (e) {{}}</script>
</head>
<body>
<main><article><h1>{title_html}</h1>
<div class="detail__meta"><time datetime="2026-11-19T19:00:00+07:00">19/11/2026, 19:00 WIB</time></div>
<div class="detail__body">
<p>Kafé Sénirupa di Cikini menggelar malam puisi setiap Kamis. Para penyair muda Jakarta membacakan karya
mereka tentang kota, banjir, kereta komuter, dan kampung-kampung Betawi yang berubah menjadi gedung tinggi.</p>
<p>Pengelola kafé mengatakan acara ini terbuka untuk umum dan tidak dipungut biaya. Pengunjung diminta
mendaftar di tempat sebelum pukul 19.00 WIB.
<a href="javascript:document.body.setAttribute('data-link-ran','yes')">Daftar di sini</a>
atau <a href="javascript:alert(1)">lihat jadwal</a>.</p>
<p>{day_line}</p>
</div></article></main>
<img src="x" onerror="document.documentElement.setAttribute('data-onerror-ran', 'yes')">
</body>
</html>
"""
DAY_LINES = {
    "day1": "Malam puisi berikutnya menampilkan penyair dari Depok dan Bekasi bersama pemusik keroncong.",
    "day2": "Malam puisi berikutnya menampilkan penyair dari Bogor dan Tangerang bersama pemusik keroncong.",
}
HOSTILE_ITEM = (
    "<item><title>{title_xml}</title><link>{{{{site_url}}}}/{path}</link>"
    '<guid isPermaLink="true">{{{{site_url}}}}/{path}</guid>'
    "<pubDate>Thu, 19 Nov 2026 19:00:00 +0700</pubDate>"
    "<description>Malam puisi di Kafé Sénirupa.</description></item>\n"
)


def _escape(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace('"', "&quot;")


def install_hostile_site(target: Path) -> None:
    """Copy the demo site into `target` and add the hostile story to Kabar Jakarta on both days."""
    shutil.copytree(DEMO_SITE, target)
    for day, line in DAY_LINES.items():
        page = HOSTILE_PAGE.format(title_html=_escape(HOSTILE_TITLE), path=HOSTILE_PATH, day_line=line)
        (target / day / f"{HOSTILE_PATH}.html").write_text(page, encoding="utf-8")
        rss = target / day / "kabar" / "rss.xml"
        item = HOSTILE_ITEM.format(title_xml=_escape(HOSTILE_TITLE), path=HOSTILE_PATH)
        rss.write_text(rss.read_text(encoding="utf-8").replace("</channel>", item + "</channel>"), encoding="utf-8")


@dataclass
class CrawledSite:
    """The crawled archive, its config and a client of the archive browser over it."""

    cfg: WartaConfig
    database: Database
    client: TestClient


@pytest.fixture(scope="package", params=BACKENDS)
def crawled_site(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Iterator[CrawledSite]:
    """Yield the demo site (with the hostile story) crawled on day one and day two, on each database."""
    folder = tmp_path_factory.mktemp("web")
    urls = postgres_schema_url() if request.param == "postgresql" else iter([f"sqlite:///{folder / 'warta.db'}"])
    url = next(urls)
    install_hostile_site(folder / "site")
    with SiteServer(folder / "site") as site:
        config_path = folder / "warta.toml"
        # the demo's browser-rendered source stays out: this archive is about the three plain ones
        text = demo_config_text(site.url, folder, has_browser=False)
        config_path.write_text(text.replace(f"sqlite:///{folder / 'warta.db'}", url))
        cfg = load_config(config_path, environ={})
        assert crawl_in_child(config_path, timeout_seconds=120).all_ran
        site.switch("day2")
        assert crawl_in_child(config_path, timeout_seconds=120).all_ran
    database = Database.from_config(cfg)
    # crawls record, the feed build matches topics: the daemon builds after every crawl
    bring_memberships_up_to_date(database, TopicMatcher.from_config(cfg))
    with TestClient(create_app(cfg, database), raise_server_exceptions=False) as client:
        yield CrawledSite(cfg, database, client)
    database.dispose()
    for _ in urls:  # drops the PostgreSQL schema
        pass
