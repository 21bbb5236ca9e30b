"""Schema migrations: an empty database upgrades to head, the models match the history, old schemas are refused."""

from __future__ import annotations

import pytest
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from click.testing import CliRunner
from sqlalchemy import inspect, text
from warta.storage import migrate
from warta.storage.database import Database
from warta.storage.errors import DatabaseUnavailableError, SchemaOutdatedError
from warta.storage.models import Base
from warta.storage.search_index import is_modelled

from tests.conftest import write_config
from warta.cli.root import cli


def test_upgrade_from_empty_creates_every_table(db_url: str) -> None:
    database = Database(db_url)
    before, after = database.upgrade()
    with database.engine.connect() as connection:
        tables = set(inspect(connection).get_table_names())
    database.dispose()
    assert before is None
    assert after == migrate.head_revision()
    assert set(Base.metadata.tables) <= tables


def test_models_and_migration_history_agree(db: Database) -> None:
    with db.engine.connect() as connection:
        context = MigrationContext.configure(connection, opts={"include_name": is_modelled})
        differences = compare_metadata(context, Base.metadata)
    assert differences == []


def test_upgrade_twice_changes_nothing(db: Database) -> None:
    before, after = db.upgrade()
    assert before == after == migrate.head_revision()


def test_outdated_schema_is_refused_with_the_fix(db: Database) -> None:
    with db.engine.begin() as connection:
        connection.execute(text("UPDATE alembic_version SET version_num = '0000'"))
    with pytest.raises(SchemaOutdatedError, match="run `warta db upgrade`"):
        db.ensure_schema()


def test_db_upgrade_command_reports_revisions(tmp_path) -> None:
    config = write_config(tmp_path, "")
    runner = CliRunner()
    first = runner.invoke(cli, ["--config", str(config), "db", "upgrade"], env={"WARTA_STORAGE_URL": ""})
    second = runner.invoke(cli, ["--config", str(config), "db", "upgrade"], env={"WARTA_STORAGE_URL": ""})
    assert first.exit_code == 0, first.output
    assert f"upgraded from revision empty to {migrate.head_revision()}" in first.output
    assert "already at schema revision" in second.output


def test_unreachable_database_names_the_setting_without_the_password() -> None:
    database = Database("postgresql+psycopg://warta:hunter2@127.0.0.1:1/warta?connect_timeout=2")
    with pytest.raises(DatabaseUnavailableError) as caught:
        database.ensure_schema()
    message = str(caught.value)
    assert "[storage] url" in message
    assert "hunter2" not in message
    assert "warta:***@127.0.0.1:1" in message


def test_the_head_revision_checked_at_every_start_is_the_newest_migration_script() -> None:
    assert migrate.head_revision() == migrate.scripts_head_revision()


def test_current_revision_read_without_alembic_agrees_with_alembic(db_url: str) -> None:
    database = Database(db_url)
    try:
        with database.engine.connect() as connection:
            assert migrate.current_revision(connection) is None
        database.upgrade()
        with database.engine.connect() as connection:
            expected = MigrationContext.configure(connection).get_current_revision()
            assert migrate.current_revision(connection) == expected == migrate.HEAD_REVISION
    finally:
        database.dispose()
