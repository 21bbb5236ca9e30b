"""Fixtures shared by the whole suite: databases on SQLite and PostgreSQL, shared data, configs."""

from __future__ import annotations

import json
import os
import shutil
import socket
import subprocess
import sys
import time
import uuid
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import create_engine, text

from warta.storage.database import Database

ROOT = Path(__file__).resolve().parents[1]
SHARED = ROOT.parent / "shared"
POSTGRES_URL = os.environ.get("WARTA_TEST_POSTGRES_URL")
BACKENDS = ["sqlite", "postgresql"] if POSTGRES_URL else ["sqlite"]


def require_shared(relative: str) -> Path:
    """Return a path inside ../shared, skipping the test when it is absent (never in CI)."""
    path = SHARED / relative
    if not path.exists():
        if os.environ.get("CI") == "true":
            pytest.fail(f"{path} is missing; CI always has ../shared next to the clone")
        pytest.skip(f"{path} is not here: this test needs the shared data folder next to the clone")
    return path


def require_tool(name: str, debian_package: str) -> str:
    """Return the path of a system tool, skipping the test when it is absent (never in CI)."""
    found = shutil.which(name)
    if found:
        return found
    if os.environ.get("CI") == "true":
        pytest.fail(f"{name} is not on PATH; .ci/run installs Debian's {debian_package} package for it")
    pytest.skip(f"{name} is not on PATH: install Debian's {debian_package} package to run this test")


@pytest.fixture(params=BACKENDS)
def db_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """Yield the URL of a fresh, empty database: a SQLite file, or a PostgreSQL schema of its own."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'warta.db'}"
        return
    yield from postgres_schema_url()


def postgres_schema_url() -> Iterator[str]:
    """Yield a URL of the test PostgreSQL whose search_path is a new schema, dropped afterwards."""
    assert POSTGRES_URL
    schema = f"warta_test_{uuid.uuid4().hex[:12]}"
    admin = create_engine(POSTGRES_URL, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(f'CREATE SCHEMA "{schema}"'))
    separator = "&" if "?" in POSTGRES_URL else "?"
    try:
        yield f"{POSTGRES_URL}{separator}options=-csearch_path%3D{schema}"
    finally:
        with admin.connect() as connection:
            connection.execute(text(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE'))
        admin.dispose()


@pytest.fixture
def db(db_url: str) -> Iterator[Database]:
    """Yield an archive database at the current schema."""
    database = Database(db_url)
    database.ensure_schema()
    yield database
    database.dispose()


def modules_loaded(command_lookup: str, names: Sequence[str]) -> list[str]:
    """Return which of the modules `names` a fresh interpreter holds after running `command_lookup`.

    `command_lookup` is code using `c`, the module warta.cli.root; for the tests that keep a command
    from importing what it does not need.
    """
    probe = (
        f"import json, sys, click, warta.cli.root as c; {command_lookup};"
        f"print(json.dumps(sorted(m for m in {list(names)!r} if m in sys.modules)))"
    )
    output = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=True).stdout
    loaded: list[str] = json.loads(output)
    return loaded


def write_config(folder: Path, body: str, name: str = "warta.toml") -> Path:
    """Write a config file into `folder` and return its path."""
    path = folder / name
    path.write_text(body, encoding="utf-8")
    return path


# The modules that take longest (`pytest --durations=0`, summed per module), slowest first. They
# start first, so that under `--dist loadscope` (one module per worker at a time) no worker is
# left alone with a long module at the end while the other sits idle.
SLOWEST_MODULES = (
    "tests/reliability/test_crawl_crashes.py",
    "tests/daemon/test_controls.py",
    "tests/crawler/test_politeness.py",
    "tests/daemon/test_daemon_signals.py",
    "tests/reliability/test_hostile_sites.py",
    "tests/crawler/test_browser_render.py",
    "tests/crawler/test_json_source.py",
    "tests/crawler/test_requisites.py",
    "tests/archive/test_revisits.py",
    "tests/web (crawled site)",
    "tests/daemon/test_daemon_failures.py",
    "tests/crawler/test_incomplete_runs.py",
    "tests/reliability/test_concurrent_processes.py",
    "tests/demo/test_demo_command.py",
    "tests/test_packaging.py",
    "tests/reliability/test_feeds_killed.py",
    "tests/scaleout/test_standby_daemon.py",
    "tests/storage/test_concurrency.py",
    "tests/daemon/test_daemon_process.py",
    "tests/crawler/test_crawl.py",
    "tests/daemon/test_live_metrics.py",
    "tests/bench/test_crawl_benchmarks.py",
    "tests/scaleout/test_scrapyd_crawls.py",
    "tests/archive/test_crawled_export.py",
    "tests/scaleout/test_node_failure.py",
    "tests/reliability/test_secrets.py",
    "tests/daemon/test_crawl_process.py",
    "tests/crawler/test_discover_app.py",
    "tests/crawler/test_origins.py",
    "tests/daemon/test_fixity_schedule.py",
)
# Modules that share a package-scoped fixture (tests/web's crawled site: two crawls on each database)
# run as one unit on one worker, so the fixture is built once rather than once per worker.
SHARED_FIXTURE_SCOPES = {
    "tests/web/test_browser.py": "tests/web (crawled site)",
    "tests/web/test_events_page.py": "tests/web (crawled site)",
    "tests/web/test_pages.py": "tests/web (crawled site)",
}


def wait_for(condition: Callable[[], Any], timeout: float = 60.0, interval: float = 0.05) -> Any:
    """Poll until `condition()` is truthy and return its value; fail the test after `timeout` seconds."""
    deadline = time.monotonic() + timeout
    while True:
        value = condition()
        if value:
            return value
        if time.monotonic() > deadline:
            pytest.fail(f"condition not met within {timeout}s: {condition}")
        time.sleep(interval)


def free_port() -> int:
    """Return a TCP port on 127.0.0.1 that nothing listens on right now (for a server the test starts).

    Another process may take it at once: for a site or service that must stay down, use `refused_port`.
    """
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@pytest.fixture
def refused_port() -> Iterator[int]:
    """A TCP port on 127.0.0.1 that refuses connections for the whole test: a site or service that is down.

    Bound and never listening, so a connection is refused and no other test's server can take the
    port meanwhile (xdist runs several tests at once), as it can take a port merely found free.
    """
    with socket.socket() as holder:
        holder.bind(("127.0.0.1", 0))
        yield int(holder.getsockname()[1])


def signal_and_wait(process: subprocess.Popen[str], signum: int, timeout: float = 30.0) -> str:
    """Send `signum`, wait for the process to exit and return the rest of its output (killing it if it hangs)."""
    try:
        process.send_signal(signum)
        output, _ = process.communicate(timeout=timeout)
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()
    return output


def scope_of(nodeid: str) -> str:
    """Return the unit of work a test belongs to: its module, or the group sharing a package fixture."""
    module = nodeid.split("::", 1)[0]
    return SHARED_FIXTURE_SCOPES.get(module, module)


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Run the slowest units first, so that none starts last and holds up the end of the run."""
    rank = {scope: position for position, scope in enumerate(SLOWEST_MODULES)}
    items.sort(key=lambda item: rank.get(scope_of(item.nodeid), len(rank)))


def pytest_xdist_make_scheduler(config: pytest.Config, log: Any) -> Any:
    """With --dist loadscope, hand out work by `scope_of` (modules, and the groups sharing a fixture)."""
    if config.getoption("dist") != "loadscope":
        return None
    from xdist.scheduler import LoadScopeScheduling

    class SharedFixtureScheduling(LoadScopeScheduling):  # type: ignore[misc]
        def _split_scope(self, nodeid: str) -> str:
            return scope_of(nodeid)

    return SharedFixtureScheduling(config, log)


def invoke_signalled_on_announce(
    monkeypatch: pytest.MonkeyPatch, echo_path: str, args: list[str]
) -> tuple[Any, list[str]]:
    """Run a serving command in process, raising SIGTERM the moment it prints "serving ..."; return (result, printed).

    In process, so that the signal arrives exactly when the line is printed: a supervisor that
    waits for the line and then sends SIGTERM must find the command's handler in place.
    """
    import signal

    from click.testing import CliRunner

    from warta.cli.root import cli

    printed: list[str] = []

    def echo(message: object = None, **_options: object) -> None:
        printed.append(str(message))
        if str(message).startswith("serving "):
            if signal.getsignal(signal.SIGTERM) in (signal.SIG_DFL, signal.SIG_IGN, None):
                raise AssertionError("announced before its SIGTERM handler was in place")
            signal.raise_signal(signal.SIGTERM)

    monkeypatch.setattr(echo_path, echo)
    previous = signal.getsignal(signal.SIGTERM)
    result = CliRunner().invoke(cli, args)
    assert signal.getsignal(signal.SIGTERM) is previous, "the handler it inherited is back"
    return result, printed
