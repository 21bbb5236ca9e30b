"""Recomputing topic memberships for the whole archive when the topic definitions change.

The topics' fingerprint (storage.topics.TopicMatcher.fingerprint) is kept in the
state table; when the config's topics no longer match it, every document is
matched again. The archive is walked in batches of documents, each batch in its
own short write transaction, so memory stays flat on 100k+ documents and
crawls are not blocked for long. The fingerprint is stored only after the last
batch: an interrupted rematch is simply redone on the next build.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import and_, delete, select

from storage.database import Database
from storage.models import Document, Revision, TopicMembership
from storage.state import get_state, set_state
from storage.topics import TopicMatcher, replace_memberships

logger = logging.getLogger(__name__)

FINGERPRINT_KEY = "topics.fingerprint"
REMATCH_BATCH_SIZE = 500


@dataclass(frozen=True)
class RematchReport:
    """What a rematch did: documents matched again and memberships now stored."""

    documents: int
    memberships: int


def topics_are_current(database: Database, matcher: TopicMatcher) -> bool:
    """Return True when the stored memberships were computed with this matcher's topic definitions."""
    with database.reading() as session:
        return get_state(session, FINGERPRINT_KEY) == matcher.fingerprint


def rematch_if_needed(database: Database, matcher: TopicMatcher, force: bool = False) -> RematchReport | None:
    """Rematch the archive when the topics changed (or when forced); return the report, or None if skipped."""
    if not force and topics_are_current(database, matcher):
        return None
    logger.info("topic definitions changed (or --rematch given): matching every document again")
    return rematch_archive(database, matcher)


def rematch_archive(database: Database, matcher: TopicMatcher, batch_size: int = REMATCH_BATCH_SIZE) -> RematchReport:
    """Match every document with a revision against the topics again, batch by batch; return the counts."""
    with database.transaction() as session:
        stale = delete(TopicMembership)
        if matcher.topic_ids:
            stale = stale.where(TopicMembership.topic_id.not_in(matcher.topic_ids))
        session.execute(stale)
    documents = memberships = 0
    after_id = 0
    while True:
        with database.transaction() as session:
            rows = session.execute(_current_revisions(after_id, batch_size)).all()
            if not rows:
                break
            matches: dict[int, tuple[list[str], datetime]] = {}
            for document_id, source_id, updated_at, title, text, language in rows:
                topic_ids = matcher.match(title, text, source_id, language)
                matches[document_id] = (topic_ids, updated_at)
                memberships += len(topic_ids)
            replace_memberships(session, matches)
        documents += len(rows)
        after_id = rows[-1][0]
        logger.debug("rematched %d documents so far", documents)
    with database.transaction() as session:
        set_state(session, FINGERPRINT_KEY, matcher.fingerprint)
    logger.info("rematched %d documents: %d topic memberships", documents, memberships)
    return RematchReport(documents, memberships)


def _current_revisions(after_id: int, limit: int):  # type: ignore[no-untyped-def]
    """Return the query of the next `limit` documents after `after_id` with their current revision's content."""
    return (
        select(Document.id, Document.source_id, Document.updated_at, Revision.title, Revision.text, Revision.language)
        .join(Revision, and_(Revision.document_id == Document.id, Revision.number == Document.current_revision))
        .where(Document.id > after_id, Document.current_revision > 0)
        .order_by(Document.id)
        .limit(limit)
    )
