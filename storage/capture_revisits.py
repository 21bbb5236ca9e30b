"""Which captures repeat an earlier one: a 304, or a 200 whose body is the last 200's of the same URL.

A WARC export writes such a capture as a `revisit` record that refers to the
capture holding the body (WARC 1.1, 6.7.2): profile `server-not-modified` for a
304, `identical-payload-digest` for an unchanged 200. The capture referred to is
the first of the run of identical bodies the repeat belongs to, so a chain of
unchanged recrawls refers to the one capture written in full. Nothing is stored
for this: it follows from the captures' URLs, statuses, bodies and order (ids),
so a restored archive finds the same references.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import ColumnElement, func, or_, select
from sqlalchemy.orm import Session, aliased

from warta.storage.captures import RENDER_METHOD
from warta.storage.database import in_chunks
from warta.storage.models import Capture

SERVER_NOT_MODIFIED = "server-not-modified"
IDENTICAL_PAYLOAD_DIGEST = "identical-payload-digest"


@dataclass(frozen=True)
class CaptureHead:
    """What deciding a revisit needs of a capture: id, URL, status and body digest."""

    id: int
    url: str
    status: int
    body_sha256: str | None


@dataclass(frozen=True)
class RevisitOf:
    """The capture a repeat refers to: its id, URL and exchange time, and the revisit profile."""

    profile: str
    capture_id: int
    url: str
    fetched_at: datetime
    body_sha256: str  # the body the repeat stands for


def _is_full_response(capture: type[Capture]) -> list[ColumnElement[bool]]:
    return [capture.status == 200, capture.body_sha256.is_not(None), capture.method != RENDER_METHOD]


def revisit_references(session: Session, captures: Sequence[CaptureHead]) -> dict[int, RevisitOf]:
    """Return, by capture id, the capture each repeat refers to (captures that repeat nothing are left out)."""
    candidates = [c for c in captures if c.status == 304 or (c.status == 200 and c.body_sha256)]
    if not candidates:
        return {}
    previous = _previous_full_responses(session, [c.id for c in candidates])
    repeats: dict[int, tuple[str, int]] = {}
    for capture in candidates:
        found = previous.get(capture.id)
        if found is None:
            continue
        previous_id, previous_digest = found
        if capture.status == 304:
            repeats[capture.id] = (SERVER_NOT_MODIFIED, previous_id)
        elif previous_digest == capture.body_sha256:
            repeats[capture.id] = (IDENTICAL_PAYLOAD_DIGEST, previous_id)
    originals = _first_of_runs(session, sorted({previous_id for _, previous_id in repeats.values()}))
    return {
        capture_id: RevisitOf(profile, *originals[previous_id])
        for capture_id, (profile, previous_id) in repeats.items()
    }


def _previous_full_responses(session: Session, capture_ids: list[int]) -> dict[int, tuple[int, str]]:
    """Return, by capture id, the id and body digest of the last earlier 200 with a body at the same URL."""
    earlier = aliased(Capture)
    previous_id = (
        select(func.max(earlier.id))
        .where(earlier.url == Capture.url, earlier.id < Capture.id, *_is_full_response(earlier))
        .scalar_subquery()
    )
    result: dict[int, tuple[int, str]] = {}
    for chunk in in_chunks(capture_ids):
        pairs: dict[int, int | None] = dict(
            session.execute(select(Capture.id, previous_id).where(Capture.id.in_(chunk))).all()
        )
        found = {pid for pid in pairs.values() if pid is not None}
        rows = session.execute(select(Capture.id, Capture.body_sha256).where(Capture.id.in_(found)))
        digests = {capture_id: digest or "" for capture_id, digest in rows}
        result.update({cid: (pid, digests[pid]) for cid, pid in pairs.items() if pid is not None})
    return result


def _first_of_runs(session: Session, capture_ids: list[int]) -> dict[int, tuple[int, str, datetime, str]]:
    """Return, by capture id, the first capture of its run of identical 200 bodies at its URL (id, URL, time)."""
    last = aliased(Capture)
    other = aliased(Capture)
    same = aliased(Capture)
    run_start = (
        select(func.coalesce(func.max(other.id), 0))
        .where(
            other.url == last.url,
            other.id < last.id,
            other.status == 200,
            other.method != RENDER_METHOD,
            or_(other.body_sha256.is_(None), other.body_sha256 != last.body_sha256),
        )
        .correlate(last)  # two levels down: named, or SQLAlchemy would join `last` in afresh
        .scalar_subquery()
    )
    first_id = (
        select(func.min(same.id))
        .where(same.url == last.url, same.body_sha256 == last.body_sha256, same.status == 200)
        .where(same.method != RENDER_METHOD)
        .where(same.id <= last.id, same.id > run_start)
        .correlate(last)
        .scalar_subquery()
    )
    result: dict[int, tuple[int, str, datetime, str]] = {}
    for chunk in in_chunks(capture_ids):
        firsts: dict[int, int] = dict(session.execute(select(last.id, first_id).where(last.id.in_(chunk))).all())
        heads = {
            row.id: (row.id, row.url, row.fetched_at, row.body_sha256 or "")
            for row in session.execute(
                select(Capture.id, Capture.url, Capture.fetched_at, Capture.body_sha256).where(
                    Capture.id.in_(set(firsts.values()))
                )
            )
        }
        result.update({capture_id: heads[first] for capture_id, first in firsts.items()})
    return result
