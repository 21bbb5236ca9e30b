"""`kill -9` of a crawl at twenty seeded moments: the database stays consistent, no revision is partial,
and the next crawl completes the work, ending with the archive an uninterrupted crawl makes.

Kill moments are counted in requests the site has answered (seeded RNG), not in seconds.
Crawls are forked from one launcher process (crawl_forker.py) that imported warta once.
"""

from __future__ import annotations

import contextlib
import os
import random
import signal
import sqlite3
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import func, select

from tests.conftest import ROOT, write_config
from tests.processes import descendants
from tests.reliability.faultsite import FaultSite, article_html, page
from warta.storage.database import Database
from warta.storage.models import Document, Revision

ARTICLES = 36
LISTING_PAGES = 3


def slow_page(html: str, seconds: float = 0.02):
    """Return a handler that answers after `seconds`, so a crawl is long enough to be killed mid-work."""
    serve = page(html)

    def handler(request_handler):
        time.sleep(seconds)
        return serve(request_handler)

    return handler


def build_site() -> FaultSite:
    site = FaultSite("127.0.0.8")
    per_page = ARTICLES // LISTING_PAGES
    for number in range(LISTING_PAGES):
        links = "".join(
            f"<li><a href='/artikel/{n}'>Artikel {n}</a></li>"
            for n in range(number * per_page, (number + 1) * per_page)
        )
        following = f"<a rel='next' href='/berita/{number + 2}'>Berikutnya</a>" if number + 1 < LISTING_PAGES else ""
        site.route(f"/berita/{number + 1}", good=page(f"<html><body><ul>{links}</ul>{following}</body></html>"))
    for n in range(ARTICLES):
        site.route(f"/artikel/{n}", good=slow_page(article_html(f"artikel-{n}")))
    return site


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
timeout = "5s"

[[sources]]
id = "berita"
kind = "listing"
urls = ["{site.url}/berita/1"]
follow = ["/artikel/"]
max_pages = {LISTING_PAGES}
""",
    )


class Forker:
    """The crawl launcher process."""

    def __init__(self, config: Path) -> None:
        env = {**os.environ, "PYTHONPATH": str(ROOT)}
        command = [sys.executable, "-m", "tests.reliability.crawl_forker", str(config)]
        self.process = subprocess.Popen(
            command, stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True, env=env
        )

    def start(self) -> int:
        assert self.process.stdin and self.process.stdout
        self.process.stdin.write("crawl\n")
        self.process.stdin.flush()
        word, pid = self.process.stdout.readline().split()
        assert word == "started"
        return int(pid)

    def wait_end(self, pid: int) -> int:
        assert self.process.stdout
        word, ended_pid, status = self.process.stdout.readline().split()
        assert (word, int(ended_pid)) == ("ended", pid)
        return int(status)

    def close(self) -> None:
        assert self.process.stdin and self.process.stdout
        self.process.stdin.close()
        self.process.wait(timeout=60)
        self.process.stdout.close()


def document_count(database: Database) -> int:
    with database.reading() as session:
        return session.execute(select(func.count(Document.id))).scalar_one()


def kill_crawl(forker: Forker, site: FaultSite, database: Database, moment: tuple[str, int]) -> int:
    """Start a crawl, SIGKILL it at `moment` (n requests answered, or n more documents stored); return its status."""
    unit, count = moment
    site.hits.clear()
    stored_before = document_count(database)
    pid = forker.start()
    deadline = time.monotonic() + 60

    def reached() -> bool:
        if unit == "requests":
            return len(site.hits) >= count
        return document_count(database) >= stored_before + count

    while not reached() and time.monotonic() < deadline:
        time.sleep(0.002 if unit == "requests" else 0.01)
    workers = descendants(pid)
    os.kill(pid, signal.SIGKILL)
    status = forker.wait_end(pid)
    # the killed crawl's extraction workers die with it (test_extraction_workers.py); this only keeps a
    # regression there from leaving them behind in the suite
    for worker in workers:
        with contextlib.suppress(ProcessLookupError):
            os.kill(worker, signal.SIGKILL)
    return status


def consistency_problems(db_url: str) -> list[str]:
    """Return every way the archive is inconsistent: revision counts, partial revisions, orphans."""
    problems: list[str] = []
    database = Database(db_url)
    try:
        with database.reading() as session:
            counts = dict(
                session.execute(
                    select(Revision.document_id, func.count(Revision.id)).group_by(Revision.document_id)
                ).all()
            )
            highest = dict(
                session.execute(
                    select(Revision.document_id, func.max(Revision.number)).group_by(Revision.document_id)
                ).all()
            )
            for document in session.execute(select(Document)).scalars():
                if (
                    counts.get(document.id, 0) != document.current_revision
                    or highest.get(document.id) != document.current_revision
                ):
                    problems.append(
                        f"{document.canonical_url}: current_revision {document.current_revision}, "
                        f"{counts.get(document.id, 0)} revisions"
                    )
            orphans = session.execute(
                select(func.count(Revision.id)).where(Revision.document_id.not_in(select(Document.id)))
            ).scalar_one()
            if orphans:
                problems.append(f"{orphans} revisions without their document")
            partial = session.execute(
                select(func.count(Revision.id)).where(
                    (Revision.text.is_(None)) | (Revision.text == "") | (Revision.content_hash.is_(None))
                )
            ).scalar_one()
            if partial:
                problems.append(f"{partial} partial revisions")
    finally:
        database.dispose()
    if db_url.startswith("sqlite"):
        with sqlite3.connect(db_url.removeprefix("sqlite:///")) as connection:
            result = connection.execute("PRAGMA integrity_check").fetchall()
            if result != [("ok",)]:
                problems.append(f"integrity_check: {result}")
    return problems


def archive_content(db_url: str) -> dict[str, tuple[str, int, str]]:
    """Return each document's (content hash, revision count, text), by canonical URL with the port removed."""
    database = Database(db_url)
    try:
        with database.reading() as session:
            rows = session.execute(
                select(Document.canonical_url, Document.content_hash, Document.current_revision, Revision.text).join(
                    Revision, (Revision.document_id == Document.id) & (Revision.number == Document.current_revision)
                )
            ).all()
    finally:
        database.dispose()
    return {url.split("/", 3)[3]: (content_hash, revisions, text) for url, content_hash, revisions, text in rows}


@pytest.fixture(scope="module")
def site() -> Iterator[FaultSite]:
    server = build_site().start()
    yield server
    server.stop()


@pytest.fixture(scope="module")
def reference(site: FaultSite, tmp_path_factory: pytest.TempPathFactory) -> dict[str, tuple[str, int, str]]:
    """Return the archive one uninterrupted `warta crawl` makes of the site."""
    folder = tmp_path_factory.mktemp("reference")
    url = f"sqlite:///{folder / 'reference.db'}"
    done = subprocess.run(
        [sys.executable, "-m", "warta", "--config", str(config_for(folder, site, url)), "crawl"],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr
    return archive_content(url)


def kill_moments(rng: random.Random, while_fetching: int, while_storing: int) -> list[tuple[str, int]]:
    """Return seeded kill moments: after n requests answered, or after n more documents stored."""
    total_requests = 1 + LISTING_PAGES + ARTICLES  # robots.txt, listing pages, articles
    by_requests = [("requests", rng.randint(2, total_requests - 1)) for _ in range(while_fetching)]
    # a crawl needs a few seconds (extraction workers starting) before it stores anything: fewer of these
    by_documents = [("documents", rng.randint(1, 3)) for _ in range(while_storing)]
    return by_requests + by_documents


def test_crawl_killed_at_twenty_moments_keeps_the_archive_consistent(
    tmp_path: Path, db_url: str, site: FaultSite, reference: dict[str, tuple[str, int, str]]
) -> None:
    # Twenty kills on SQLite, whose file is what a crash can damage; three on PostgreSQL (every
    # write there is one transaction) to keep the suite fast. Storing moments cost a few seconds each.
    fetching, storing = (16, 4) if db_url.startswith("sqlite") else (2, 1)
    kills = fetching + storing
    forker = Forker(config_for(tmp_path, site, db_url))
    database = Database(db_url)
    try:
        database.ensure_schema()
        moments = kill_moments(random.Random(1126), fetching, storing)
        statuses = []
        for moment in moments:
            statuses.append(kill_crawl(forker, site, database, moment))
            problems = consistency_problems(db_url)
            assert not problems, f"after a kill at {moment}: {problems}"
        assert statuses == [-signal.SIGKILL] * kills  # each crawl was still running when killed
        partial = archive_content(db_url)
        site.hits.clear()
        pid = forker.start()
        assert forker.wait_end(pid) == 0
    finally:
        forker.close()
        database.dispose()
    assert not consistency_problems(db_url)
    final = archive_content(db_url)
    assert len(partial) < ARTICLES  # negative control: the kills did interrupt the work

    assert final == reference
    assert len(final) == ARTICLES and all(revisions == 1 for _, revisions, _ in final.values())
