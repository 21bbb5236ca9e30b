"""Validators of the last fetch of each URL (ETag, Last-Modified), for conditional requests."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from warta.storage.database import in_chunks
from warta.storage.models import FetchState
from warta.storage.upserts import dialect_insert, upsert


def get_fetch_state(session: Session, url: str) -> FetchState | None:
    """Return what the last fetch of `url` recorded, or None if it was never fetched."""
    return session.get(FetchState, url)


Validators = tuple[str | None, str | None, datetime | None]


def validators_of(session: Session, urls: Sequence[str]) -> dict[str, Validators]:
    """Return (ETag, Last-Modified, fetched at) of every URL among `urls` that was fetched before."""
    found: dict[str, Validators] = {}
    for chunk in in_chunks(urls):
        rows = session.execute(
            select(FetchState.url, FetchState.etag, FetchState.last_modified, FetchState.fetched_at).where(
                FetchState.url.in_(chunk)
            )
        )
        found.update({url: (etag, last_modified, fetched_at) for url, etag, last_modified, fetched_at in rows})
    return found


def save_fetch_state(
    session: Session, url: str, status: int, fetched_at: datetime, etag: str | None, last_modified: str | None
) -> None:
    """Remember the validators of a fetch of `url`; a 304 keeps the previous validators it lacks."""
    if status == 304:
        save_not_modified_states(session, [(url, fetched_at, etag, last_modified)])
        return
    values = {"url": url, "status": status, "fetched_at": fetched_at, "etag": etag, "last_modified": last_modified}
    # one statement per fetch (it runs for every page a crawl fetches); the database settles concurrent writers
    upsert(session, FetchState.__table__, values, ["url"], ["status", "fetched_at", "etag", "last_modified"])  # type: ignore[arg-type]


def save_not_modified_states(session: Session, states: Sequence[tuple[str, datetime, str | None, str | None]]) -> None:
    """Remember many 304s at once: (url, fetched at, ETag, Last-Modified); each keeps the validators it lacks."""
    if not states:
        return
    table: Any = FetchState.__table__
    statement = dialect_insert(session, table)
    statement = statement.on_conflict_do_update(
        index_elements=["url"],
        set_={
            "status": statement.excluded.status,
            "fetched_at": statement.excluded.fetched_at,
            "etag": func.coalesce(statement.excluded.etag, table.c.etag),
            "last_modified": func.coalesce(statement.excluded.last_modified, table.c.last_modified),
        },
    )
    # one row per URL: PostgreSQL refuses to update a row twice in one statement
    latest = {url: (at, etag, last_modified) for url, at, etag, last_modified in states}
    rows = [
        {"url": url, "status": 304, "fetched_at": at, "etag": etag, "last_modified": last_modified}
        for url, (at, etag, last_modified) in latest.items()
    ]
    session.execute(statement, rows)
