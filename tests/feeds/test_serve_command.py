"""`warta feeds serve` serves the built folder, and says what to do when there is nothing to serve."""

from __future__ import annotations

import http.client
import signal
import socket
import subprocess
import sys
import time

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
def test_serve_command_answers_over_http_and_stops_on_a_signal(tmp_path, signum: int) -> None:
    feed_dir = tmp_path / "public"
    feed_dir.mkdir()
    (feed_dir / "all.atom").write_bytes(b"<feed/>")
    port = free_port()
    config = write_config(tmp_path, f'[feeds]\ndir = "{feed_dir}"\n[daemon]\nlisten = "127.0.0.1:{port}"\n')
    process = subprocess.Popen(
        [sys.executable, "-m", "warta", "--config", str(config), "feeds", "serve"],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
    )
    try:
        status, body = None, b""
        for _ in range(200):  # wait until it listens; the assertion below does not depend on timing
            try:
                connection = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
                connection.request("GET", "/all.atom")
                response = connection.getresponse()
                status, body = response.status, response.read()
                connection.close()
                break
            except ConnectionRefusedError:
                time.sleep(0.05)
        assert (status, body) == (200, b"<feed/>")
    finally:
        process.send_signal(signum)
        output, _ = process.communicate(timeout=30)
    assert process.returncode == 0, output
    assert f"serving {feed_dir} on http://127.0.0.1:{port}/".encode() in output
    assert output.rstrip().endswith(b"stopped"), output
