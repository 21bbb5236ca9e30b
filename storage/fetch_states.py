"""Validators of the last fetch of each URL (ETag, Last-Modified), for conditional requests."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from storage.models import FetchState
from storage.upserts import upsert


def get_fetch_state(session: Session, url: str) -> FetchState | None:
    """Return what the last fetch of `url` recorded, or None if it was never fetched."""
    return session.get(FetchState, url)


Validators = tuple[str | None, str | None, datetime | None]
_URLS_PER_QUERY = 500


def validators_of(session: Session, urls: Sequence[str]) -> dict[str, Validators]:
    """Return (ETag, Last-Modified, fetched at) of every URL among `urls` that was fetched before."""
    found: dict[str, Validators] = {}
    for start in range(0, len(urls), _URLS_PER_QUERY):
        chunk = urls[start : start + _URLS_PER_QUERY]
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
    replaced = ["status", "fetched_at"]
    if etag is not None or status != 304:
        replaced.append("etag")
    if last_modified is not None or status != 304:
        replaced.append("last_modified")
    values = {"url": url, "status": status, "fetched_at": fetched_at, "etag": etag, "last_modified": last_modified}
    # one statement per fetch (it runs for every page a crawl fetches); the database settles concurrent writers
    upsert(session, FetchState.__table__, values, ["url"], replaced)  # type: ignore[arg-type]
