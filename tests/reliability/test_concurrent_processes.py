"""Two `warta crawl` processes and `warta feeds build` on one database at once: no duplicate document,
no lost revision, no "database is locked", and every process succeeds.
"""

from __future__ import annotations

import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import feedparser
import pytest
from sqlalchemy import func, select

from tests.conftest import write_config
from tests.reliability.faultsite import FaultSite, article_html, page
from tests.reliability.test_crawl_crashes import consistency_problems, slow_page
from warta.storage.database import Database
from warta.storage.models import Document, Revision

ARTICLES = 10


@pytest.fixture
def site() -> Iterator[FaultSite]:
    server = FaultSite("127.0.0.9")
    links = "".join(f"<li><a href='/artikel/{n}'>Artikel {n}</a></li>" for n in range(ARTICLES))
    server.route("/berita", good=page(f"<html><body><ul>{links}</ul></body></html>"))
    for n in range(ARTICLES):
        server.route(f"/artikel/{n}", good=slow_page(article_html(f"artikel-{n}"), seconds=0.03))
    server.start()
    yield server
    server.stop()


def config_for(folder: Path, site: FaultSite, db_url: str) -> Path:
    return write_config(
        folder,
        f"""
[storage]
url = "{db_url}"

[crawler]
download_delay = "0s"
concurrency = 4
per_host_concurrency = 4

[feeds]
dir = "{folder / "public"}"

[[sources]]
id = "berita"
kind = "listing"
urls = ["{site.url}/berita"]
follow = ["/artikel/"]

[[topics]]
id = "seni"
title = "Seni"
any = ["pertunjukan"]
""",
    )


def test_two_crawls_and_a_feed_build_at_once_lose_and_duplicate_nothing(
    tmp_path: Path, db_url: str, site: FaultSite
) -> None:
    config = config_for(tmp_path, site, db_url)
    schema = Database(db_url)
    schema.ensure_schema()  # as `warta db upgrade` would, before anything runs
    schema.dispose()
    warta = [sys.executable, "-m", "warta", "--config", str(config)]
    crawls = [
        subprocess.Popen([*warta, "crawl"], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True) for _ in range(2)
    ]
    builds = []
    while any(crawl.poll() is None for crawl in crawls):
        builds.append(subprocess.run([*warta, "feeds", "build"], capture_output=True, text=True, timeout=120))
        time.sleep(0.1)
    outputs = [crawl.communicate(timeout=120) for crawl in crawls]
    builds.append(subprocess.run([*warta, "feeds", "build"], capture_output=True, text=True, timeout=120))

    said = "".join(out + err for out, err in outputs) + "".join(b.stdout + b.stderr for b in builds)
    assert "database is locked" not in said and "deadlock" not in said.lower()
    assert [crawl.returncode for crawl in crawls] == [0, 0], said
    assert all(build.returncode == 0 for build in builds), said
    assert len(builds) >= 2  # negative control: a build did run while the crawls were running

    database = Database(db_url)
    try:
        with database.reading() as session:
            urls = session.execute(select(Document.canonical_url)).scalars().all()
            revisions = session.execute(select(func.count(Revision.id))).scalar_one()
    finally:
        database.dispose()
    assert len(urls) == len(set(urls)) == ARTICLES  # every article once
    assert revisions == ARTICLES  # one revision each: the second crawl saw them unchanged
    assert not consistency_problems(db_url)
    feed = feedparser.parse((tmp_path / "public" / "all.atom").read_bytes())
    links = [entry.link for entry in feed.entries]
    assert not feed.bozo and links and len(links) == len(set(links))  # (near-identical articles share a cluster)
