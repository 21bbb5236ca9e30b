"""The queue of revisions awaiting topic matching: filled as revisions are recorded, drained by the feed build.

Recording a revision (storage.revisions.record_page, storage.imports) adds its
id here in the same transaction, and storage.memberships removes it in the
transaction that stores its match. So every revision is matched once, however
concurrent crawls interleave their commits: a mark of the highest revision id
matched could not tell a revision committed late with a lower id from one
already matched. The queue holds ids only and is empty once everything is matched.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from warta.storage.database import in_chunks
from warta.storage.models import PendingMatch


def enqueue_revisions(session: Session, revision_ids: Iterable[int]) -> None:
    """Put newly recorded revisions in the queue, in the caller's transaction."""
    rows = [{"revision_id": revision_id} for revision_id in revision_ids]
    if rows:
        session.execute(PendingMatch.__table__.insert(), rows)  # type: ignore[attr-defined]


def claim_pending(session: Session, limit: int) -> list[int]:
    """Return up to `limit` queued revision ids, oldest first, locked until the transaction ends.

    Rows another build has claimed are skipped (PostgreSQL), so two builds never
    match the same revision; SQLite's write transactions run one at a time anyway.
    """
    statement = (
        select(PendingMatch.revision_id)
        .order_by(PendingMatch.revision_id)
        .limit(limit)
        .with_for_update(skip_locked=True)
    )
    return list(session.scalars(statement))


def discard_pending(session: Session, revision_ids: Sequence[int]) -> None:
    """Take these revisions out of the queue: they were matched, or superseded by a newer revision."""
    for chunk in in_chunks(revision_ids):
        session.execute(delete(PendingMatch).where(PendingMatch.revision_id.in_(chunk)))


def clear_pending(session: Session) -> None:
    """Empty the queue: a rematch of the whole archive is about to match every current revision."""
    session.execute(delete(PendingMatch))
