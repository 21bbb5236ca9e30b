"""A Scrapyd node that dies during a crawl: the crawl is retried on the other node and nothing is recorded twice."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import func, select

from tests.conftest import free_port, write_config
from tests.daemon.conftest import DaemonProcess, start_daemon
from tests.scaleout.conftest import ScrapydProcess, archive_of, runs_of, scaleout_config, wait_until
from warta.demo.siteserver import SiteServer
from warta.storage.database import Database
from warta.storage.models import Capture


def captures_of(database: Database, run_id: int) -> int:
    with database.reading() as session:
        return int(session.scalar(select(func.count()).where(Capture.run_id == run_id)) or 0)


def node_running_a_job(nodes: list[ScrapydProcess]) -> ScrapydProcess | None:
    return next((node for node in nodes if node.node.jobs("warta").running), None)


def test_killed_node_run_is_retried_on_the_other_node_without_double_records(
    shared_db_url: str,
    scrapyd_nodes: list[ScrapydProcess],
    demo_site: SiteServer,
    local_archive: dict[str, list[str]],
    tmp_path: Path,
    daemons: list[DaemonProcess],
) -> None:
    port = free_port()
    # A polite delay makes the crawl last long enough to lose its node halfway.
    body = scaleout_config(
        shared_db_url, demo_site.url, scrapyd_nodes, port, "every 1h", only=("disbud",), download_delay="0.4s"
    )
    daemons.append(start_daemon(write_config(tmp_path, body), port))
    database = Database(shared_db_url)
    try:
        first = wait_until(lambda: [run for run in runs_of(database) if captures_of(database, run.id) >= 2], 60)[0]
        victim = node_running_a_job(scrapyd_nodes)
        assert victim is not None
        victim.kill()
        survivor = next(node for node in scrapyd_nodes if node is not victim)
        runs = wait_until(lambda: [run for run in runs_of(database) if run.status == "ok"] and runs_of(database), 60)
        archive = archive_of(database)
    finally:
        database.dispose()
    log = daemons[0].log()
    assert [(run.id, run.status) for run in runs] == [(first.id, "interrupted"), (first.id + 1, "ok")], log
    assert f"Scrapyd node {victim.label} stopped answering" in (runs[0].error or "")
    assert f"crawl of disbud dispatched to {survivor.label}" in log
    assert f"Scrapyd node {victim.label} left out of rotation" in log
    # The retried crawl found what the lost one recorded and stored nothing again: one revision per page,
    # exactly the pages a local crawl of the source archives.
    expected = {url: hashes for url, hashes in local_archive.items() if "/disbud/" in url}
    assert archive == expected
    assert runs[1].new + runs[0].new == len(expected)
