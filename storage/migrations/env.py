"""Alembic environment: runs migrations on the connection storage.migrate hands in."""

from __future__ import annotations

from alembic import context
from sqlalchemy import create_engine
from sqlalchemy.engine import Connection

from warta.storage.models import Base
from warta.storage.search_index import is_modelled

target_metadata = Base.metadata


def run_migrations_online() -> None:
    """Run the migrations on the given connection, or on one opened from sqlalchemy.url."""
    connection = context.config.attributes.get("connection")
    if connection is not None:
        _run(connection)
        return
    url = context.config.get_main_option("sqlalchemy.url")
    if not url:
        raise RuntimeError("set sqlalchemy.url or pass a connection to run migrations")
    with create_engine(url).begin() as fresh:
        _run(fresh)


def _run(connection: Connection) -> None:
    # render_as_batch lets later migrations alter tables on SQLite, which has limited ALTER TABLE.
    # the search index's FTS5 table and tsvector column are created by hand (migration 0003), not modelled
    context.configure(
        connection=connection, target_metadata=target_metadata, render_as_batch=True, include_name=is_modelled
    )
    with context.begin_transaction():
        context.run_migrations()


run_migrations_online()
