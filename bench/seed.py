"""Seeding large archives quickly: synthetic documents, revisions, topic memberships and captures in bulk.

Rows are built as plain tuples and written with the fastest bulk path of each
database: PostgreSQL's COPY through psycopg, and SQLite's executemany on the
raw DB-API connection (values converted the way the models store them: naive
UTC datetimes as text, JSON as text). Going around the ORM's per-row type
processing is what makes 500,000 documents take seconds rather than minutes;
the resulting rows are read back through the normal storage code by every
benchmark.
"""

from __future__ import annotations

import hashlib
import json
import random
import uuid
import zlib
from collections.abc import Sequence
from datetime import UTC, datetime, timedelta
from functools import lru_cache
from typing import Any

from sqlalchemy import text

from warta.storage.database import Database
from warta.storage.fingerprints import content_hash
from warta.storage.models import Base
from warta.storage.sources import ensure_source

BATCH = 10_000
EPOCH = datetime(2025, 1, 1, tzinfo=UTC)
WORDS = (
    "jakarta budaya festival museum betawi kota global seni pertunjukan warga pameran sejarah kampung "
    "gedung kesenian ondel tari musik teater film galeri warisan cagar pusat taman ismail marzuki"
).split()

DOCUMENT_COLUMNS = (
    "id",
    "uid",
    "canonical_url",
    "url",
    "source_id",
    "status",
    "first_seen",
    "last_seen",
    "updated_at",
    "changed_at",
    "current_revision",
    "content_hash",
    "cluster_id",
)
REVISION_COLUMNS = (
    "id",
    "document_id",
    "number",
    "fetched_at",
    "url",
    "title",
    "published",
    "language",
    "text",
    "html",
    "content_hash",
    "metadata",
    "capture_id",
)
MEMBERSHIP_COLUMNS = ("topic_id", "document_id", "matched_at")
BLOB_COLUMNS = ("sha256", "size", "compression", "data")
CAPTURE_COLUMNS = (
    "id",
    "url",
    "method",
    "status",
    "reason",
    "http_version",
    "request_headers",
    "response_headers",
    "fetched_at",
    "body_sha256",
    "body_size",
    "source_id",
    "document_id",
)


def synthetic_text(rng: random.Random, words: int = 60) -> str:
    """Return a pseudo-Indonesian paragraph of `words` words."""
    return " ".join(rng.choices(WORDS, k=words)) + "."


def seed_documents(
    database: Database,
    count: int,
    source_id: str = "seed",
    seed: int = 7,
    topics: Sequence[str] = (),
    with_captures: bool = False,
) -> None:
    """Insert `count` documents with one revision each, in batches, as fast as the database allows.

    With `topics`, document n belongs to topic i when n is divisible by i + 2 (so
    the first topic holds half the archive, the next a third, ...). With
    `with_captures`, each revision comes from a stored capture of its page.
    """
    rng = random.Random(seed)
    with database.transaction() as session:
        ensure_source(session, source_id, "Seeded source", "listing")
    for start in range(1, count + 1, BATCH):
        numbers = range(start, min(start + BATCH, count + 1))
        tables: dict[str, tuple[Sequence[str], list[tuple[Any, ...]]]] = {
            "documents": (DOCUMENT_COLUMNS, []),
            "blobs": (BLOB_COLUMNS, []),
            "captures": (CAPTURE_COLUMNS, []),
            "revisions": (REVISION_COLUMNS, []),
            "topic_memberships": (MEMBERSHIP_COLUMNS, []),
        }
        for number in numbers:
            _add_rows(tables, rng, number, source_id, topics, with_captures)
        with database.transaction() as session:
            raw = session.connection().connection.driver_connection
            for table, (columns, rows) in tables.items():
                if rows:
                    _bulk_insert(raw, database.is_sqlite, table, columns, rows)
    _reset_sequences(database)


def _add_rows(
    tables: dict[str, tuple[Sequence[str], list[tuple[Any, ...]]]],
    rng: random.Random,
    number: int,
    source_id: str,
    topics: Sequence[str],
    with_captures: bool,
) -> None:
    """Append the rows of document `number` to `tables`."""
    url = f"https://seed.example/berita/{number}"
    title = f"Berita budaya nomor {number}"
    body_text = synthetic_text(rng)
    at = EPOCH + timedelta(minutes=number)
    digest = content_hash(title, body_text)
    tables["documents"][1].append(
        (
            number,
            str(uuid.UUID(int=rng.getrandbits(128), version=4)),
            url,
            url,
            source_id,
            "active",
            at,
            at,
            at,
            at,
            1,
            digest,
            number,
        )
    )
    capture_id = None
    if with_captures:
        body = f"<html><head><title>{title}</title></head><body><p>{body_text}</p></body></html>".encode()
        sha = hashlib.sha256(body).hexdigest()
        tables["blobs"][1].append((sha, len(body), "zlib", zlib.compress(body, 6)))
        headers = [["Content-Type", "text/html; charset=utf-8"], ["Content-Length", str(len(body))]]
        tables["captures"][1].append(
            (
                number,
                url,
                "GET",
                200,
                "OK",
                "HTTP/1.1",
                [["User-Agent", "warta-bench"]],
                headers,
                at,
                sha,
                len(body),
                source_id,
                number,
            )
        )
        capture_id = number
    tables["revisions"][1].append(
        (
            number,
            number,
            1,
            at,
            url,
            title,
            at,
            "id",
            body_text,
            f"<p>{body_text}</p>",
            digest,
            {},
            capture_id,
        )
    )
    for index, topic in enumerate(topics):
        if number % (index + 2) == 0:
            tables["topic_memberships"][1].append((topic, number, at))


def _bulk_insert(raw: Any, is_sqlite: bool, table: str, columns: Sequence[str], rows: list[tuple[Any, ...]]) -> None:
    """Insert rows through the driver's fastest path (executemany on SQLite, COPY on PostgreSQL)."""
    names = ", ".join(f'"{column}"' for column in columns)
    if is_sqlite:
        marks = ", ".join("?" for _ in columns)
        raw.executemany(f"INSERT INTO {table} ({names}) VALUES ({marks})", [_sqlite_row(row) for row in rows])
        return
    with raw.cursor() as cursor, cursor.copy(f"COPY {table} ({names}) FROM STDIN") as copy:
        for row in rows:
            copy.write_row(tuple(json.dumps(value) if isinstance(value, dict | list) else value for value in row))


def _sqlite_row(row: tuple[Any, ...]) -> tuple[Any, ...]:
    """Return the row as storage.types.UTCDateTime and JSON columns store it on SQLite."""
    return tuple(
        _sqlite_datetime(value)
        if isinstance(value, datetime)
        else json.dumps(value)
        if isinstance(value, dict | list)
        else value
        for value in row
    )


@lru_cache(maxsize=4096)
def _sqlite_datetime(value: datetime) -> str:
    """Return an aware datetime in SQLAlchemy's SQLite storage format (naive UTC with microseconds)."""
    return value.astimezone(UTC).strftime("%Y-%m-%d %H:%M:%S.%f")


def _reset_sequences(database: Database) -> None:
    """Move PostgreSQL's id sequences past the explicitly inserted ids, and gather planner statistics."""
    if database.is_sqlite:
        return
    with database.transaction() as session:
        for table in ("documents", "revisions", "captures"):
            session.execute(
                text(
                    f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), "
                    f"(SELECT coalesce(max(id), 0) + 1 FROM {table}), false)"
                )
            )
        # A live archive grows slowly and autovacuum keeps its statistics current; right after a bulk
        # COPY there are none, and the planner's guesses made feed queries several times slower.
        for model_table in Base.metadata.sorted_tables:
            session.execute(text(f'ANALYZE "{model_table.name}"'))
