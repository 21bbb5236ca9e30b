"""Schema migrations: which Alembic revision a database is at, and upgrading it.

The migration scripts live in storage/migrations/versions. Alembic runs on a
connection we hand it, so SQLite's pragmas from storage.database apply.

Every command opens the database and checks its revision against `HEAD_REVISION`
with one query; Alembic itself is imported only to upgrade (its import and the
parsing of the scripts were a tenth of the start-up of `warta crawl`, which the
daemon runs for every scheduled crawl). A test keeps `HEAD_REVISION` equal to the
newest script's revision.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

from sqlalchemy import inspect, text
from sqlalchemy.engine import Connection

if TYPE_CHECKING:
    from alembic.config import Config

MIGRATIONS_DIR = Path(__file__).resolve().parent / "migrations"
HEAD_REVISION = "0011"  # the newest script in migrations/versions; add a migration, change this


# (done, total) of a long step of a migration, such as building the search index
MigrationProgress = Callable[[int, int], None]


def alembic_config(connection: Connection | None = None, progress: MigrationProgress | None = None) -> Config:
    """Return an Alembic config pointing at warta's migrations, bound to `connection` if given."""
    from alembic.config import Config  # imported here: see the module docstring

    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS_DIR))
    if connection is not None:
        cfg.attributes["connection"] = connection
    cfg.attributes["progress"] = progress
    return cfg


def head_revision() -> str:
    """Return the newest migration revision this code ships."""
    return HEAD_REVISION


def scripts_head_revision() -> str | None:
    """Return the newest revision among the migration scripts, as Alembic reads them."""
    from alembic.script import ScriptDirectory

    return ScriptDirectory.from_config(alembic_config()).get_current_head()


def current_revision(connection: Connection) -> str | None:
    """Return the revision the database is at, or None for a database never migrated."""
    if not inspect(connection).has_table("alembic_version"):
        return None
    return connection.execute(text("SELECT version_num FROM alembic_version")).scalar()


def upgrade(connection: Connection, revision: str = "head", progress: MigrationProgress | None = None) -> None:
    """Run every migration up to `revision` on `connection`; a long step reports to `progress`."""
    from alembic import command

    command.upgrade(alembic_config(connection, progress), revision)
