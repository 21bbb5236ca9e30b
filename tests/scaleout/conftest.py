"""Scale-out fixtures: real Scrapyd nodes (from PyPI) on loopback, the demo site, a shared PostgreSQL schema."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
import tomli_w
from sqlalchemy import select

from tests.child_crawl import crawl_in_child
from tests.conftest import POSTGRES_URL, free_port, postgres_schema_url, wait_for
from tests.daemon.conftest import daemons  # noqa: F401 (daemons: the shared fixture)
from warta.daemon.executors.scrapyd.api import ScrapydError, ScrapydNode
from warta.daemon.executors.scrapyd.deploy import deploy
from warta.demo.config import DEMO_SITE, demo_sources, shipped_topics
from warta.demo.siteserver import SiteServer
from warta.storage.database import Database
from warta.storage.models import CrawlRun, Document, Revision

SCRAPYD = Path(sys.executable).parent / "scrapyd"


@pytest.fixture
def shared_db_url() -> Iterator[str]:
    """Yield the URL of a fresh PostgreSQL schema: the archive every node and daemon shares."""
    if not POSTGRES_URL:
        if os.environ.get("CI") == "true":
            pytest.fail("CI must set WARTA_TEST_POSTGRES_URL: the scale-out tests need a shared PostgreSQL")
        pytest.skip(
            "scale-out needs a shared PostgreSQL; set WARTA_TEST_POSTGRES_URL="
            "postgresql+psycopg://postgres@127.0.0.1:5432/test to run these tests"
        )
    yield from postgres_schema_url()


@dataclass
class ScrapydProcess:
    """A real Scrapyd node started by the test, with its own folder and port."""

    url: str
    process: subprocess.Popen[bytes]
    folder: Path

    @property
    def label(self) -> str:
        """Return the node's URL as warta shows it (password masked)."""
        return self.node.label

    @property
    def node(self) -> ScrapydNode:
        return ScrapydNode(self.url)

    def answers(self) -> bool:
        try:
            self.node.load()
        except ScrapydError:
            return False
        return True

    def kill(self) -> None:
        """Kill the node and the crawls it runs, as a machine failure would."""
        if self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait()

    def log(self) -> str:
        parts = [(self.folder / "scrapyd.log").read_text(encoding="utf-8", errors="replace")]
        parts += [path.read_text(encoding="utf-8", errors="replace") for path in sorted(self.folder.rglob("*.log"))]
        return "\n".join(parts)


NODE_PASSWORD = "node-s3cret"


def start_scrapyd(folder: Path, with_auth: bool = False) -> ScrapydProcess:
    """Start a Scrapyd node in `folder` on a free port (behind basic auth if asked) and wait until it answers."""
    folder.mkdir(parents=True)
    port = free_port()
    settings: dict[str, object] = {
        "bind_address": "127.0.0.1",
        "http_port": port,
        "eggs_dir": str(folder / "eggs"),
        "logs_dir": str(folder / "logs"),
        "dbs_dir": str(folder / "dbs"),
        # Scrapyd starts queued jobs on this poll; the default 5s would dominate the tests' run time.
        "poll_interval": 0.2,
        "max_proc": 2,
    }
    if with_auth:
        settings |= {"username": "warta", "password": NODE_PASSWORD}
    (folder / "scrapyd.conf").write_text(
        "[scrapyd]\n" + "".join(f"{key} = {value}\n" for key, value in settings.items()), encoding="utf-8"
    )
    env = {key: value for key, value in os.environ.items() if not key.startswith(("WARTA_", "SCRAPY"))}
    with (folder / "scrapyd.log").open("ab") as log:
        process = subprocess.Popen(
            [str(SCRAPYD)], cwd=folder, stdout=log, stderr=log, stdin=subprocess.DEVNULL, env=env,
            start_new_session=True,
        )  # fmt: skip
    credentials = f"warta:{NODE_PASSWORD}@" if with_auth else ""
    node = ScrapydProcess(f"http://{credentials}127.0.0.1:{port}", process, folder)
    wait_for(lambda: node.answers() or process.poll() is not None, timeout=30, interval=0.1)
    if process.poll() is not None:
        pytest.fail(f"scrapyd exited with {process.returncode}:\n{node.log()}")
    return node


@pytest.fixture(scope="module")
def scrapyd_nodes(tmp_path_factory: pytest.TempPathFactory) -> Iterator[list[ScrapydProcess]]:
    """Yield two running Scrapyd nodes with warta's project deployed to both; the second needs basic auth.

    The nodes serve every test of a module (each test has its own archive); a test that kills one
    is alone in its module.
    """
    folder = tmp_path_factory.mktemp("scrapyd")
    nodes = [start_scrapyd(folder / "node1"), start_scrapyd(folder / "node2", with_auth=True)]
    try:
        outcomes = deploy([node.node for node in nodes], "warta")
        assert [outcome.error for outcome in outcomes] == ["", ""], outcomes
        yield nodes
    finally:
        for node in nodes:
            node.kill()


@pytest.fixture(scope="module")
def demo_site() -> Iterator[SiteServer]:
    """Yield the demo site (day 1) on 127.0.0.1 (it only serves: tests share it)."""
    with SiteServer(DEMO_SITE) as server:
        yield server


def scaleout_config(
    db_url: str,
    site_url: str,
    nodes: list[ScrapydProcess] | None,
    port: int,
    schedule: str,
    only: tuple[str, ...] = (),
    **crawler: str,
) -> str:
    """Return a warta.toml with the demo sources (or `only` these); the scrapyd executor when `nodes` are given."""
    # the browser-rendered demo source is left out: these tests are about executors, not rendering
    demo = [source for source in demo_sources(site_url, has_browser=False) if source.get("enabled", True)]
    sources = [source for source in demo if not only or source["id"] in only]
    for source in sources:
        source["schedule"] = schedule
    daemon: dict[str, object] = {"listen": f"127.0.0.1:{port}", "crawl_timeout": "90s", "shutdown_grace": "5s"}
    if nodes is not None:
        daemon |= {"executor": "scrapyd", "scrapyd_nodes": [node.url for node in nodes], "scrapyd_retry_after": "5m"}
    document = {
        "storage": {"url": db_url},
        "crawler": {"download_delay": "0s", "timeout": "10s", "revisit_days": 36500, **crawler},
        "feeds": {"dir": "public", "base_url": f"http://127.0.0.1:{port}/"},
        "daemon": daemon,
        "sources": sources,
        "topics": shipped_topics(),
    }
    return tomli_w.dumps(document)


def archive_of(database: Database) -> dict[str, list[str]]:
    """Return the archive as canonical URL -> content hashes of its revisions, in order."""
    with database.reading() as session:
        rows = session.execute(
            select(Document.canonical_url, Revision.content_hash)
            .join(Revision, Revision.document_id == Document.id)
            .order_by(Document.canonical_url, Revision.number)
        ).all()
    archive: dict[str, list[str]] = {}
    for url, content_hash in rows:
        archive.setdefault(url, []).append(content_hash)
    return archive


def runs_of(database: Database) -> list[CrawlRun]:
    """Return every crawl run, oldest first."""
    with database.reading() as session:
        return list(session.execute(select(CrawlRun).order_by(CrawlRun.id)).scalars())


@pytest.fixture(scope="module")
def local_archive(demo_site: SiteServer, tmp_path_factory: pytest.TempPathFactory) -> dict[str, list[str]]:
    """Return the archive a local crawl of the demo sources produces (the reference)."""
    folder = tmp_path_factory.mktemp("local")
    db_url = f"sqlite:///{folder / 'warta.db'}"
    config = folder / "warta.toml"
    config.write_text(scaleout_config(db_url, demo_site.url, None, free_port(), "every 1h"), encoding="utf-8")
    report = crawl_in_child(config, timeout_seconds=120)
    assert [source.status for source in report.sources] == ["ok", "ok", "ok"]
    database = Database(db_url)
    try:
        return archive_of(database)
    finally:
        database.dispose()


def wait_until(condition: Callable[[], object], timeout: float) -> object:
    """Poll `condition` every 0.2s until it is truthy; fail the test after `timeout` seconds."""
    return wait_for(condition, timeout=timeout, interval=0.2)
