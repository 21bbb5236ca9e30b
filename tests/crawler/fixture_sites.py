"""Fixture sites on 127.0.0.1 and one crawl scenario (day 1, day 1 again, day 2) shared by the crawl tests."""

from __future__ import annotations

import gzip
import shutil
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import func, select

from tests.child_crawl import crawl_in_child
from tests.conftest import BACKENDS, postgres_schema_url, write_config
from warta.crawler.report import CrawlReport, ProgressEvent
from warta.demo.siteserver import LoggedRequest, SiteServer
from warta.storage.database import Database
from warta.storage.models import Capture, CrawlRun, Document, Revision

SITES = Path(__file__).parent / "sites"
SITE_NAMES = ("listing", "feed", "sitemap", "page", "mirror", "elsewhere")


def install_site(name: str, target: Path, server_url: str, other_url: str) -> None:
    """Copy a fixture site into `target`, filling in its own and the other host's URLs.

    {{LATER}} becomes a time after any fetch the test makes (a sitemap <lastmod> "newer than our last fetch").
    """
    shutil.copytree(SITES / name, target)
    later = (datetime.now(UTC) + timedelta(days=1)).isoformat(timespec="seconds")
    for path in target.rglob("*"):
        if path.suffix in (".html", ".xml", ".txt", ".tmpl"):
            text = path.read_text(encoding="utf-8").replace("{{SELF}}", server_url).replace("{{OTHER}}", other_url)
            text = text.replace("{{LATER}}", later)
            if path.suffix == ".tmpl":
                path.with_suffix("").write_bytes(gzip.compress(text.encode("utf-8"), mtime=0))
                path.unlink()
            else:
                path.write_text(text, encoding="utf-8")


@dataclass
class Sites:
    """The running fixture servers, by site name."""

    servers: dict[str, SiteServer]

    def url(self, name: str) -> str:
        return self.servers[name].url

    def log(self, name: str) -> list[LoggedRequest]:
        return self.servers[name].requests

    def clear_logs(self) -> None:
        for server in self.servers.values():
            server.clear_log()


def start_sites(root: Path) -> Sites:
    """Start one SiteServer per fixture site, each on its own port."""
    servers = {name: SiteServer(root / name) for name in SITE_NAMES}
    other = servers["elsewhere"].url
    for name, server in servers.items():
        install_site(name, root / name, server.url, other)
        server.start()
    return Sites(servers)


TEST_USER_AGENT = "warta-test/1 (+https://github.com/warta-project/warta)"


def fast_crawl_tables(db_url: str, user_agent: str = TEST_USER_AGENT) -> str:
    """Return the [storage] and [crawler] tables of a fast test crawl into `db_url` (no delays).

    A test adds its own [crawler] keys right after them, then its [[sources]].
    """
    return f"""
[storage]
url = "{db_url}"

[crawler]
download_delay = "0s"
concurrency = 8
per_host_concurrency = 4
timeout = "10s"
user_agent = "{user_agent}"
"""


def crawl_config(sites: Sites, db_url: str) -> str:
    """Return a warta.toml crawling the fixture sites fast (no delay, no AutoThrottle)."""
    return f"""{fast_crawl_tables(db_url)}

[[sources]]
id = "warta-budaya"
kind = "listing"
urls = ["{sites.url("listing")}/berita/"]
follow = ["/berita/"]
deny = ["/berita/page/"]
max_pages = 3

[[sources]]
id = "culture-post"
kind = "feed"
urls = ["{sites.url("feed")}/feed.xml"]

[[sources]]
id = "agenda-dki"
kind = "sitemap"
urls = ["{sites.url("sitemap")}/sitemap_index.xml"]
follow = ["/agenda/"]
deny = ["/agenda/arsip/"]

[[sources]]
id = "gedung-kesenian"
kind = "page"
urls = ["{sites.url("page")}/pengumuman"]

[[sources]]
id = "kabar-kota"
kind = "listing"
urls = ["{sites.url("mirror")}/rubrik/budaya/"]
follow = ["/rubrik/budaya/."]
"""


@dataclass
class Step:
    """What one crawl of the scenario reported, what the servers saw, and the archive afterwards."""

    report: CrawlReport
    requests: dict[str, list[LoggedRequest]]
    documents: list[dict[str, object]] = field(default_factory=list)
    captures: int = 0
    runs: list[tuple[str, str, int, int]] = field(default_factory=list)
    events: list[ProgressEvent] = field(default_factory=list)


@dataclass
class Scenario:
    """Three crawls of the fixture sites: day 1, day 1 unchanged, day 2."""

    sites: Sites
    db_url: str
    config_path: Path
    steps: dict[str, Step]


def snapshot(db_url: str) -> list[dict[str, object]]:
    """Return every document with its current revision, as plain values."""
    database = Database(db_url)
    try:
        with database.reading() as session:
            rows = session.execute(
                select(Document, Revision)
                .join(Revision, (Revision.document_id == Document.id) & (Revision.number == Document.current_revision))
                .order_by(Document.id)
            ).all()
            return [
                {
                    "id": document.id,
                    "source": document.source_id,
                    "canonical_url": document.canonical_url,
                    "status": document.status,
                    "revision": document.current_revision,
                    "cluster": document.cluster_id,
                    "title": revision.title,
                    "published": revision.published,
                    "language": revision.language,
                    "text": revision.text,
                    "capture_id": revision.capture_id,
                }
                for document, revision in rows
            ]
    finally:
        database.dispose()


def crawl_step(scenario_sites: Sites, config_path: Path, db_url: str) -> Step:
    """Run one crawl in a subprocess and collect its report, the request logs and the archive."""
    scenario_sites.clear_logs()
    events: list[ProgressEvent] = []
    report = crawl_in_child(config_path, None, timeout_seconds=120, progress=events.append)
    requests = {name: scenario_sites.log(name) for name in SITE_NAMES}
    run_ids = [source.run_id for source in report.sources]
    database = Database(db_url)
    try:
        with database.reading() as session:
            captures = session.execute(select(func.count(Capture.id)).where(Capture.run_id.in_(run_ids))).scalar_one()
            runs = [
                (run.source_id, run.status, run.requests, run.new)
                for run in session.execute(select(CrawlRun).where(CrawlRun.id.in_(run_ids))).scalars()
            ]
    finally:
        database.dispose()
    return Step(report, requests, snapshot(db_url), captures, runs, events)


@pytest.fixture(scope="module", params=BACKENDS)
def scenario(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Scenario]:
    """Yield the three-crawl scenario, run once per database backend."""
    root = tmp_path_factory.mktemp("sites")
    sites = start_sites(root)
    urls = (
        postgres_schema_url()
        if request.param == "postgresql"
        else iter([f"sqlite:///{tmp_path_factory.mktemp('db') / 'warta.db'}"])
    )
    db_url = next(urls)
    try:
        config_path = write_config(tmp_path_factory.mktemp("config"), crawl_config(sites, db_url))
        steps = {"day1": crawl_step(sites, config_path, db_url)}
        steps["again"] = crawl_step(sites, config_path, db_url)
        sites.servers["listing"].switch("day2")
        sites.servers["sitemap"].switch("day2")
        steps["day2"] = crawl_step(sites, config_path, db_url)
        yield Scenario(sites, db_url, config_path, steps)
    finally:
        for server in sites.servers.values():
            server.stop()
        for _ in urls:  # drops the PostgreSQL schema
            pass
