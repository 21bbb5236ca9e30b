"""`warta init [DIR]` writes a starter warta.toml that checks, upgrades and keeps its data in DIR; never overwrites."""

from __future__ import annotations

import tomllib
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from tests.conftest import ROOT
from warta.cli.root import cli

EXAMPLE = ROOT / "config" / "warta.example.toml"
# no config or database named by the environment of whoever runs the tests
CLEAN_ENV = {"WARTA_CONFIG": None, "WARTA_STORAGE_URL": None}


def warta(*args: str) -> Result:
    """Run the CLI with `args`."""
    return CliRunner().invoke(cli, list(args), env=CLEAN_ENV)


def test_init_in_an_empty_folder_then_check_and_upgrade_succeed(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    init = warta("init")
    check = warta("config", "check")
    upgrade = warta("db", "upgrade")
    assert init.exit_code == 0, init.output
    assert check.exit_code == 0, check.output
    assert upgrade.exit_code == 0, upgrade.output
    assert f"wrote {tmp_path / 'warta.toml'}" in init.output
    assert "config OK" in check.output
    assert "upgraded from revision empty" in upgrade.output
    assert (tmp_path / "warta.db").is_file()


def test_init_names_the_next_commands(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    here = warta("init")
    elsewhere = warta("init", "elsewhere")
    for line in ("warta config check", "warta db upgrade", "warta crawl", "warta demo --once"):
        assert line in here.output
    assert "warta --config elsewhere/warta.toml config check" in elsewhere.output
    assert "warta --config elsewhere/warta.toml db upgrade" in elsewhere.output


def test_init_dir_keeps_the_archive_in_dir_when_used_from_another_folder(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (tmp_path / "work").mkdir()
    (tmp_path / "other").mkdir()
    monkeypatch.chdir(tmp_path / "work")
    init = warta("init", "../archive")
    monkeypatch.chdir(tmp_path / "other")
    config = str(tmp_path / "archive" / "warta.toml")
    check = warta("--config", config, "config", "check")
    upgrade = warta("--config", config, "db", "upgrade")
    assert (init.exit_code, check.exit_code, upgrade.exit_code) == (0, 0, 0), init.output + check.output
    assert (tmp_path / "archive" / "warta.db").is_file()
    assert not list((tmp_path / "other").iterdir()) and not list((tmp_path / "work").iterdir())


def test_init_writes_the_shipped_jakarta_sources_and_topics_with_comments(tmp_path: Path) -> None:
    result = warta("init", str(tmp_path))
    assert result.exit_code == 0, result.output
    written = (tmp_path / "warta.toml").read_text(encoding="utf-8")
    example = tomllib.loads(EXAMPLE.read_text(encoding="utf-8"))
    config = tomllib.loads(written)
    assert [source["id"] for source in config["sources"]] == [source["id"] for source in example["sources"]]
    assert [topic["id"] for topic in config["topics"]] == [topic["id"] for topic in example["topics"]]
    assert "beritajakarta" in {source["id"] for source in config["sources"]}
    assert written.startswith("# warta configuration")
    assert sum(line.startswith("#") for line in written.splitlines()) > 20


def test_init_never_overwrites_a_config(tmp_path: Path) -> None:
    first = warta("init", str(tmp_path))
    config = tmp_path / "warta.toml"
    config.write_text("# my edited config\n", encoding="utf-8")
    second = warta("init", str(tmp_path))
    assert first.exit_code == 0, first.output
    assert second.exit_code == 2, second.output
    assert "already exists; warta init never overwrites a config" in second.output
    assert config.read_text(encoding="utf-8") == "# my edited config\n"


def test_init_into_a_file_is_refused(tmp_path: Path) -> None:
    target = tmp_path / "notes.txt"
    target.write_text("mine", encoding="utf-8")
    result = warta("init", str(target))
    assert result.exit_code == 2, result.output
    assert "is a file" in result.output
    assert target.read_text(encoding="utf-8") == "mine"


def test_init_help_gives_an_example() -> None:
    result = warta("init", "--help")
    assert result.exit_code == 0
    assert "Example: warta init" in result.output
