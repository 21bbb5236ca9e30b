"""Commands that only read refuse a database that does not exist; only `db upgrade` and the writers create one.

A mistyped [storage] url must not look like an empty archive: the reading command
names the path it looked up and says how to create an archive (`warta db upgrade`).
"""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner, Result
from sqlalchemy import create_engine, inspect

from tests.conftest import write_config
from warta.cli.root import cli
from warta.storage.database import Database
from warta.storage.errors import DatabaseMissingError

SOURCE = """
[[sources]]
id = "kabar"
kind = "feed"
urls = ["http://127.0.0.1:9/rss.xml"]
"""

READ_COMMANDS = [
    ["status"],
    ["status", "--json"],
    ["export", "--format", "jsonl", "--output", "{folder}/items.jsonl"],
    ["snapshots"],
    ["feeds", "build"],
    # an address no socket can bind: were the database check to pass, serve would fail rather than hang
    ["serve", "--host", "256.0.0.1", "--port", "0"],
]
READ_IDS = ["status", "status-json", "export", "snapshots", "feeds-build", "serve"]


def invoke(config: Path, args: list[str]) -> Result:
    """Run the CLI with `config`, $WARTA_STORAGE_URL cleared so that the file's url is the one used."""
    folder = str(config.parent)
    return CliRunner().invoke(
        cli, ["--config", str(config), *(arg.format(folder=folder) for arg in args)], env={"WARTA_STORAGE_URL": ""}
    )


def tables_of(url: str) -> set[str]:
    """Return the table names in the database at `url`."""
    engine = create_engine(url)
    try:
        with engine.connect() as connection:
            return set(inspect(connection).get_table_names())
    finally:
        engine.dispose()


@pytest.mark.parametrize("args", READ_COMMANDS, ids=READ_IDS)
def test_read_command_refuses_a_missing_sqlite_file_and_creates_nothing(tmp_path: Path, args: list[str]) -> None:
    database_path = tmp_path / "archive.db"
    config = write_config(tmp_path, f'[storage]\nurl = "sqlite:///{database_path}"\n{SOURCE}')
    result = invoke(config, args)
    assert result.exit_code == 1, result.output
    assert str(database_path) in result.output
    assert "warta db upgrade" in result.output
    assert sorted(path.name for path in tmp_path.iterdir()) == ["warta.toml"]  # no -wal, -shm or feeds either


def test_read_command_names_the_resolved_path_of_a_relative_sqlite_url(tmp_path: Path) -> None:
    config = write_config(tmp_path, f'[storage]\nurl = "sqlite:///data/warta.db"\n{SOURCE}')
    (tmp_path / "data").mkdir()
    result = invoke(config, ["status"])
    assert result.exit_code == 1, result.output
    assert str(tmp_path / "data" / "warta.db") in result.output
    assert list((tmp_path / "data").iterdir()) == []


@pytest.mark.parametrize("args", READ_COMMANDS, ids=READ_IDS)
def test_read_command_refuses_a_database_without_the_archive_tables(
    tmp_path: Path, db_url: str, args: list[str]
) -> None:
    if db_url.startswith("sqlite"):  # an empty file, e.g. one made by a sqlite3 shell or an old warta
        Path(db_url.removeprefix("sqlite:///")).touch()
    config = write_config(tmp_path, f'[storage]\nurl = "{db_url}"\n{SOURCE}')
    result = invoke(config, args)
    assert result.exit_code == 1, result.output
    assert "has no warta archive" in result.output
    assert "warta db upgrade" in result.output
    assert tables_of(db_url) == set()


def test_db_upgrade_creates_the_archive_the_read_commands_then_use(tmp_path: Path, db_url: str) -> None:
    config = write_config(tmp_path, f'[storage]\nurl = "{db_url}"\n{SOURCE}')
    refused = invoke(config, ["status"])
    upgraded = invoke(config, ["db", "upgrade"])
    status = invoke(config, ["status", "--json"])
    assert refused.exit_code == 1, refused.output
    assert upgraded.exit_code == 0, upgraded.output
    assert status.exit_code == 0, status.output
    assert '"id": "kabar"' in status.output


def test_import_creates_the_archive_it_imports_into(tmp_path: Path) -> None:
    database_path = tmp_path / "new.db"
    config = write_config(tmp_path, f'[storage]\nurl = "sqlite:///{database_path}"\n')
    empty_export = tmp_path / "empty.jsonl"
    empty_export.write_text("", encoding="utf-8")
    result = invoke(config, ["import", str(empty_export)])
    assert result.exit_code == 0, result.output
    assert database_path.is_file()
    assert "documents" in tables_of(f"sqlite:///{database_path}")


def test_opening_for_reading_refuses_what_opening_to_write_creates(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'warta.db'}"
    reader = Database(url)
    try:
        with pytest.raises(DatabaseMissingError, match="no archive database at"):
            reader.require_schema()
        assert not (tmp_path / "warta.db").exists()
        reader.ensure_schema()
        reader.require_schema()  # now there is one
    finally:
        reader.dispose()
    assert (tmp_path / "warta.db").is_file()
