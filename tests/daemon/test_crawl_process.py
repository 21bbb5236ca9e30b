"""Crawl children: time limit, process-group kill, log relay, and settling their run records."""

from __future__ import annotations

import logging
import os
import sys
import textwrap
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import select
from warta.storage.database import Database
from warta.storage.models import CrawlRun
from warta.storage.sources import ensure_source
from warta.storage.types import utcnow

from tests.conftest import wait_for
from warta.daemon.crawl_job import settle_crawl
from warta.daemon.executors.local import CrawlProcessRunner

RECORD_RUN = """
import sys, time
from warta.storage.database import Database
from warta.storage.runs import RunCounts, finish_run, start_run
db = Database(sys.argv[1])
with db.transaction() as session:
    run_id = start_run(session, "site")
"""


def python(code: str, *args: str) -> list[str]:
    return [sys.executable, "-c", textwrap.dedent(code), *args]


@pytest.fixture
def archive(db: Database) -> Database:
    with db.transaction() as session:
        ensure_source(session, "site", "Site", "listing")
    return db


def runs(database: Database) -> list[CrawlRun]:
    with database.reading() as session:
        return list(session.execute(select(CrawlRun).order_by(CrawlRun.id)).scalars())


def test_child_past_its_time_limit_is_killed_with_its_process_group(tmp_path: Path) -> None:
    pid_file = tmp_path / "grandchild.pid"
    code = f"""
        import subprocess, sys, time
        grandchild = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(60)"])
        open({str(pid_file)!r}, "w").write(str(grandchild.pid))
        time.sleep(60)
    """
    runner = CrawlProcessRunner(timeout_seconds=1.5, kill_grace_seconds=1)
    result = runner.run("site", python(code))
    assert result.timed_out
    assert result.returncode is not None and result.returncode < 0
    grandchild = int(pid_file.read_text())
    wait_for(lambda: not _alive(grandchild))


def test_child_ignoring_sigterm_is_killed() -> None:
    code = """
        import signal, time
        signal.signal(signal.SIGTERM, signal.SIG_IGN)
        print("ready", flush=True)
        time.sleep(60)
    """
    result = CrawlProcessRunner(timeout_seconds=1.5, kill_grace_seconds=0.5).run("site", python(code))
    assert result.timed_out and result.returncode == -9


def test_child_log_lines_are_relayed_and_the_last_error_kept(caplog: pytest.LogCaptureFixture) -> None:
    code = """
        import json, sys
        print(json.dumps({"level": "info", "message": "fetched 3 pages"}), file=sys.stderr)
        print(json.dumps({"level": "error", "message": "start URL answered 500"}), file=sys.stderr)
        print(json.dumps({"sources": [{"id": "site", "new": 2}]}))
    """
    with caplog.at_level(logging.INFO, logger="warta.crawl"):
        result = CrawlProcessRunner(timeout_seconds=30).run("site", python(code))
    assert (result.returncode, result.timed_out) == (0, False)
    assert result.last_error == "start URL answered 500"
    assert "[site] fetched 3 pages" in caplog.text


def test_stop_all_stops_running_children() -> None:
    runner = CrawlProcessRunner(timeout_seconds=60, kill_grace_seconds=1)
    results = []
    import threading

    thread = threading.Thread(target=lambda: results.append(runner.run("site", python("import time; time.sleep(60)"))))
    thread.start()
    wait_for(lambda: runner.running() == 1)
    runner.stop_all()
    thread.join(timeout=10)
    assert results[0].stopped and not results[0].timed_out


def test_timed_out_child_run_is_closed_as_timeout(archive: Database) -> None:
    started = utcnow()
    code = RECORD_RUN + "time.sleep(60)\n"
    result = CrawlProcessRunner(timeout_seconds=3, kill_grace_seconds=1).run("site", python(code, archive.url))
    settled = settle_crawl(archive, "site", started, result)
    assert settled.status == "timeout"
    assert "crawl_timeout" in settled.error
    [run] = runs(archive)
    assert (run.id, run.status, run.pid) == (settled.run_id, "timeout", result.pid)
    assert run.finished_at is not None


def test_child_that_crashed_leaves_a_failed_run(archive: Database) -> None:
    started = utcnow()
    code = RECORD_RUN + "import os; os._exit(3)\n"
    result = CrawlProcessRunner(timeout_seconds=30).run("site", python(code, archive.url))
    settled = settle_crawl(archive, "site", started, result)
    assert settled.status == "failed"
    assert "exited with status 3" in settled.error
    assert [run.status for run in runs(archive)] == ["failed"]


def test_child_that_finished_its_run_is_trusted(archive: Database) -> None:
    started = utcnow()
    code = RECORD_RUN + "with db.transaction() as session:\n    finish_run(session, run_id, 'ok', RunCounts(new=4))\n"
    result = CrawlProcessRunner(timeout_seconds=30).run("site", python(code, archive.url))
    settled = settle_crawl(archive, "site", started, result)
    assert (settled.status, settled.counts.new) == ("ok", 4)
    assert len(runs(archive)) == 1


def test_child_that_never_reached_the_crawl_is_recorded_as_failed(archive: Database) -> None:
    started = utcnow() - timedelta(seconds=1)
    code = "import sys; print('Error: No such command', file=sys.stderr); sys.exit(2)"
    result = CrawlProcessRunner(timeout_seconds=30).run("site", python(code))
    settled = settle_crawl(archive, "site", started, result)
    assert settled.status == "failed"
    assert "status 2: Error: No such command" in settled.error
    assert [run.status for run in runs(archive)] == ["failed"]


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    # A zombie still answers signal 0; it is dead for our purpose.
    try:
        with open(f"/proc/{pid}/stat") as stat:
            return stat.read().split(")")[-1].split()[0] != "Z"
    except FileNotFoundError:
        return False
