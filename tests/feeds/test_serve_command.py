"""`warta feeds serve` serves the built folder, and says what to do when there is nothing to serve."""

from __future__ import annotations

import re
import signal
import socket
import subprocess
import sys
import urllib.request

import pytest
from click.testing import CliRunner

from tests.conftest import write_config
from warta.cli import cli


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def test_serve_without_a_built_folder_says_to_build_first(tmp_path) -> None:
    config = write_config(tmp_path, f'[feeds]\ndir = "{tmp_path / "public"}"\n')
    result = CliRunner().invoke(cli, ["--config", str(config), "feeds", "serve"], env={"WARTA_STORAGE_URL": ""})
    assert result.exit_code == 1
    assert "run `warta feeds build` first" in result.output


@pytest.mark.parametrize("signum", [signal.SIGINT, signal.SIGTERM], ids=["interrupt", "terminate"])
def test_serve_command_answers_once_it_announces_and_stops_on_a_signal(tmp_path, signum: int) -> None:
    feed_dir = tmp_path / "public"
    feed_dir.mkdir()
    (feed_dir / "all.atom").write_bytes(b"<feed/>")
    config = write_config(tmp_path, f'[feeds]\ndir = "{feed_dir}"\n[daemon]\nlisten = "127.0.0.1:{free_port()}"\n')
    process = subprocess.Popen(
        [sys.executable, "-m", "warta", "--config", str(config), "feeds", "serve", "--port", "0"],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    try:
        assert process.stdout is not None
        announcement = process.stdout.readline()
        served = re.fullmatch(
            rf"serving {re.escape(str(feed_dir))} on http://127\.0\.0\.1:(\d+)/ \(Ctrl-C to stop\)\n", announcement
        )
        assert served, announcement
        # No retries: the announcement comes once the port listens, and names the port picked for --port 0.
        with urllib.request.urlopen(f"http://127.0.0.1:{served.group(1)}/all.atom", timeout=10) as response:
            assert (response.status, response.read()) == (200, b"<feed/>")
    finally:
        process.send_signal(signum)
        output, _ = process.communicate(timeout=30)
    assert process.returncode == 0, output
    assert output.rstrip().endswith("stopped"), output


def test_serve_command_stops_cleanly_on_a_signal_sent_as_soon_as_it_announces(tmp_path) -> None:
    feed_dir = tmp_path / "public"
    feed_dir.mkdir()
    config = write_config(tmp_path, f'[feeds]\ndir = "{feed_dir}"\n')
    process = subprocess.Popen(
        [sys.executable, "-m", "warta", "--config", str(config), "feeds", "serve", "--port", "0"],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    try:
        assert process.stdout is not None
        assert process.stdout.readline().startswith("serving ")
        process.send_signal(signal.SIGTERM)
        output, _ = process.communicate(timeout=30)
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()
    assert process.returncode == 0, output
    assert output.rstrip().endswith("stopped"), output
