"""Crawls on real Scrapyd nodes over a shared PostgreSQL: spread over the nodes, same archive as a local crawl."""

from __future__ import annotations

from collections import Counter
from pathlib import Path

from click.testing import CliRunner

from tests.conftest import free_port, write_config
from tests.daemon.conftest import DaemonProcess, start_daemon
from tests.scaleout.conftest import NODE_PASSWORD, ScrapydProcess, archive_of, runs_of, scaleout_config, wait_until
from warta.cli.root import cli
from warta.config import load_config
from warta.daemon.executors.scrapyd.executor import ScrapydExecutor
from warta.daemon.executors.scrapyd.nodes import NodePool
from warta.demo.siteserver import SiteServer
from warta.storage.database import Database

SOURCES = ("disbud", "kabar", "portal")


def test_warta_deploy_uploads_the_project_with_its_entry_spider_and_masks_credentials(
    scrapyd_nodes: list[ScrapydProcess],
) -> None:
    node = scrapyd_nodes[1]
    result = CliRunner().invoke(cli, ["deploy", "--target", node.url, "--version", "9999999999"])
    assert result.exit_code == 0, result.output
    assert f"{node.label}: warta version 9999999999 (1 spiders)" in result.output
    assert ":***@" in node.label
    assert NODE_PASSWORD not in result.output


def test_deploy_with_a_wrong_password_says_to_fix_the_credentials(scrapyd_nodes: list[ScrapydProcess]) -> None:
    wrong = scrapyd_nodes[1].url.replace(NODE_PASSWORD, "not-it")
    result = CliRunner().invoke(cli, ["deploy", "--target", wrong])
    assert result.exit_code == 1
    assert "wrong or missing credentials" in result.output
    assert "not-it" not in result.output


def test_deploy_to_a_node_that_does_not_answer_fails_naming_it(tmp_path: Path, refused_port: int) -> None:
    url = f"http://127.0.0.1:{refused_port}"
    result = CliRunner().invoke(cli, ["deploy", "--target", url])
    assert result.exit_code == 1
    assert f"{url}: FAILED: {url} does not answer" in result.output


def test_two_nodes_and_one_daemon_archive_what_a_local_crawl_archives(
    shared_db_url: str,
    scrapyd_nodes: list[ScrapydProcess],
    demo_site: SiteServer,
    local_archive: dict[str, list[str]],
    tmp_path: Path,
    daemons: list[DaemonProcess],
) -> None:
    port = free_port()
    config = write_config(tmp_path, scaleout_config(shared_db_url, demo_site.url, scrapyd_nodes, port, "every 8s"))
    daemons.append(start_daemon(config, port))
    database = Database(shared_db_url)
    try:
        wait_until(lambda: {run.source_id for run in runs_of(database) if run.status == "ok"} == set(SOURCES), 90)
        assert daemons[0].stop() == 0
        runs = runs_of(database)
        archive = archive_of(database)
    finally:
        database.dispose()
    log = daemons[0].log()
    dispatched = [line for line in log.splitlines() if " dispatched to " in line]
    by_node = Counter(node.label for node in scrapyd_nodes for line in dispatched if f"to {node.label} as job" in line)
    assert set(by_node) == {node.label for node in scrapyd_nodes}, log
    # Every run was dispatched once, and every dispatch has its run.
    assert len(dispatched) == len(runs)
    assert NODE_PASSWORD not in log
    assert {run.status for run in runs} <= {"ok", "interrupted"}, [(run.source_id, run.error) for run in runs]
    assert archive == local_archive
    assert len(archive) > 10
    # The runs were recorded by crawl processes on the nodes, not by the daemon.
    assert all(run.pid is not None and run.pid != daemons[0].process.pid for run in runs if run.status == "ok")


def test_a_crawl_past_crawl_timeout_is_cancelled_on_its_node_and_ends_as_timeout(
    shared_db_url: str, scrapyd_nodes: list[ScrapydProcess], demo_site: SiteServer, tmp_path: Path
) -> None:
    # A slow, polite crawl that cannot finish within the 4 s limit.
    body = scaleout_config(
        shared_db_url, demo_site.url, scrapyd_nodes, free_port(), "every 1h", only=("disbud",), download_delay="2s"
    )
    cfg = load_config(write_config(tmp_path, body), environ={})
    database = Database(shared_db_url)
    database.ensure_schema()
    nodes = [node.node for node in scrapyd_nodes]
    executor = ScrapydExecutor(
        lambda: cfg, database, NodePool(nodes, 60.0), "warta", 4.0, shared_db_url, poll_seconds=0.3
    )
    try:
        settled = executor.run(cfg.source("disbud"))
        [run] = runs_of(database)
    finally:
        database.dispose()
    assert (settled.status, run.status) == ("timeout", "timeout")
    assert "[daemon] crawl_timeout" in (run.error or "")
    # The job was stopped on its node, not left running there.
    assert all(not node.jobs("warta").running and not node.jobs("warta").pending for node in nodes)
