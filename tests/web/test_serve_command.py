"""`warta serve`: announces its address once it listens, serves the browser, stops on a signal; basic auth."""

from __future__ import annotations

import base64
import re
import signal
import subprocess
import sys
import urllib.request
from pathlib import Path

import pytest
from click.testing import CliRunner
from starlette.testclient import TestClient

from tests.conftest import invoke_signalled_on_announce, signal_and_wait, write_config
from warta.cli.root import cli
from warta.config import load_config
from warta.storage.database import Database
from warta.web.app import create_app
from warta.web.security import AuthConfigError, hash_password


def config_in(tmp_path: Path, extra: str = "") -> Path:
    """Write a config whose archive exists, empty, as `warta db upgrade` leaves it (serve refuses a missing one)."""
    url = f"sqlite:///{tmp_path / 'warta.db'}"
    database = Database(url)
    database.ensure_schema()
    database.dispose()
    return write_config(tmp_path, f'[storage]\nurl = "{url}"\n{extra}')


@pytest.mark.parametrize("signum", [signal.SIGINT, signal.SIGTERM], ids=["interrupt", "terminate"])
def test_serve_announces_once_listening_answers_and_stops_on_a_signal(tmp_path: Path, signum: int) -> None:
    config = config_in(tmp_path)
    process = subprocess.Popen(
        [sys.executable, "-m", "warta", "--log-level", "warning", "--config", str(config), "serve", "--port", "0"],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    assert process.stdout is not None
    try:
        announcement = process.stdout.readline()
        served = re.fullmatch(r"serving on http://127\.0\.0\.1:(\d+)/ \(Ctrl-C to stop\)\n", announcement)
        assert served, announcement
        # no retries: the port listens before the line is printed
        with urllib.request.urlopen(f"http://127.0.0.1:{served.group(1)}/", timeout=30) as response:
            assert response.status == 200 and b"<h1>warta archive</h1>" in response.read()
            assert "default-src 'none'" in response.headers["Content-Security-Policy"]
    finally:
        output = signal_and_wait(process, signum)
    assert process.returncode == 0, output
    assert output.rstrip().endswith("stopped"), output


def test_serve_stops_cleanly_on_a_signal_sent_the_moment_it_announces(tmp_path: Path, monkeypatch) -> None:
    args = ["--config", str(config_in(tmp_path)), "serve", "--port", "0"]
    result, printed = invoke_signalled_on_announce(monkeypatch, "warta.cli.web.click.echo", args)
    assert result.exit_code == 0, (result.output, result.exception)
    assert printed[0].startswith("serving on http://127.0.0.1:") and printed[-1] == "stopped", printed


def test_serve_with_auth_but_no_password_hash_says_what_to_set(tmp_path: Path) -> None:
    config = config_in(tmp_path, '[web]\nauth_username = "arsip"\nauth_password_hash_env = "TEST_WEB_HASH"\n')
    result = CliRunner().invoke(cli, ["--config", str(config), "serve", "--port", "0"], env={"TEST_WEB_HASH": ""})
    assert result.exit_code == 1
    assert "$TEST_WEB_HASH is empty" in result.output and "warta serve --hash-password" in result.output
    assert "serving" not in result.output


def test_basic_auth_admits_only_the_configured_user_and_password(tmp_path: Path) -> None:
    config = config_in(tmp_path, '[web]\nauth_username = "arsip"\nauth_password_hash_env = "TEST_WEB_HASH"\n')
    cfg = load_config(config, environ={})
    database = Database.from_config(cfg)
    stored = hash_password("rahasia sekali")
    with pytest.raises(AuthConfigError, match="does not hold a password hash"):
        create_app(cfg, database, environ={"TEST_WEB_HASH": "plain-text-password"})
    client = TestClient(create_app(cfg, database, environ={"TEST_WEB_HASH": stored}))

    def basic(user: str, password: str) -> dict[str, str]:
        return {"Authorization": "Basic " + base64.b64encode(f"{user}:{password}".encode()).decode()}

    assert client.get("/").status_code == 401
    assert client.get("/").headers["www-authenticate"].startswith("Basic ")
    assert client.get("/", headers=basic("arsip", "salah")).status_code == 401
    assert client.get("/", headers=basic("orang", "rahasia sekali")).status_code == 401
    assert client.get("/", headers={"Authorization": "Basic !!!"}).status_code == 401
    assert client.get("/", headers=basic("arsip", "rahasia sekali")).status_code == 200
    assert client.get("/static/style.css").status_code == 401
    database.dispose()


def test_config_show_lists_the_web_table_and_no_password_hash(tmp_path: Path) -> None:
    stored = hash_password("rahasia")
    config = config_in(tmp_path, '[web]\nauth_username = "arsip"\n')
    result = CliRunner().invoke(
        cli, ["--config", str(config), "config", "show"], env={"WARTA_WEB_PASSWORD_HASH": stored}
    )
    assert result.exit_code == 0, result.output
    assert "[web]" in result.output and 'auth_username = "arsip"' in result.output
    assert 'host = "127.0.0.1"' in result.output and "page_size = 20" in result.output
    assert stored not in result.output and stored.split("$")[-1] not in result.output


def test_hash_password_prints_a_hash_the_app_accepts(tmp_path: Path) -> None:
    result = CliRunner().invoke(cli, ["serve", "--hash-password"], input="kata sandi\nkata sandi\n")
    assert result.exit_code == 0, result.output
    printed = result.output.strip().splitlines()[-1]
    assert printed.startswith("scrypt$") and "kata sandi" not in result.output
    from warta.web.security import verify_password

    assert verify_password("kata sandi", printed) and not verify_password("kata", printed)
