"""Scratch databases for benchmarks: SQLite files in a temporary folder, PostgreSQL schemas."""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from sqlalchemy import create_engine, text

from warta.storage.database import Database

POSTGRES_URL_VARIABLE = "WARTA_BENCH_POSTGRES_URL"
DEFAULT_POSTGRES_URL = "postgresql+psycopg://postgres@127.0.0.1:5432/test"


def postgres_url() -> str | None:
    """Return the PostgreSQL URL to benchmark against, or None when no server answers."""
    url = os.environ.get(POSTGRES_URL_VARIABLE) or os.environ.get("WARTA_TEST_POSTGRES_URL") or DEFAULT_POSTGRES_URL
    try:
        engine = create_engine(url, connect_args={"connect_timeout": 3})
        with engine.connect() as connection:
            connection.execute(text("SELECT 1"))
        engine.dispose()
    except Exception:
        return None
    return url


@contextmanager
def scratch_database(backend: str, folder: Path, name: str) -> Iterator[Database]:
    """Yield an empty database at the current schema, removed afterwards."""
    if backend == "sqlite":
        database = Database(f"sqlite:///{folder / (name + '.db')}")
        database.ensure_schema()
        try:
            yield database
        finally:
            database.dispose()
        return
    base = postgres_url()
    if base is None:
        raise RuntimeError("PostgreSQL is not reachable")
    schema = f"warta_bench_{name}_{uuid.uuid4().hex[:8]}"
    admin = create_engine(base, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(f'CREATE SCHEMA "{schema}"'))
    separator = "&" if "?" in base else "?"
    database = Database(f"{base}{separator}options=-csearch_path%3D{schema}")
    try:
        database.ensure_schema()
        yield database
    finally:
        database.dispose()
        with admin.connect() as connection:
            connection.execute(text(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE'))
        admin.dispose()
