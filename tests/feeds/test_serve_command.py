"""`warta feeds serve` serves the built folder, and says what to do when there is nothing to serve."""

from __future__ import annotations

import re
import signal
import socket
import subprocess
import sys
import urllib.request
from pathlib import Path

import pytest
from click.testing import CliRunner

from tests.conftest import free_port, invoke_signalled_on_announce, signal_and_wait, write_config
from warta.cli.root import cli


def test_serve_without_a_built_folder_says_to_build_first(tmp_path) -> None:
    config = write_config(tmp_path, f'[feeds]\ndir = "{tmp_path / "public"}"\n')
    result = CliRunner().invoke(cli, ["--config", str(config), "feeds", "serve"], env={"WARTA_STORAGE_URL": ""})
    assert result.exit_code == 1
    assert "run `warta feeds build` first" in result.output


def test_serve_on_a_busy_port_exits_1_saying_what_to_do(tmp_path) -> None:
    feed_dir = tmp_path / "public"
    feed_dir.mkdir()
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        port = busy.getsockname()[1]
        config = write_config(tmp_path, f'[feeds]\ndir = "{feed_dir}"\n')
        result = CliRunner().invoke(
            cli, ["--config", str(config), "feeds", "serve", "--port", str(port)], env={"WARTA_STORAGE_URL": ""}
        )
    assert result.exit_code == 1
    assert f"cannot listen on 127.0.0.1:{port}" in result.output and "choose another --host/--port" in result.output
    assert "serving" not in result.output, "nothing is announced when nothing listens"


def start_serving(config: Path) -> tuple[subprocess.Popen[str], str]:
    """Start `warta feeds serve --port 0` and return the process with the first line it printed."""
    process = subprocess.Popen(
        [sys.executable, "-m", "warta", "--config", str(config), "feeds", "serve", "--port", "0"],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    assert process.stdout is not None
    return process, process.stdout.readline()


@pytest.mark.parametrize("signum", [signal.SIGINT, signal.SIGTERM], ids=["interrupt", "terminate"])
def test_serve_command_answers_once_it_announces_and_stops_on_a_signal(tmp_path, signum: int) -> None:
    feed_dir = tmp_path / "public"
    feed_dir.mkdir()
    (feed_dir / "all.atom").write_bytes(b"<feed/>")
    config = write_config(tmp_path, f'[feeds]\ndir = "{feed_dir}"\n[daemon]\nlisten = "127.0.0.1:{free_port()}"\n')
    process, announcement = start_serving(config)
    try:
        served = re.fullmatch(
            rf"serving {re.escape(str(feed_dir))} on http://127\.0\.0\.1:(\d+)/ \(Ctrl-C to stop\)\n", announcement
        )
        assert served, announcement
        # No retries: the announcement comes once the port listens, and names the port picked for --port 0.
        with urllib.request.urlopen(f"http://127.0.0.1:{served.group(1)}/all.atom", timeout=10) as response:
            assert (response.status, response.read()) == (200, b"<feed/>")
    finally:
        output = signal_and_wait(process, signum)
    assert process.returncode == 0, output
    assert output.rstrip().endswith("stopped"), output


def test_serve_command_stops_cleanly_on_a_signal_sent_the_moment_it_announces(tmp_path, monkeypatch) -> None:
    feed_dir = tmp_path / "public"
    feed_dir.mkdir()
    config = write_config(tmp_path, f'[feeds]\ndir = "{feed_dir}"\n')
    args = ["--config", str(config), "feeds", "serve", "--port", "0"]
    result, printed = invoke_signalled_on_announce(monkeypatch, "warta.cli.feeds.click.echo", args)
    assert result.exit_code == 0, (result.output, result.exception)
    assert printed[0].startswith("serving ") and printed[-1] == "stopped", printed
