"""Two daemons on one PostgreSQL archive: only one dispatches; when it dies the other takes over within a minute."""

from __future__ import annotations

import itertools
import re
import signal
from collections import Counter
from pathlib import Path

from tests.conftest import free_port, write_config
from tests.daemon.conftest import DaemonProcess, start_daemon
from tests.scaleout.conftest import ScrapydProcess, runs_of, scaleout_config, wait_until
from warta.demo.siteserver import SiteServer
from warta.storage.database import Database

DISPATCHED = re.compile(r"crawl of (\S+) dispatched to \S+ as job \S+ \(run (\d+)\)")


def dispatches(daemon: DaemonProcess) -> list[tuple[str, int]]:
    return [(source, int(run)) for source, run in DISPATCHED.findall(daemon.log())]


def test_only_the_leader_dispatches_and_a_standby_takes_over_when_it_dies(
    shared_db_url: str,
    scrapyd_nodes: list[ScrapydProcess],
    demo_site: SiteServer,
    tmp_path: Path,
    daemons: list[DaemonProcess],
) -> None:
    started = []
    for name in ("a", "b"):
        folder = tmp_path / name
        folder.mkdir()
        port = free_port()
        body = scaleout_config(shared_db_url, demo_site.url, scrapyd_nodes, port, "every 6s", only=("kabar",))
        started.append(start_daemon(write_config(folder, body), port))
        daemons.append(started[-1])
    leader, standby = started
    assert "another daemon schedules the crawls of this archive; standing by" in standby.log()
    assert standby.get("/healthz")[0] == 200
    # The leader keeps dispatching while the standby watches: the standby dispatches nothing.
    wait_until(lambda: len(dispatches(leader)) >= 2, 60)
    assert dispatches(standby) == []
    before = len(runs_of_database(shared_db_url))
    leader.process.send_signal(signal.SIGKILL)
    leader.process.wait()
    wait_until(lambda: dispatches(standby), 60)
    standby.stop()
    runs = runs_of_database(shared_db_url)
    every_dispatch = dispatches(leader) + dispatches(standby)
    # No run was dispatched twice, and every run in the archive was dispatched by exactly one daemon.
    assert max(Counter(run_id for _, run_id in every_dispatch).values()) == 1
    assert sorted(run_id for _, run_id in every_dispatch) == [run.id for run in runs]
    assert len(runs) > before
    assert "this daemon now schedules the crawls" in standby.log()
    # Runs of the source never overlapped, across the change of scheduler.
    finished = [run for run in runs if run.finished_at is not None]
    for earlier, later in itertools.pairwise(finished):
        assert earlier.finished_at <= later.started_at


def runs_of_database(url: str) -> list:
    database = Database(url)
    try:
        return runs_of(database)
    finally:
        database.dispose()
