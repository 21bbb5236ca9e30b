"""Writing imported documents: add what is missing, report what disagrees, never overwrite.

A document is matched by its uid; its canonical URL must agree. A revision is
matched by its number; its content hash must agree. Anything that disagrees
with what is stored is a conflict: the document is skipped whole and the
conflict described, so an import can never silently merge two histories or
lose a stored revision. Missing revisions, topics and aliases are added, which
makes a second import of the same file change nothing.
"""

from __future__ import annotations

import enum
from collections.abc import Mapping
from dataclasses import dataclass, field

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from warta.storage.clusters import store_band_keys
from warta.storage.dedup import band_keys
from warta.storage.document_records import DocumentRecord
from warta.storage.fingerprints import content_hash
from warta.storage.models import Document, Revision, Source, TopicMembership, UrlAlias
from warta.storage.pending_matches import enqueue_revisions
from warta.storage.revisions import find_document
from warta.storage.search_index import index_document
from warta.storage.shingling import shingles
from warta.storage.types import utcnow
from warta.storage.upserts import insert_ignoring_conflict


class ImportOutcome(enum.StrEnum):
    """What importing one document did."""

    NEW = "new"
    UPDATED = "updated"
    UNCHANGED = "unchanged"
    CONFLICT = "conflict"


@dataclass
class DocumentImport:
    """The result of importing one document."""

    outcome: ImportOutcome
    revisions_added: int = 0
    conflicts: list[str] = field(default_factory=list)
    cluster_resolved: bool = True


def import_document(
    session: Session, incoming: DocumentRecord, source_names: Mapping[str, tuple[str, str]]
) -> DocumentImport:
    """Add the document's missing parts to the archive, or report why it conflicts with it."""
    problems = _integrity_problems(incoming)
    if problems:
        return DocumentImport(ImportOutcome.CONFLICT, conflicts=problems)
    document = session.execute(
        select(Document).where(Document.uid == incoming.uid).with_for_update()
    ).scalar_one_or_none()
    if document is None:
        holder = find_document(session, incoming.canonical_url)
        if holder is not None:
            return DocumentImport(
                ImportOutcome.CONFLICT,
                conflicts=[
                    f"{incoming.canonical_url}: stored as document {holder.uid}, "
                    f"but the import has it as document {incoming.uid}"
                ],
            )
        _ensure_source(session, incoming.source_id, source_names)
        document = _insert_document(session, incoming)
        added = _add_revisions(session, document, incoming, {})
        index_document(session.connection(), document.id)
        _, alias_conflicts = _add_topics_and_aliases(session, document, incoming)
        resolved = _resolve_cluster(session, document, incoming.cluster_uid)
        return DocumentImport(ImportOutcome.NEW, added, alias_conflicts, resolved)
    move_conflict = _follow_move(session, document, incoming)
    if move_conflict:
        return DocumentImport(ImportOutcome.CONFLICT, conflicts=[move_conflict])
    if document.canonical_url != incoming.canonical_url and incoming.canonical_url not in _aliases(session, document):
        return DocumentImport(
            ImportOutcome.CONFLICT,
            conflicts=[
                f"document {incoming.uid}: stored at {document.canonical_url}, "
                f"but the import has it at {incoming.canonical_url}"
            ],
        )
    stored = {
        revision.number: revision.content_hash
        for revision in session.execute(select(Revision).where(Revision.document_id == document.id)).scalars()
    }
    conflicts = [
        f"document {incoming.uid} revision {revision.number}: stored content hash {stored[revision.number][:12]}, "
        f"imported {revision.content_hash[:12]}"
        for revision in incoming.revisions
        if revision.number in stored and stored[revision.number] != revision.content_hash
    ]
    if conflicts:
        return DocumentImport(ImportOutcome.CONFLICT, conflicts=conflicts)
    added = _add_revisions(session, document, incoming, stored)
    if added:
        index_document(session.connection(), document.id)
    extras_added, alias_conflicts = _add_topics_and_aliases(session, document, incoming)
    seen_changed = _widen_seen(document, incoming)
    outcome = ImportOutcome.UPDATED if added or seen_changed or extras_added else ImportOutcome.UNCHANGED
    return DocumentImport(outcome, added, alias_conflicts)


def _aliases(session: Session, document: Document) -> set[str]:
    return set(session.scalars(select(UrlAlias.url).where(UrlAlias.document_id == document.id)))


def _follow_move(session: Session, document: Document, incoming: DocumentRecord) -> str | None:
    """Move the document to the imported canonical URL when the import is a later state that moved it.

    A later state names the stored URL among its aliases and changed after the stored one.
    Return a conflict when another document holds the new URL.
    """
    is_later = incoming.changed_at is not None and (
        document.changed_at is None or incoming.changed_at > document.changed_at
    )
    if document.canonical_url == incoming.canonical_url or not is_later:
        return None
    if document.canonical_url not in incoming.aliases:
        return None
    holder = find_document(session, incoming.canonical_url)
    if holder is not None and holder.id != document.id:
        return f"document {incoming.uid} moved to {incoming.canonical_url}, which is stored as document {holder.uid}"
    session.execute(delete(UrlAlias).where(UrlAlias.url == incoming.canonical_url))
    insert_ignoring_conflict(
        session,
        UrlAlias.__table__,  # type: ignore[arg-type]
        {"url": document.canonical_url, "document_id": document.id},
        ["url"],
    )
    document.canonical_url = incoming.canonical_url
    session.flush()
    return None


def resolve_cluster(session: Session, uid: str, cluster_uid: str) -> bool:
    """Point the document `uid` at the cluster of document `cluster_uid`; return False if that is unknown."""
    document = session.execute(select(Document).where(Document.uid == uid)).scalar_one_or_none()
    return document is not None and _resolve_cluster(session, document, cluster_uid)


def _integrity_problems(incoming: DocumentRecord) -> list[str]:
    problems: list[str] = []
    numbers = [revision.number for revision in incoming.revisions]
    if not numbers:
        problems.append(f"document {incoming.uid}: the import holds no revision of it")
    if len(set(numbers)) != len(numbers):
        problems.append(f"document {incoming.uid}: the import repeats a revision number")
    for revision in incoming.revisions:
        if content_hash(revision.title, revision.text) != revision.content_hash:
            problems.append(
                f"document {incoming.uid} revision {revision.number}: content hash does not match its "
                "title and text (the file was altered or damaged)"
            )
    return problems


def _ensure_source(session: Session, source_id: str, source_names: Mapping[str, tuple[str, str]]) -> None:
    name, kind = source_names.get(source_id, (source_id, "page"))
    values = {"id": source_id, "name": name, "kind": kind, "created_at": utcnow(), "health": "unknown"}
    insert_ignoring_conflict(session, Source.__table__, {**values, "health_reason": ""}, ["id"])  # type: ignore[arg-type]


def _insert_document(session: Session, incoming: DocumentRecord) -> Document:
    latest = max(incoming.revisions, key=lambda revision: revision.number)
    document = Document(
        uid=incoming.uid,
        canonical_url=incoming.canonical_url,
        url=incoming.url,
        source_id=incoming.source_id,
        status=incoming.status,
        first_seen=incoming.first_seen,
        last_seen=incoming.last_seen,
        gone_at=incoming.gone_at,
        updated_at=incoming.updated_at or latest.fetched_at,
        changed_at=incoming.changed_at or incoming.updated_at or latest.fetched_at,
        current_revision=latest.number,
        content_hash=latest.content_hash,
    )
    session.add(document)
    session.flush()
    # its cluster comes with it; its keys let later copies find it
    store_band_keys(session, document.id, band_keys(shingles(latest.text)), replace=False)
    return document


def _add_revisions(session: Session, document: Document, incoming: DocumentRecord, stored: Mapping[int, str]) -> int:
    """Insert the revisions the archive lacks and queue them for matching; move the document forward if newer."""
    added: list[Revision] = []
    for revision in sorted(incoming.revisions, key=lambda item: item.number):
        if revision.number in stored:
            continue
        added.append(
            Revision(
                document_id=document.id,
                number=revision.number,
                fetched_at=revision.fetched_at,
                recorded_at=revision.recorded_at,
                url=revision.url,
                title=revision.title,
                published=revision.published,
                language=revision.language,
                text=revision.text,
                html=revision.html,
                content_hash=revision.content_hash,
                meta=dict(revision.metadata),
            )
        )
    session.add_all(added)
    latest = max(incoming.revisions, key=lambda item: item.number)
    if stored and latest.number > document.current_revision:
        document.current_revision = latest.number
        document.content_hash = latest.content_hash
        document.url = incoming.url
        document.updated_at = incoming.updated_at or latest.fetched_at
        document.status, document.gone_at = incoming.status, incoming.gone_at
        document.changed_at = incoming.changed_at or document.updated_at
        store_band_keys(session, document.id, band_keys(shingles(latest.text)))
    session.flush()
    enqueue_revisions(session, [revision.id for revision in added])
    return len(added)


def _widen_seen(document: Document, incoming: DocumentRecord) -> bool:
    """Take the imported first/last seen when wider, and its status when it changed later."""
    changed = False
    newer_status = incoming.changed_at is not None and (
        document.changed_at is None or incoming.changed_at > document.changed_at
    )
    if newer_status and incoming.revisions and document.current_revision == max(r.number for r in incoming.revisions):
        document.status, document.gone_at, document.changed_at = incoming.status, incoming.gone_at, incoming.changed_at
        document.url = incoming.url
        changed = True
    if incoming.first_seen < document.first_seen:
        document.first_seen, changed = incoming.first_seen, True
    if incoming.last_seen > document.last_seen:
        document.last_seen, changed = incoming.last_seen, True
    return changed


def _add_topics_and_aliases(session: Session, document: Document, incoming: DocumentRecord) -> tuple[int, list[str]]:
    """Insert missing topic memberships and aliases; return how many, and aliases held by another document."""
    inserted = 0
    for topic_id in incoming.topics:
        row = {"topic_id": topic_id, "document_id": document.id, "matched_at": utcnow()}
        inserted += insert_ignoring_conflict(
            session,
            TopicMembership.__table__,  # type: ignore[arg-type]
            row,
            ["topic_id", "document_id"],
        )
    conflicts: list[str] = []
    for url in incoming.aliases:
        row = {"url": url, "document_id": document.id}
        if insert_ignoring_conflict(session, UrlAlias.__table__, row, ["url"]):  # type: ignore[arg-type]
            inserted += 1
            continue
        alias = session.get(UrlAlias, url)
        if alias is not None and alias.document_id != document.id:
            conflicts.append(f"alias {url} of document {incoming.uid} is stored as an alias of another document")
    return inserted, conflicts


def _resolve_cluster(session: Session, document: Document, cluster_uid: str | None) -> bool:
    if cluster_uid is None:
        return True
    if cluster_uid == document.uid:
        document.cluster_id = document.id
        return True
    root = session.execute(select(Document.id).where(Document.uid == cluster_uid)).scalar_one_or_none()
    if root is None:
        return False
    document.cluster_id = root
    return True
