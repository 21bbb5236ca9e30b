"""Errors raised by the storage layer.

StorageError            the database could not do what was asked (base class).
DatabaseUnavailableError  the database cannot be reached or opened.
SchemaOutdatedError     the database's schema is older (or newer) than this code;
                        `warta db upgrade` fixes the older case.
SearchQueryError        a search query cannot be run as given (too long, no words,
                        a bad page or date range); the message says what to change.
"""

from __future__ import annotations


class StorageError(Exception):
    """The archive database could not complete an operation."""


class DatabaseUnavailableError(StorageError):
    """The database cannot be reached or opened (server down, bad path, no permission)."""


class SchemaOutdatedError(StorageError):
    """The database's schema revision differs from the one this version of warta expects."""


class SearchQueryError(StorageError):
    """A search query cannot be run as given; the message tells the reader what to change."""
