"""Opening the archive database: engines, sessions and SQLite's concurrency settings.

SQLite is opened in WAL mode with a busy timeout and foreign keys on, and every
write transaction starts with BEGIN IMMEDIATE: two processes that both read,
then try to write, would otherwise deadlock and one would fail with "database
is locked" instead of waiting. Read-only sessions start a plain deferred
transaction, so exports and feed builds do not block crawls.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any, Literal, TypeVar

from sqlalchemy import create_engine, event, inspect, make_url
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session, sessionmaker

from warta.config import WartaConfig
from warta.config.secrets import mask_url, reveal
from warta.storage import migrate
from warta.storage.errors import (
    DatabaseMissingError,
    DatabaseUnavailableError,
    SchemaOutdatedError,
    StorageError,
    database_errors,
)

logger = logging.getLogger(__name__)

SQLITE_BUSY_TIMEOUT_SECONDS = 60
# values per `IN (...)` lookup, far under SQLite's and PostgreSQL's limits on bound parameters
IN_LIST_SIZE = 500
T = TypeVar("T")


def in_chunks(values: Sequence[T]) -> Iterator[Sequence[T]]:
    """Yield `values` in slices of at most IN_LIST_SIZE, one per `IN (...)` query."""
    for start in range(0, len(values), IN_LIST_SIZE):
        yield values[start : start + IN_LIST_SIZE]


class Database:
    """An archive database: an engine plus factories for write and read-only sessions."""

    def __init__(self, url: str) -> None:
        self.url = url
        self.engine = make_engine(url)
        self.sessions = sessionmaker(self.engine, expire_on_commit=False)
        read_engine = self.engine.execution_options(warta_read_only=True)
        self.read_sessions = sessionmaker(read_engine, expire_on_commit=False)

    @classmethod
    def from_config(cls, cfg: WartaConfig, create: bool = False) -> Database:
        """Return the database named by [storage] url at the current schema; create it only if `create`.

        Commands that only read pass create=False: a mistyped url must not look like an empty archive.
        """
        database = cls(reveal(cfg.storage.url))
        try:
            if create:
                database.ensure_schema()
            else:
                database.require_schema()
        except StorageError:
            database.dispose()
            raise
        return database

    @property
    def display_url(self) -> str:
        """Return the URL with any password masked, for messages and logs."""
        return mask_url(self.url)

    @property
    def is_sqlite(self) -> bool:
        """Return True for a SQLite database."""
        return self.engine.dialect.name == "sqlite"

    @property
    def sqlite_path(self) -> Path | None:
        """Return the file of a SQLite database, or None (PostgreSQL, in-memory or URI-named SQLite)."""
        url = make_url(self.url)
        name = url.database
        if url.get_backend_name() != "sqlite" or not name or name == ":memory:" or name.startswith("file:"):
            return None
        return Path(name)

    def ensure_schema(self) -> None:
        """Create the schema in an empty database; raise SchemaOutdatedError for an old one."""
        if self._check_schema() == "empty":
            logger.info("creating the archive schema in %s", self.display_url)
            self.upgrade()

    def require_schema(self) -> None:
        """Check the database holds the archive at the current schema, creating nothing.

        Raise DatabaseMissingError when there is no SQLite file or no warta tables,
        SchemaOutdatedError for an old schema.
        """
        path = self.sqlite_path
        # sqlite3 creates a missing file on connect: look before opening it
        if path is not None and not path.exists():
            raise DatabaseMissingError(
                f"no archive database at {path}: the file named by [storage] url does not exist; "
                "fix [storage] url, or create the archive there with `warta db upgrade`"
            )
        if self._check_schema() == "empty":
            raise DatabaseMissingError(
                f"the database {self.display_url} has no warta archive (no warta tables in it); "
                "fix [storage] url, or create the archive there with `warta db upgrade`"
            )

    def _check_schema(self) -> Literal["current", "empty"]:
        """Return whether the schema is current or the database empty; raise for an unusable one."""
        with (
            database_errors(
                f"cannot open the database {self.display_url}",
                DatabaseUnavailableError,
                advice="check [storage] url and that the database server is running",
            ),
            self.engine.connect() as connection,
        ):
            tables = set(inspect(connection).get_table_names())
            current = migrate.current_revision(connection)
        head = migrate.head_revision()
        if current == head:
            return "current"
        if current is None and not (tables - {"alembic_version"}):
            return "empty"
        raise SchemaOutdatedError(
            f"the database {self.display_url} is at schema revision {current or 'none'}, "
            f"this warta expects {head}; run `warta db upgrade` first (back up the database before)"
        )

    def upgrade(self, progress: migrate.MigrationProgress | None = None) -> tuple[str | None, str]:
        """Bring the schema to the newest revision; return (revision before, revision after).

        `progress` hears (done, total) of a long step, such as building the search index.
        """
        with (
            database_errors(f"cannot upgrade the database {self.display_url}", unreachable=DatabaseUnavailableError),
            self.engine.begin() as connection,
        ):
            before = migrate.current_revision(connection)
            migrate.upgrade(connection, progress=progress)
            after = migrate.current_revision(connection)
        return before, after or migrate.head_revision()

    @contextmanager
    def transaction(self) -> Iterator[Session]:
        """Yield a session inside one write transaction, committed on success, rolled back on error."""
        with self.sessions() as session, session.begin():
            yield session

    @contextmanager
    def reading(self) -> Iterator[Session]:
        """Yield a session inside one read-only transaction."""
        with self.read_sessions() as session, session.begin():
            yield session

    def dispose(self) -> None:
        """Close every pooled connection (call before forking or at exit)."""
        self.engine.dispose()


class SharedDatabases:
    """Databases opened by URL and shared: one engine per URL however many users, disposed after the last.

    A local crawl runs every source's crawler in one process; an engine each would
    hold an idle connection per source for the whole crawl (crawler.recorder).
    """

    def __init__(self) -> None:
        self._open: dict[str, tuple[Database, int]] = {}

    def acquire(self, url: str) -> Database:
        """Return the database at `url`, opening it for the first user."""
        database, users = self._open.get(url) or (Database(url), 0)
        self._open[url] = (database, users + 1)
        return database

    def release(self, database: Database) -> None:
        """Give the database back; the last user disposes of it."""
        _database, users = self._open.pop(database.url, (database, 1))
        if users > 1:
            self._open[database.url] = (database, users - 1)
        else:
            database.dispose()


def make_engine(url: str) -> Engine:
    """Return an engine for `url` with warta's per-database settings applied."""
    if url.startswith("sqlite"):
        engine = create_engine(url, connect_args={"timeout": SQLITE_BUSY_TIMEOUT_SECONDS})
        event.listen(engine, "connect", _configure_sqlite_connection)
        event.listen(engine, "begin", _begin_sqlite_transaction)
        return engine
    return create_engine(url, pool_pre_ping=True)


def _configure_sqlite_connection(dbapi_connection: Any, _record: Any) -> None:
    # Let SQLAlchemy's "begin" event issue BEGIN itself (pysqlite would defer it).
    dbapi_connection.isolation_level = None
    cursor = dbapi_connection.cursor()
    cursor.execute(f"PRAGMA busy_timeout = {SQLITE_BUSY_TIMEOUT_SECONDS * 1000}")
    cursor.execute("PRAGMA journal_mode = WAL")
    cursor.execute("PRAGMA synchronous = NORMAL")
    cursor.execute("PRAGMA foreign_keys = ON")
    cursor.close()


def _begin_sqlite_transaction(connection: Any) -> None:
    read_only = connection.get_execution_options().get("warta_read_only", False)
    connection.exec_driver_sql("BEGIN DEFERRED" if read_only else "BEGIN IMMEDIATE")
