"""The [daemon] executor keys: the scrapyd executor needs PostgreSQL and nodes, and its credentials never show."""

from __future__ import annotations

from pathlib import Path

from click.testing import CliRunner

from tests.conftest import write_config
from warta.cli.root import cli
from warta.config import load_config
from warta.config.secrets import reveal

POSTGRES = "[storage]\nurl = 'postgresql+psycopg://warta:dbsecret@db.internal/warta'\n"


def run(config_path: Path, *args: str, env: dict[str, str] | None = None):
    return CliRunner().invoke(
        cli,
        ["--config", str(config_path), *args],
        env={"WARTA_STORAGE_URL": "", "WARTA_SCRAPYD_PASSWORD": "", **(env or {})},
    )


def test_local_executor_is_the_default(tmp_path: Path) -> None:
    result = run(write_config(tmp_path, ""), "config", "show")
    assert result.exit_code == 0, result.output
    assert 'executor = "local"' in result.output


def test_scrapyd_executor_with_sqlite_is_refused_naming_the_keys_and_the_fix(tmp_path: Path) -> None:
    body = "[daemon]\nexecutor = 'scrapyd'\nscrapyd_nodes = ['http://crawler-1:6800']\n"
    result = run(write_config(tmp_path, body), "config", "check")
    assert result.exit_code == 2
    assert 'daemon.executor = "scrapyd" needs a shared PostgreSQL database' in result.output
    assert "postgresql+psycopg://" in result.output


def test_scrapyd_executor_without_nodes_is_refused(tmp_path: Path) -> None:
    body = POSTGRES + "[daemon]\nexecutor = 'scrapyd'\n"
    result = run(write_config(tmp_path, body), "config", "check")
    assert result.exit_code == 2
    assert "daemon.scrapyd_nodes is empty" in result.output
    assert "PostgreSQL" not in result.output


def test_scrapyd_executor_with_postgres_and_nodes_passes(tmp_path: Path) -> None:
    body = (
        POSTGRES
        + "[daemon]\nexecutor = 'scrapyd'\nscrapyd_nodes = ['http://crawler-1:6800', 'http://crawler-2:6800']\n"
    )
    result = run(write_config(tmp_path, body), "config", "check")
    assert result.exit_code == 0, result.output


def test_bad_node_url_names_the_key(tmp_path: Path) -> None:
    body = POSTGRES + "[daemon]\nexecutor = 'scrapyd'\nscrapyd_nodes = ['crawler-1:6800']\n"
    result = run(write_config(tmp_path, body), "config", "check")
    assert result.exit_code == 2
    assert "daemon.scrapyd_nodes[0]: 'crawler-1:6800' is not an http(s) URL" in result.output


def test_password_without_user_is_refused(tmp_path: Path) -> None:
    body = POSTGRES + "[daemon]\nexecutor = 'scrapyd'\nscrapyd_nodes = ['http://c:6800']\nscrapyd_password = 'pw'\n"
    result = run(write_config(tmp_path, body), "config", "check")
    assert result.exit_code == 2
    assert "daemon.scrapyd_password is set without daemon.scrapyd_username" in result.output


def test_config_show_masks_scrapyd_credentials(tmp_path: Path) -> None:
    body = (
        POSTGRES + "[daemon]\nexecutor = 'scrapyd'\n"
        "scrapyd_nodes = ['http://ops:nodesecret@crawler-1:6800']\n"
        "scrapyd_username = 'ops'\nscrapyd_password = 'filesecret'\n"
    )
    result = run(write_config(tmp_path, body), "config", "show")
    assert result.exit_code == 0, result.output
    assert "http://ops:***@crawler-1:6800" in result.output
    for secret in ("nodesecret", "filesecret", "dbsecret"):
        assert secret not in result.output


def test_scrapyd_password_comes_from_the_environment(tmp_path: Path) -> None:
    body = POSTGRES + "[daemon]\nexecutor = 'scrapyd'\nscrapyd_nodes = ['http://c:6800']\nscrapyd_username = 'ops'\n"
    result = run(write_config(tmp_path, body), "config", "show", env={"WARTA_SCRAPYD_PASSWORD": "envsecret"})
    assert result.exit_code == 0, result.output
    assert 'scrapyd_password = "***"' in result.output
    assert "envsecret" not in result.output


def test_every_secret_is_masked_wherever_the_config_is_printed_or_logged(tmp_path: Path) -> None:
    body = (
        POSTGRES + "[daemon]\nscrapyd_username = 'ops'\nscrapyd_password = 'filesecret'\n"
        "webhook_url = 'https://hook:hooksecret@hooks.example.org/warta'\n"
        "scrapyd_nodes = ['http://ops:nodesecret@crawler-1:6800']\n"
        "scrapyd_database_url = 'postgresql+psycopg://job:jobsecret@db.internal/warta'\n"
    )
    cfg = load_config(write_config(tmp_path, body), environ={})
    daemon = cfg.daemon
    # a log line or a traceback that shows the config shows its repr or str
    shown = [repr(cfg), str(cfg), repr(daemon), str(daemon.scrapyd_password), str(cfg.storage.url)]
    shown += [f"{daemon.webhook_url}", str(cfg.model_dump(mode="json"))]
    for secret in ("filesecret", "hooksecret", "nodesecret", "jobsecret", "dbsecret"):
        assert all(secret not in text for text in shown), secret
    assert str(cfg.storage.url) == "postgresql+psycopg://warta:***@db.internal/warta"  # still names the server
    dumped = cfg.model_dump(mode="json")["daemon"]
    assert (dumped["scrapyd_password"], dumped["scrapyd_nodes"]) == ("***", ["http://ops:***@crawler-1:6800"])
    # negative control: the values are there for the code that sends them
    assert reveal(daemon.scrapyd_password) == "filesecret"
    assert reveal(daemon.webhook_url) == "https://hook:hooksecret@hooks.example.org/warta"
    assert [reveal(url) for url in daemon.scrapyd_nodes] == ["http://ops:nodesecret@crawler-1:6800"]
    assert reveal(cfg.storage.url) == "postgresql+psycopg://warta:dbsecret@db.internal/warta"
