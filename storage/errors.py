"""Errors raised by the storage layer.

StorageError            the database could not do what was asked (base class).
DatabaseUnavailableError  the database cannot be reached or opened.
DatabaseMissingError    there is no archive at [storage] url (no SQLite file, or no tables) and the
                        command only reads; `warta db upgrade` creates one.
SchemaOutdatedError     the database's schema is older (or newer) than this code;
                        `warta db upgrade` fixes the older case.
SearchQueryError        a search query cannot be run as given (too long, no words,
                        a bad page or date range); the message says what to change.

All are WartaErrors (warta.config.errors). `database_errors` is where a
SQLAlchemy error becomes one of these, with the driver's reason in its message.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from sqlalchemy.exc import OperationalError, SQLAlchemyError

from warta.config.errors import WartaError
from warta.config.secrets import mask_url


class StorageError(WartaError):
    """Raised when the archive database could not complete an operation."""


class DatabaseUnavailableError(StorageError):
    """Raised when the database cannot be reached or opened (server down, bad path, no permission)."""


class SchemaOutdatedError(StorageError):
    """Raised when the database's schema revision differs from the one this version of warta expects."""


class DatabaseMissingError(StorageError):
    """Raised when a command that only reads finds no archive at [storage] url: no SQLite file, or no warta tables."""


class SearchQueryError(StorageError):
    """Raised when a search query cannot be run as given; the message tells the reader what to change."""


def failure_reason(exc: SQLAlchemyError) -> str:
    """Return the first line of what the database driver said, passwords masked, without the SQL."""
    original = getattr(exc, "orig", None) or exc
    text = str(original).strip()
    return mask_url(text.splitlines()[0] if text else type(original).__name__)


@contextmanager
def database_errors(
    doing: str,
    error: type[WartaError] = StorageError,
    *,
    advice: str = "",
    unreachable: type[WartaError] | None = None,
) -> Iterator[None]:
    """Turn a SQLAlchemy error inside the block into `error`: "<doing>: <driver's reason>[; <advice>]".

    With `unreachable`, an OperationalError (the database cannot be reached or
    opened) becomes that class instead. This is the one place where a database
    library error becomes one of our messages.
    """
    try:
        yield
    except SQLAlchemyError as exc:
        message = f"{doing}: {failure_reason(exc)}" + (f"; {advice}" if advice else "")
        if unreachable is not None and isinstance(exc, OperationalError):
            raise unreachable(message) from exc
        raise error(message) from exc
