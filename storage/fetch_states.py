"""Validators of the last fetch of each URL (ETag, Last-Modified), for conditional requests."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy.orm import Session

from storage.models import FetchState


def get_fetch_state(session: Session, url: str) -> FetchState | None:
    """Return what the last fetch of `url` recorded, or None if it was never fetched."""
    return session.get(FetchState, url)


def save_fetch_state(
    session: Session, url: str, status: int, fetched_at: datetime, etag: str | None, last_modified: str | None
) -> None:
    """Remember the validators of a fetch of `url`; a 304 keeps the previous validators it lacks."""
    state = session.get(FetchState, url, with_for_update=True)
    if state is None:
        session.add(FetchState(url=url, status=status, fetched_at=fetched_at, etag=etag, last_modified=last_modified))
        session.flush()
        return
    state.status, state.fetched_at = status, fetched_at
    if etag is not None or status != 304:
        state.etag = etag
    if last_modified is not None or status != 304:
        state.last_modified = last_modified
