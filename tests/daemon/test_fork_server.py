"""The crawl fork server: `python -m warta` children forked from one warm process, as the daemon starts its crawls."""

from __future__ import annotations

import logging
import os
import signal
import sys
from collections.abc import Iterator
from importlib.metadata import version

import pytest

from tests.conftest import wait_for
from tests.processes import alive, parent_of
from warta.daemon.executors import fork_server
from warta.daemon.executors.child_process import ChildProcesses
from warta.daemon.executors.fork_server import ForkServer, ForkServerError

WARTA = [sys.executable, "-m", "warta"]
pytestmark = pytest.mark.skipif(not fork_server.available(), reason="the fork server needs Linux pidfds")


@pytest.fixture
def server() -> Iterator[ForkServer]:
    started = ForkServer()
    yield started
    started.close()


def test_a_forked_child_runs_the_command_with_its_own_streams_and_exit_status(server: ForkServer) -> None:
    children = ChildProcesses(timeout_seconds=60, fork_server=server)
    lines: list[str] = []
    shown = children.run("version", [*WARTA, "--version"], on_output=lines.append)
    assert (shown.returncode, lines) == (0, [f"warta, version {version('warta')}"])
    missing = children.run("crawl", [*WARTA, "--config", "/nonexistent/warta.toml", "crawl", "--json"])
    assert missing.returncode == 2
    assert "no config file at /nonexistent/warta.toml" in missing.last_error
    assert server.pid is not None  # both came from the one server


def test_the_child_is_the_servers_fork_in_a_session_of_its_own(server: ForkServer) -> None:
    read_end, write_end = os.pipe()  # the child waits on its stdin, which stays open until the test closes it
    with open(os.devnull, "wb") as devnull:
        child = server.start([*WARTA, "crawl", "--config-from-stdin"], [read_end, devnull.fileno(), devnull.fileno()])
    os.close(read_end)
    try:
        assert parent_of(child.pid) == server.pid
        assert os.getsid(child.pid) == child.pid  # so the daemon stops it and all it started with one killpg
        assert child.returncode is None
    finally:
        os.close(write_end)
    assert child.wait(timeout=60) == 2  # an empty config on stdin is a usage error


def test_the_children_die_with_the_server_and_the_next_crawl_starts_a_new_one(server: ForkServer) -> None:
    read_end, write_end = os.pipe()
    with open(os.devnull, "wb") as devnull:
        child = server.start([*WARTA, "crawl", "--config-from-stdin"], [read_end, devnull.fileno(), devnull.fileno()])
    os.close(read_end)
    first_server = server.pid
    assert first_server is not None
    try:
        os.kill(first_server, signal.SIGKILL)
        assert child.wait(timeout=60) == -signal.SIGKILL
        wait_for(lambda: not alive(child.pid))
    finally:
        os.close(write_end)
    result = ChildProcesses(timeout_seconds=60, fork_server=server).run("version", [*WARTA, "--version"])
    assert result.returncode == 0
    assert server.pid not in (None, first_server)


def test_a_server_that_cannot_start_leaves_the_crawl_to_a_new_process(
    monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    monkeypatch.setattr(fork_server, "SERVER_MODULE", "warta.no_such_module")
    broken = ForkServer()
    lines: list[str] = []
    with caplog.at_level(logging.WARNING):
        result = ChildProcesses(timeout_seconds=60, fork_server=broken).run(
            "version", [*WARTA, "--version"], on_output=lines.append
        )
    broken.close()
    assert (result.returncode, lines) == (0, [f"warta, version {version('warta')}"])
    assert "starting the crawl as a new process" in caplog.text


def test_only_warta_commands_are_forked(server: ForkServer) -> None:
    with pytest.raises(ForkServerError, match="python -m warta"):
        server.start([sys.executable, "-c", "pass"], [])
    result = ChildProcesses(timeout_seconds=60, fork_server=server).run("other", [sys.executable, "-c", "pass"])
    assert result.returncode == 0
    assert server.pid is None  # a plain process: the server was never needed


def test_closing_ends_the_server(server: ForkServer, caplog: pytest.LogCaptureFixture) -> None:
    ChildProcesses(timeout_seconds=60, fork_server=server).run("version", [*WARTA, "--version"])
    pid = server.pid
    assert pid is not None
    with caplog.at_level(logging.WARNING):
        server.close()
    assert not alive(pid)
    assert "killing it" not in caplog.text  # it ended by itself when its socket closed
