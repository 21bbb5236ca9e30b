"""The local executor's crawl children: time limit, process-group kill, log relay, output, and settling their runs."""

from __future__ import annotations

import logging
import sys
import textwrap
import threading
from pathlib import Path

import pytest
from sqlalchemy import select

from tests.conftest import wait_for
from tests.processes import alive
from warta.config import SourceConfig, WartaConfig
from warta.crawler.errors import UnknownSourceError
from warta.crawler.report import ProgressEvent
from warta.daemon.executors.child_process import ChildProcesses
from warta.daemon.executors.local import LocalExecutor, shown_log_level
from warta.storage.database import Database
from warta.storage.models import CrawlRun
from warta.storage.sources import ensure_source

RECORD_RUN = """
import sys, time
from warta.storage.database import Database
from warta.storage.runs import RunCounts, finish_run, start_run
db = Database(sys.argv[1])
with db.transaction() as session:
    run_id = start_run(session, "site")
"""


SOURCE = SourceConfig(id="site", kind="listing", urls=["http://127.0.0.1:9/"])
OTHER = SourceConfig(id="other", kind="listing", urls=["http://127.0.0.1:9/other"])
# records one finished run per source id given after the database URL, the nth counting n new pages
RECORD_RUNS_OF_ARGUMENTS = """
import sys
from warta.storage.database import Database
from warta.storage.runs import RunCounts, finish_run, start_run
db = Database(sys.argv[1])
for n, source_id in enumerate(sys.argv[2:], start=1):
    with db.transaction() as session:
        finish_run(session, start_run(session, source_id), "ok", RunCounts(new=n))
"""


def python(code: str, *args: str) -> list[str]:
    return [sys.executable, "-c", textwrap.dedent(code), *args]


def executor(archive: Database, code: str, timeout_seconds: float, kill_grace_seconds: float = 5.0) -> LocalExecutor:
    """Return a local executor whose child runs `code` (with the database URL and the source ids as arguments)."""
    sources = [SOURCE.model_dump(), OTHER.model_dump()]
    cfg = WartaConfig.model_validate({"storage": {"url": archive.url}, "sources": sources})
    return LocalExecutor(
        archive,
        lambda: cfg,
        timeout_seconds,
        lambda source_ids: python(code, archive.url, *source_ids),
        kill_grace_seconds,
    )


@pytest.fixture
def archive(db: Database) -> Database:
    with db.transaction() as session:
        ensure_source(session, "site", "Site", "listing")
        ensure_source(session, "other", "Other", "listing")
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
    runner = ChildProcesses(timeout_seconds=1.5, kill_grace_seconds=1)
    result = runner.run("site", python(code))
    assert result.timed_out
    assert result.returncode is not None and result.returncode < 0
    grandchild = int(pid_file.read_text())
    wait_for(lambda: not alive(grandchild))


def test_child_ignoring_sigterm_is_killed() -> None:
    code = """
        import signal, time
        signal.signal(signal.SIGTERM, signal.SIG_IGN)
        print("ready", flush=True)
        time.sleep(60)
    """
    result = ChildProcesses(timeout_seconds=1.5, kill_grace_seconds=0.5).run("site", python(code))
    assert result.timed_out and result.returncode == -9


def test_child_log_lines_are_relayed_and_the_last_error_kept(caplog: pytest.LogCaptureFixture) -> None:
    code = """
        import json, sys
        print(json.dumps({"level": "info", "message": "fetched 3 pages"}), file=sys.stderr)
        print(json.dumps({"level": "error", "message": "start URL answered 500"}), file=sys.stderr)
        print(json.dumps({"sources": [{"id": "site", "new": 2}]}))
    """
    with caplog.at_level(logging.INFO, logger="warta.crawl"):
        result = ChildProcesses(timeout_seconds=30).run("site", python(code))
    assert (result.returncode, result.timed_out) == (0, False)
    assert result.last_error == "start URL answered 500"
    assert "[site] fetched 3 pages" in caplog.text


def test_child_output_lines_reach_the_caller_before_the_run_returns() -> None:
    code = """
        for n in range(3):
            print(f"line {n}")
    """
    lines: list[str] = []
    result = ChildProcesses(timeout_seconds=30).run("site", python(code), on_output=lines.append)
    assert result.returncode == 0
    assert lines == ["line 0", "line 1", "line 2"]


def test_a_failing_output_handler_does_not_stall_the_child(caplog: pytest.LogCaptureFixture) -> None:
    # far more than a pipe holds: a child whose output is no longer read blocks until its time limit
    code = """
        for n in range(40):
            print("x" * 10_000)
    """

    def fail(line: str) -> None:
        raise ValueError("the handler broke")

    result = ChildProcesses(timeout_seconds=30).run("site", python(code), on_output=fail)
    assert (result.returncode, result.timed_out) == (0, False)
    assert "the handler broke" in caplog.text


def test_stop_all_stops_running_children() -> None:
    runner = ChildProcesses(timeout_seconds=60, kill_grace_seconds=1)
    results = []
    thread = threading.Thread(target=lambda: results.append(runner.run("site", python("import time; time.sleep(60)"))))
    thread.start()
    wait_for(lambda: runner.running() == 1)
    runner.stop_all()
    thread.join(timeout=10)
    assert results[0].stopped and not results[0].timed_out


def test_timed_out_child_run_is_closed_as_timeout(archive: Database) -> None:
    code = RECORD_RUN + "time.sleep(60)\n"
    # The child must record its run before the limit strikes: importing warta.storage took over 3 s on
    # a busy two-core machine, so the limit leaves 15 s (the child then sleeps far past it).
    settled = executor(archive, code, timeout_seconds=15, kill_grace_seconds=1).run(SOURCE)
    assert settled.status == "timeout"
    assert "crawl_timeout" in settled.error
    [run] = runs(archive)
    assert (run.id, run.status) == (settled.run_id, "timeout")
    assert run.finished_at is not None and settled.seconds >= 15


def test_child_that_crashed_leaves_a_failed_run(archive: Database) -> None:
    code = RECORD_RUN + "import os; os._exit(3)\n"
    settled = executor(archive, code, timeout_seconds=30).run(SOURCE)
    assert settled.status == "failed"
    assert "exited with status 3" in settled.error
    assert [run.status for run in runs(archive)] == ["failed"]


def test_child_that_finished_its_run_is_trusted(archive: Database) -> None:
    code = RECORD_RUN + "with db.transaction() as session:\n    finish_run(session, run_id, 'ok', RunCounts(new=4))\n"
    settled = executor(archive, code, timeout_seconds=30).run(SOURCE)
    assert (settled.status, settled.counts.new) == ("ok", 4)
    assert len(runs(archive)) == 1


def test_child_that_never_reached_the_crawl_is_recorded_as_failed(archive: Database) -> None:
    code = "import sys; print('Error: No such command', file=sys.stderr); sys.exit(2)"
    settled = executor(archive, code, timeout_seconds=30).run(SOURCE)
    assert settled.status == "failed"
    assert "status 2: Error: No such command" in settled.error
    assert [run.status for run in runs(archive)] == ["failed"]


def test_stopped_child_run_is_closed_as_interrupted(archive: Database) -> None:
    crawls = executor(archive, RECORD_RUN + "time.sleep(60)\n", timeout_seconds=60, kill_grace_seconds=1)
    settled = []
    thread = threading.Thread(target=lambda: settled.append(crawls.run(SOURCE)))
    thread.start()
    wait_for(lambda: runs(archive))
    crawls.stop_all()
    thread.join(timeout=30)
    assert settled[0].status == "interrupted"
    assert [run.status for run in runs(archive)] == ["interrupted"]


def test_the_child_reads_the_accepted_config_from_stdin_not_from_its_arguments(archive: Database) -> None:
    code = """
        import json, sys
        handed = json.load(sys.stdin)
        message = handed["storage"]["url"] + " " + repr(sys.argv[1:])
        print(json.dumps({"level": "error", "message": message}), file=sys.stderr)
        sys.exit(3)
    """
    cfg = WartaConfig.model_validate({"storage": {"url": archive.url}, "sources": [SOURCE.model_dump()]})
    crawls = LocalExecutor(archive, lambda: cfg, 30, lambda _source_ids: python(code))
    settled = crawls.run(SOURCE)
    assert settled.error.endswith(f"{archive.url} []")


def test_several_sources_crawled_in_one_child_are_reported_from_their_runs(archive: Database) -> None:
    report = executor(archive, RECORD_RUNS_OF_ARGUMENTS, timeout_seconds=30).crawl()
    stored = {run.source_id: run for run in runs(archive)}
    assert [(item.id, item.status, item.new) for item in report.sources] == [("site", "ok", 1), ("other", "ok", 2)]
    assert [item.run_id for item in report.sources] == [stored["site"].id, stored["other"].id]
    assert len({run.pid for run in stored.values()}) == 1


def test_a_crawl_of_named_sources_crawls_only_those(archive: Database) -> None:
    report = executor(archive, RECORD_RUNS_OF_ARGUMENTS, timeout_seconds=30).crawl(["other"])
    assert [(item.id, item.new) for item in report.sources] == [("other", 1)]
    assert [run.source_id for run in runs(archive)] == ["other"]


def test_a_crawl_of_an_unknown_source_id_starts_no_child(archive: Database) -> None:
    crawls = executor(archive, RECORD_RUNS_OF_ARGUMENTS, timeout_seconds=30)
    with pytest.raises(UnknownSourceError, match="nope"):
        crawls.crawl(["site", "nope"])
    assert runs(archive) == []


def test_progress_lines_of_the_child_reach_the_caller(archive: Database) -> None:
    code = """
        import json
        from warta.crawler.report import ProgressEvent
        print(ProgressEvent("site", fetched=1, queued=2, new=1, changed=0, errors=0).as_line())
        print(ProgressEvent("site", fetched=3, queued=0, new=2, changed=0, errors=0, finished=True).as_line())
        print(json.dumps({"sources": [{"id": "site", "new": 2}]}))
    """
    events: list[ProgressEvent] = []
    executor(archive, code, timeout_seconds=30).crawl(["site"], progress=events.append)
    assert [(event.fetched, event.finished) for event in events] == [(1, False), (3, True)]


@pytest.mark.parametrize(
    ("shown", "expected"),
    [(logging.DEBUG, "debug"), (logging.INFO, "info"), (logging.WARNING, "warning"), (logging.CRITICAL, "error")],
    ids=["debug", "info", "warning", "critical"],
)
def test_a_crawl_child_logs_at_the_level_its_caller_shows(shown: int, expected: str) -> None:
    crawl_logger = logging.getLogger("warta.crawl")
    before = crawl_logger.level
    crawl_logger.setLevel(shown)
    try:
        assert shown_log_level() == expected
    finally:
        crawl_logger.setLevel(before)


def test_the_child_gets_the_database_password_that_config_show_masks(archive: Database) -> None:
    secret_url = "postgresql+psycopg://warta:s3cret@db.internal/warta"
    code = f"""
        import json, sys
        from warta.config.handoff import parse_crawl_config
        from warta.config.secrets import reveal
        handed = parse_crawl_config(sys.stdin.read())
        arrived = "the password arrived" if reveal(handed.storage.url) == {secret_url!r} else "masked"
        print(json.dumps({{"level": "error", "message": arrived}}), file=sys.stderr)
        sys.exit(3)
    """
    cfg = WartaConfig.model_validate({"storage": {"url": secret_url}, "sources": [SOURCE.model_dump()]})
    crawls = LocalExecutor(archive, lambda: cfg, 30, lambda _source_id: python(code))
    settled = crawls.run(SOURCE)
    assert settled.error.endswith("the password arrived")
