"""Bringing topic memberships up to date: the one place documents are matched to topics.

Crawls only record pages, queueing each new revision (storage.pending_matches);
the feed build (and a preview) calls `bring_memberships_up_to_date`, which
drains the queue, matching each queued revision that is still its document's
current one exactly once, with the build's own topic definitions, so a crawl
run with other topics never leaves memberships that disagree with the stored
fingerprint. A revision superseded before the build is not matched at all.

The topics' fingerprint (storage.topics.TopicMatcher.fingerprint) is kept in the
state table; when the config's topics no longer match it, every document is
matched again. The archive is walked in batches of documents, each batch in its
own short write transaction, so memory stays flat on 100k+ documents and
crawls are not blocked for long. The fingerprint is stored only after the last
batch: an interrupted rematch is simply redone on the next build.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import and_, delete, select
from sqlalchemy.orm import Session

from warta.storage.database import Database
from warta.storage.models import Document, Revision, TopicMembership
from warta.storage.pending_matches import claim_pending, clear_pending, discard_pending
from warta.storage.state import get_state, set_state
from warta.storage.topics import TopicMatcher, replace_memberships

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


def bring_memberships_up_to_date(
    database: Database, matcher: TopicMatcher, force: bool = False
) -> RematchReport | None:
    """Rematch the archive when the topics changed (or when forced), else match what was recorded since.

    Return the rematch's report, or None when only new revisions were matched.
    """
    rematched = rematch_if_needed(database, matcher, force=force)
    if rematched is None:
        catch_up_memberships(database, matcher)
    return rematched


def catch_up_memberships(database: Database, matcher: TopicMatcher, batch_size: int = REMATCH_BATCH_SIZE) -> int:
    """Match the queued revisions that are their documents' current ones; return how many were matched.

    Crawls do not match; this does, once per queued revision: a batch's match
    and its removal from the queue are one transaction. It costs nothing when
    the queue is empty.
    """
    documents = 0
    while True:
        with database.transaction() as session:
            revision_ids = claim_pending(session, batch_size)
            if not revision_ids:
                break
            rows = _current_revisions_among(session, revision_ids)
            matches = {
                row.document_id: (matcher.match(row.title, row.text, row.source_id, row.language), row.updated_at)
                for row in rows
            }
            replace_memberships(session, matches)
            discard_pending(session, revision_ids)
        documents += len(rows)
    if documents:
        logger.debug("matched %d recently recorded documents against the topics", documents)
    return documents


def rematch_archive(database: Database, matcher: TopicMatcher, batch_size: int = REMATCH_BATCH_SIZE) -> RematchReport:
    """Match every document with a revision against the topics again, batch by batch; return the counts."""
    with database.transaction() as session:
        stale = delete(TopicMembership)
        if matcher.topic_ids:
            stale = stale.where(TopicMembership.topic_id.not_in(matcher.topic_ids))
        session.execute(stale)
        # the walk below reads every document's current revision from now on; what is recorded
        # during the walk is queued anew and matched by the next build
        clear_pending(session)
    documents = memberships = 0
    after_id = 0
    while True:
        with database.transaction() as session:
            rows = _current_revisions(session, after_id, batch_size)
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


def _current_revisions_among(session: Session, revision_ids: Sequence[int]) -> list[Any]:
    """Return those of `revision_ids` that are their documents' current revisions, with their documents."""
    statement = (
        select(
            Document.id.label("document_id"),
            Document.source_id,
            Document.updated_at,
            Revision.title,
            Revision.text,
            Revision.language,
        )
        .join(Document, and_(Document.id == Revision.document_id, Document.current_revision == Revision.number))
        .where(Revision.id.in_(revision_ids))
        .order_by(Revision.id)
    )
    return list(session.execute(statement).all())


def _current_revisions(session: Session, after_id: int, limit: int) -> list[Any]:
    """Return the next `limit` documents after `after_id` with their current revision's content."""
    statement = (
        select(Document.id, Document.source_id, Document.updated_at, Revision.title, Revision.text, Revision.language)
        .join(Revision, and_(Revision.document_id == Document.id, Revision.number == Document.current_revision))
        .where(Document.id > after_id, Document.current_revision > 0)
        .order_by(Document.id)
        .limit(limit)
    )
    return list(session.execute(statement).all())
