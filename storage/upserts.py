"""INSERT ... ON CONFLICT DO NOTHING (or DO UPDATE) on both SQLite and PostgreSQL.

The database, not a read-then-write check in Python, decides who wins when two
processes insert the same key at once.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import Table
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session


def dialect_insert(session: Session, table: Table) -> Any:
    """Return an INSERT of the session's dialect (SQLite or PostgreSQL), which has ON CONFLICT clauses."""
    module: Any = postgresql if session.get_bind().dialect.name == "postgresql" else sqlite
    return module.insert(table)


def insert_ignoring_conflict(session: Session, table: Table, values: dict[str, Any], keys: list[str]) -> bool:
    """Insert one row unless a row with the same `keys` exists; return True when it was inserted."""
    # the values are bound as parameters of a statement built without them: building them into the
    # statement costs more than the write itself (these run several times for every page crawled)
    statement = dialect_insert(session, table).on_conflict_do_nothing(index_elements=keys)
    result = session.execute(statement, values)
    return bool(getattr(result, "rowcount", 0) == 1)


def upsert(session: Session, table: Table, values: dict[str, Any], keys: list[str], update: list[str]) -> None:
    """Insert one row, or set the `update` columns of the row with the same `keys` to these values."""
    statement = dialect_insert(session, table)
    statement = statement.on_conflict_do_update(
        index_elements=keys, set_={column: statement.excluded[column] for column in update}
    )
    session.execute(statement, values)
