"""Scheduler leadership: which of several daemons sharing one PostgreSQL archive schedules the crawls.

The leader holds a PostgreSQL session-level advisory lock on a connection of its
own. When the leader dies its connection drops and PostgreSQL releases the lock,
so a standby's next `pg_try_advisory_lock` wins. The lock key is derived from the
archive's schema, so archives in separate schemas of one database elect apart.
SQLite archives have a single daemon: there, leadership is always held.
"""

from __future__ import annotations

import hashlib
import logging

from sqlalchemy import text
from sqlalchemy.engine import Connection, Engine
from sqlalchemy.exc import SQLAlchemyError

from warta.storage.errors import failure_reason

logger = logging.getLogger(__name__)

LOCK_NAMESPACE = "warta-scheduler"


def lock_key(schema: str) -> int:
    """Return the signed 64-bit advisory lock key of the scheduler of the archive in `schema`."""
    digest = hashlib.sha256(f"{LOCK_NAMESPACE}:{schema}".encode()).digest()
    return int.from_bytes(digest[:8], "big", signed=True)


class SchedulerLeadership:
    """The advisory lock that makes one daemon the scheduler; `try_acquire` again to stand by."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        self._connection: Connection | None = None

    @property
    def needs_lock(self) -> bool:
        """Return True when the database is shared by several daemons (PostgreSQL)."""
        return self.engine.dialect.name == "postgresql"

    def try_acquire(self) -> bool:
        """Return True when this daemon is (still, or now) the leader; never blocks."""
        if not self.needs_lock:
            return True
        if self._connection is not None:
            if self._connection_alive():
                return True
            logger.warning("the connection holding the scheduler lock was lost; trying to take it again")
            self._close()
        try:
            connection = self.engine.connect().execution_options(isolation_level="AUTOCOMMIT")
            schema = str(connection.scalar(text("SELECT current_schema()")))
            won = bool(connection.scalar(text("SELECT pg_try_advisory_lock(:key)"), {"key": lock_key(schema)}))
        except SQLAlchemyError as exc:
            logger.warning("cannot reach the database to take the scheduler lock: %s", failure_reason(exc))
            return False
        if not won:
            connection.close()
            return False
        self._connection = connection
        return True

    def is_held(self) -> bool:
        """Return True while this daemon holds the lock (always on SQLite)."""
        return not self.needs_lock or (self._connection is not None and self._connection_alive())

    def release(self) -> None:
        """Give up leadership (at shutdown) so that a standby takes over at once."""
        if self._connection is None:
            return
        try:
            self._connection.execute(text("SELECT pg_advisory_unlock_all()"))
        except SQLAlchemyError:
            logger.debug("the scheduler lock's connection was already gone at release")
        self._close()

    def _connection_alive(self) -> bool:
        assert self._connection is not None
        try:
            self._connection.execute(text("SELECT 1"))
        except SQLAlchemyError:
            return False
        return True

    def _close(self) -> None:
        connection, self._connection = self._connection, None
        if connection is not None:
            try:
                connection.close()
            except SQLAlchemyError:
                logger.debug("closing the lost scheduler-lock connection failed")
