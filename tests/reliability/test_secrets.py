"""A database password never appears in any output or log line of any command, whatever happens to the database.

Every command runs with a PostgreSQL URL carrying a password, given in the config file and
in $WARTA_STORAGE_URL, in text and JSON log formats at debug level, against: the local
server (which trusts loopback, so the password is simply not checked and the command
succeeds), a database that does not exist on it (the server refuses), and a closed port
(nothing answers).
"""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import time
import traceback
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import click
import pytest
from click.testing import CliRunner

from tests.conftest import POSTGRES_URL, postgres_schema_url, write_config
from warta.cli.root import cli, walk_commands

PASSWORD = "s3cr3t-Pa55w0rd-warta"

# Arguments per command, so that each one reaches the database (or its own work) quickly.
# A command missing here fails test_every_command_is_covered: add it when you add a command.
COMMAND_ARGS: dict[str, list[list[str]]] = {
    "config check": [["config", "check"]],
    "config show": [["config", "show"]],
    "config reference": [["config", "reference"]],
    "db upgrade": [["db", "upgrade"]],
    "feeds build": [["feeds", "build"], ["feeds", "build", "--rematch"]],
    "feeds serve": [["feeds", "serve", "--port", "0"]],  # the feed folder is absent: exits at once
    "export": [["export", "--format", "jsonl", "--output", "{tmp}/out.jsonl"]],
    "import": [["import", "{tmp}/in.jsonl"]],
    "snapshots": [["snapshots"], ["snapshots", "--json"]],
    "clusters rebuild": [["clusters", "rebuild"]],
    "verify": [["verify"]],  # --export reads a file and opens no database
    "discover": [["discover", "http://127.0.0.1:9/", "--timeout", "1"]],
    # Scrapy runs once per process: covered as a subprocess in test_crawl_never_shows_the_password
    "crawl": [],
    "status": [["status"], ["status", "--json"]],
    # runs until stopped: covered as a subprocess in test_daemon_never_shows_the_password
    "daemon": [],
    # Scrapy again (it crawls into a scratch database): covered in test_crawl_never_shows_the_password
    "preview": [],
    # the demo writes its own config with a SQLite database of its own: no configured URL to leak
    "demo": [],
    "deploy": [["deploy", "--target", "http://127.0.0.1:9"]],
    # runs until stopped; a database error in a page is logged and answered with a plain 500 that
    # names nothing (tests/web/test_pages.py), and --hash-password asks on a terminal
    "serve": [],
    # writes a config file and opens no database: no URL to leak
    "init": [],
    "crawl-now": [["crawl-now", "steered"]],
    "pause": [["pause", "steered", "--for", "2h"]],
    "resume": [["resume", "steered"]],
    "silence": [["silence", "steered", "--for", "1d"], ["silence", "steered", "--off"]],
    "runs": [["runs"], ["runs", "steered", "--errors", "--json"]],
}


def _leaf_commands(group: click.Group) -> Iterator[str]:
    for path, command in walk_commands(group):
        if not isinstance(command, click.Group):
            yield " ".join(path)


PRESENT = [name for name in _leaf_commands(cli) if name in COMMAND_ARGS]
INVOCATIONS = [(name, args) for name in PRESENT for args in COMMAND_ARGS[name]]


def with_password(url: str, host_port: str | None = None, path: str | None = None) -> str:
    """Return `url` with user 'warta-user' (or its user) and PASSWORD, optionally another host:port and path."""
    parts = urlsplit(url)
    user = parts.username or "postgres"
    netloc = f"{user}:{PASSWORD}@{host_port or f'{parts.hostname}:{parts.port or 5432}'}"
    return urlunsplit((parts.scheme, netloc, path if path is not None else parts.path, parts.query, ""))


@pytest.fixture(scope="module")
def server_schema_url() -> Iterator[str | None]:
    """Yield one PostgreSQL schema for the whole module (commands here change nothing that matters)."""
    if not POSTGRES_URL:
        yield None
        return
    yield from postgres_schema_url()


@pytest.fixture(params=["server-ignores-password", "missing-database", "closed-port"])
def secret_url(request: pytest.FixtureRequest, server_schema_url: str | None) -> str:
    """Return a PostgreSQL URL with a password, in one of three situations."""
    if request.param == "closed-port":
        base = POSTGRES_URL or "postgresql+psycopg://postgres@127.0.0.1:5432/test"
        return with_password(base, host_port="127.0.0.1:1")  # nothing listens on port 1
    if not (POSTGRES_URL and server_schema_url):
        pytest.skip("set WARTA_TEST_POSTGRES_URL to run against the PostgreSQL server")
    if request.param == "missing-database":
        return with_password(POSTGRES_URL, path="/warta_no_such_database")
    return with_password(server_schema_url)


def _prepare(tmp_path: Path, url: str, via: str) -> tuple[Path, dict[str, str]]:
    (tmp_path / "in.jsonl").write_text("", encoding="utf-8")
    # one source, for the commands that steer a source (crawl-now, pause, silence, runs)
    body = f"[feeds]\ndir = '{tmp_path}/public'\n"
    body += '\n[[sources]]\nid = "steered"\nkind = "page"\nurls = ["http://127.0.0.1:9/berita"]\nenabled = false\n'

    if via == "config":
        return write_config(tmp_path, f"[storage]\nurl = '{url}'\n" + body), {"WARTA_STORAGE_URL": ""}
    return write_config(tmp_path, body), {"WARTA_STORAGE_URL": url}


def _everything_said(result) -> str:
    said = result.output + (result.stderr if result.stderr_bytes is not None else "")
    if result.exc_info is not None and not isinstance(result.exception, SystemExit):
        said += "".join(traceback.format_exception(*result.exc_info))
    return said


def test_every_command_is_covered() -> None:
    missing = [name for name in _leaf_commands(cli) if name not in COMMAND_ARGS]
    assert not missing, f"add these commands to COMMAND_ARGS: {missing}"


@pytest.mark.parametrize("log_format", ["text", "json"])
@pytest.mark.parametrize("via", ["config", "env"])
@pytest.mark.parametrize(("name", "args"), INVOCATIONS, ids=[" ".join(args) for _, args in INVOCATIONS])
def test_no_command_shows_the_password(
    tmp_path: Path, secret_url: str, via: str, log_format: str, name: str, args: list[str]
) -> None:
    config, env = _prepare(tmp_path, secret_url, via)
    argv = ["--config", str(config), "--log-level", "debug", "--log-format", log_format]
    argv += [arg.replace("{tmp}", str(tmp_path)) for arg in args]
    result = CliRunner().invoke(cli, argv, env=env, prog_name="warta")
    said = _everything_said(result)
    assert PASSWORD not in said
    assert result.exit_code in (0, 1), said  # never a crash (exit code 1 is a reported failure)
    if result.exit_code == 1:
        assert "Error:" in said
    if log_format == "json":
        for line in result.stderr.splitlines():
            if line.startswith("{"):
                json.loads(line)


@pytest.mark.parametrize("log_format", ["text", "json"])
def test_negative_control_the_captured_output_names_the_masked_url(tmp_path: Path, log_format: str) -> None:
    # Without this, a harness that captured nothing would pass every test above.
    config, env = _prepare(tmp_path, with_password("postgresql+psycopg://u@127.0.0.1:1/x"), "env")
    argv = ["--config", str(config), "--log-format", log_format, "db", "upgrade"]
    result = CliRunner().invoke(cli, argv, env=env)
    assert result.exit_code == 1
    assert "u:***@127.0.0.1:1/x" in _everything_said(result)


@pytest.mark.parametrize(("log_format", "args"), [("text", ["db", "upgrade"]), ("json", ["feeds", "build"])])
def test_failing_subprocess_stderr_never_shows_the_password(tmp_path: Path, log_format: str, args: list[str]) -> None:
    url = with_password("postgresql+psycopg://warta@127.0.0.1:1/warta")
    config, _ = _prepare(tmp_path, url, "config")
    env = {**os.environ, "WARTA_STORAGE_URL": ""}
    command = [sys.executable, "-m", "warta", "--config", str(config), "--log-level", "debug"]
    command += ["--log-format", log_format, *args]
    done = subprocess.run(command, capture_output=True, text=True, env=env, timeout=60)
    assert done.returncode == 1, done.stderr
    assert PASSWORD not in done.stdout + done.stderr
    assert "warta:***@127.0.0.1:1" in done.stderr  # the URL is named, masked, so the operator knows which
    assert "Traceback" not in done.stderr


@pytest.mark.parametrize("args", [["crawl", "--json"], ["preview", "x"]], ids=["crawl", "preview"])
def test_crawl_never_shows_the_password(tmp_path: Path, secret_url: str, args: list[str]) -> None:
    config, _ = _prepare(tmp_path, secret_url, "config")
    body = config.read_text(encoding="utf-8")
    body += '\n[[sources]]\nid = "x"\nkind = "page"\nurls = ["http://127.0.0.1:9/berita"]\n'
    config.write_text(body, encoding="utf-8")
    command = [sys.executable, "-m", "warta", "--config", str(config), "--log-level", "debug", *args]
    env = {**os.environ, "WARTA_STORAGE_URL": ""}
    done = subprocess.run(command, capture_output=True, text=True, env=env, timeout=120)
    assert done.returncode == 1, done.stderr  # the source (or the database) cannot be reached
    assert PASSWORD not in done.stdout + done.stderr  # (debug logs include Scrapy's tracebacks: checked too)


def test_daemon_never_shows_the_password(tmp_path: Path, secret_url: str) -> None:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = int(probe.getsockname()[1])
    config, _ = _prepare(tmp_path, secret_url, "config")
    body = config.read_text(encoding="utf-8") + f"\n[daemon]\nlisten = '127.0.0.1:{port}'\n"
    body += '\n[[sources]]\nid = "x"\nkind = "page"\nurls = ["http://127.0.0.1:9/berita"]\nschedule = "every 1h"\n'
    config.write_text(body, encoding="utf-8")
    env = {**os.environ, "WARTA_STORAGE_URL": ""}
    command = [sys.executable, "-m", "warta", "--config", str(config), "--log-level", "debug", "daemon"]
    daemon = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, env=env)
    answers = ""
    try:
        deadline = time.monotonic() + 60
        while daemon.poll() is None and time.monotonic() < deadline and "/metrics" not in answers:
            try:
                for path in ("/healthz", "/metrics"):
                    with urllib.request.urlopen(f"http://127.0.0.1:{port}{path}", timeout=5) as response:
                        answers += path + response.read().decode("utf-8")
            except OSError:
                time.sleep(0.2)
    finally:
        if daemon.poll() is None:
            daemon.send_signal(signal.SIGTERM)
        output, _ = daemon.communicate(timeout=90)
    # a database that cannot be reached stops the daemon at start (exit 1); otherwise it served and stopped
    database_answers = "127.0.0.1:1/" not in secret_url and "no_such_database" not in secret_url
    assert daemon.returncode == (0 if database_answers else 1), output
    assert ("/metrics" in answers) == database_answers, output
    assert PASSWORD not in output + answers
