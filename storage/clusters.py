"""Near-duplicate clusters: the same story carried by several sources is linked into one cluster.

A document's cluster id is the id of the first document of its cluster. Recording
a revision stores its LSH keys (storage.dedup, table document_bands) and looks up
every document sharing one of them: each key is one exact match on an index, so
the lookup does not grow with the archive, and no candidate is skipped, however
old. Each candidate is checked exactly on its shingles; the new document joins the
cluster of the best one that passes the [dedup] thresholds to join.

Edits: a member whose new revision still passes the looser thresholds to stay,
against a member of its cluster, stays; one that diverged leaves and is looked up
afresh. A cluster's first document stays its root while it has members.
`rebuild_clusters` reclusters a whole archive the same way, in first-seen order,
so the result does not depend on the order pages were recorded in.
"""

from __future__ import annotations

import functools
import logging
from collections import OrderedDict
from collections.abc import Callable, Sequence
from collections.abc import Set as AbstractSet
from dataclasses import dataclass
from typing import NamedTuple

from sqlalchemy import TextClause, delete, func, insert, select, text, update
from sqlalchemy.engine import Connection
from sqlalchemy.orm import Session

from warta.storage.database import Database, in_chunks
from warta.storage.dedup import (
    DedupThresholds,
    Similarity,
    agreement,
    band_keys,
    coverage,
    coverage_bound,
    similarity,
)
from warta.storage.models import Document, DocumentBand, Revision
from warta.storage.shingling import Shingles, shingles

logger = logging.getLogger(__name__)

# (done, total) of a rebuild
RebuildProgress = Callable[[int, int], None]
REBUILD_BATCH = 500
# a ShingleCache holds at most this many shingles (about 110 bytes each: some 100 MB when full)
CACHE_SHINGLES = 1_000_000


@dataclass(frozen=True)
class Candidate:
    """A document with the number and text of its current revision."""

    id: int
    cluster_id: int | None
    revision: int
    text: str


class Version(NamedTuple):
    """A document's cluster and the number of its current revision (a tuple: a lookup makes one per candidate)."""

    id: int
    cluster_id: int | None
    revision: int


class Compared(NamedTuple):
    """A document the story is compared with: its cluster and the shingles of its current revision."""

    id: int
    cluster_id: int | None
    story: Shingles


class ShingleCache:
    """The shingles of the revisions compared most recently, so a crawl shingles each candidate once, not per lookup.

    Keyed by document id and revision number (a revision's text never changes), so one cache
    serves one archive: a crawl's recorder keeps one. Bounded by the shingles it holds
    (CACHE_SHINGLES); the least recently compared revision goes first.
    """

    def __init__(self, max_shingles: int = CACHE_SHINGLES) -> None:
        self.max_shingles = max_shingles
        self._stories: OrderedDict[tuple[int, int], Shingles] = OrderedDict()
        self._held = 0

    def get(self, document_id: int, revision: int) -> Shingles | None:
        """Return the revision's shingles if they are held."""
        story = self._stories.get((document_id, revision))
        if story is not None:
            self._stories.move_to_end((document_id, revision))
        return story

    def put(self, document_id: int, revision: int, story: Shingles) -> None:
        """Hold the revision's shingles, dropping the least recently compared beyond the bound."""
        if (document_id, revision) in self._stories:
            return
        self._stories[(document_id, revision)] = story
        self._held += len(story.all)
        while self._held > self.max_shingles and len(self._stories) > 1:
            _, dropped = self._stories.popitem(last=False)
            self._held -= len(dropped.all)


@dataclass(frozen=True)
class RebuildReport:
    """What a rebuild did: documents reclustered, clusters with more than one member, documents in them."""

    documents: int
    clusters: int
    clustered_documents: int


def assign_cluster(
    session: Session,
    document: Document,
    text: str,
    thresholds: DedupThresholds,
    *,
    is_new: bool = False,
    among: AbstractSet[int] | None = None,
    cache: ShingleCache | None = None,
    story: Shingles | None = None,
) -> int:
    """Store the document's LSH keys and put it into the cluster of its near-duplicate, or its own; return the id.

    `is_new`: the document was inserted in this transaction, so it has no keys to replace.
    `among`: compare only with these documents (a rebuild: those seen before this one).
    `cache`: the shingles of documents compared before (a crawl's, or a rebuild's).
    `story`: the shingles of `text`, when they were computed beforehand (a crawl's extraction workers do).
    """
    story = story if story is not None else shingles(text)
    keys = band_keys(story)
    store_band_keys(session, document.id, keys, replace=not is_new)
    if story.words >= thresholds.min_words and keys:
        if _stays(session, document, story, thresholds, cache):
            assert document.cluster_id is not None
            return document.cluster_id
        match = nearest_cluster(session, document.id, story, keys, thresholds, among, cache)
        if match is not None:
            document.cluster_id = match
            return match
    if document.cluster_id is None or document.cluster_id != document.id:
        # new, or a copy edited away from its cluster's story: a cluster of its own
        document.cluster_id = document.id
    return document.cluster_id


def store_band_keys(
    session: Session, document_id: int, keys: Sequence[tuple[int, int]], *, replace: bool = True
) -> None:
    """Store the document's LSH keys, replacing those it had unless `replace` is False."""
    if replace:
        session.execute(delete(DocumentBand).where(DocumentBand.document_id == document_id))
    if keys:
        rows = [{"document_id": document_id, "band": band, "key": key} for band, key in keys]
        session.execute(insert(DocumentBand), rows)


def find_candidates(
    session: Session,
    document_id: int,
    keys: Sequence[tuple[int, int]],
    among: AbstractSet[int] | None = None,
    cache: ShingleCache | None = None,
) -> list[Compared]:
    """Return every other document sharing one of `keys` (and in `among`, if given), with its shingles, oldest first."""
    found: dict[int, Version] = {}
    for chunk in in_chunks(list(keys)):
        query, parameters = candidates_query(document_id, chunk)
        found.update((row[0], Version(*row)) for row in session.execute(query, parameters))
    if among is not None:
        found = {key: version for key, version in found.items() if key in among}
    return _with_stories(session, [found[key] for key in sorted(found)], cache)


def candidates_query(document_id: int, keys: Sequence[tuple[int, int]]) -> tuple[TextClause, dict[str, int]]:
    """Return the query of the other recorded documents sharing one of `keys`, and its parameters.

    One index lookup per key; its rows are each document's id, cluster and current revision.
    """
    parameters: dict[str, int] = {"document_id": document_id}
    for number, (band, key) in enumerate(keys):
        parameters[f"b{number}"], parameters[f"k{number}"] = band, key
    return _candidates_query(len(keys)), parameters


@functools.lru_cache(maxsize=32)
def _candidates_query(count: int) -> TextClause:
    """Return the candidate query for `count` keys, as SQL text: a crawl runs it for every page it records.

    One equality per key, which both databases answer from the (band, key) index; SQLite scans
    the whole table for a row-value IN list. As text: SQLAlchemy would walk an expression of
    this size on every run to find its cached compilation.
    """
    matches = " OR ".join(f"(band = :b{number} AND key = :k{number})" for number in range(count))
    return text(
        f"SELECT id, cluster_id, current_revision FROM {Document.__tablename__} "
        f"WHERE id IN (SELECT document_id FROM {DocumentBand.__tablename__} WHERE {matches}) "
        "AND id != :document_id AND current_revision > 0"
    )


def _with_text(session: Session, document_ids: Sequence[int]) -> list[Candidate]:
    candidates: list[Candidate] = []
    for chunk in in_chunks(document_ids):
        rows = session.execute(
            select(Document.id, Document.cluster_id, Document.current_revision, Revision.text)
            .join(Revision, (Revision.document_id == Document.id) & (Revision.number == Document.current_revision))
            .where(Document.id.in_(chunk))
            .order_by(Document.id)
        )
        candidates += [Candidate(row.id, row.cluster_id, row.current_revision, row.text) for row in rows]
    return candidates


def _compared(session: Session, document_ids: Sequence[int], cache: ShingleCache | None) -> list[Compared]:
    """Return the recorded documents among these with the shingles of their current revisions."""
    versions: list[Version] = []
    for chunk in in_chunks(document_ids):
        rows = session.execute(
            select(Document.id, Document.cluster_id, Document.current_revision)
            .where(Document.id.in_(chunk), Document.current_revision > 0)
            .order_by(Document.id)
        )
        versions += [Version(*row) for row in rows]
    return _with_stories(session, versions, cache)


def _with_stories(session: Session, versions: Sequence[Version], cache: ShingleCache | None) -> list[Compared]:
    """Return the documents with the shingles of these revisions, reading only the texts `cache` lacks."""
    cache = cache if cache is not None else ShingleCache()
    stories = {version.id: cache.get(version.id, version.revision) for version in versions}
    for candidate in _with_text(session, [key for key, held in stories.items() if held is None]):
        read = shingles(candidate.text)
        cache.put(candidate.id, candidate.revision, read)
        stories[candidate.id] = read
    return [
        Compared(version.id, version.cluster_id, story)
        for version in versions
        if (story := stories[version.id]) is not None
    ]


def nearest_cluster(
    session: Session,
    document_id: int,
    story: Shingles,
    keys: Sequence[tuple[int, int]],
    thresholds: DedupThresholds,
    among: AbstractSet[int] | None = None,
    cache: ShingleCache | None = None,
) -> int | None:
    """Return the cluster of the document most like the story that passes the thresholds to join, or None.

    Of equally like documents, the oldest wins. `keys` are the story's (storage.dedup.band_keys);
    `among` limits the comparison to these documents. A match that has no cluster yet (imported
    without one) becomes the root of its own.
    """
    best: tuple[Similarity, Compared] | None = None
    for candidate in find_candidates(session, document_id, keys, among, cache):
        if candidate.story.words < thresholds.min_words:
            continue
        if coverage_bound(story, candidate.story) < thresholds.min_coverage:  # cannot pass: not counted
            continue
        shared = coverage(story, candidate.story)
        if shared < thresholds.min_coverage:  # the cheap half of the check first
            continue
        measured = Similarity(shared, agreement(story, candidate.story))
        if measured.agreement < thresholds.min_agreement:
            continue
        if best is None or (measured.agreement, measured.coverage) > (best[0].agreement, best[0].coverage):
            best = (measured, candidate)
    if best is None:
        return None
    match = best[1]
    if match.cluster_id is None:
        session.execute(update(Document).where(Document.id == match.id).values(cluster_id=match.id))
    return match.cluster_id or match.id


def _stays(
    session: Session, document: Document, story: Shingles, thresholds: DedupThresholds, cache: ShingleCache | None
) -> bool:
    """Return True when the document keeps its cluster: the root of one with members, or still like a member."""
    if document.cluster_id is None:
        return False
    others = select(Document.id).where(Document.cluster_id == document.cluster_id, Document.id != document.id)
    if document.cluster_id == document.id:
        return session.execute(others.limit(1)).first() is not None
    for member in _compared(session, list(session.scalars(others)), cache):
        if similarity(story, member.story).passes(thresholds.stay_min_coverage, thresholds.stay_min_agreement):
            return True
    return False


def rebuild_clusters(
    database: Database, thresholds: DedupThresholds, progress: RebuildProgress | None = None
) -> RebuildReport:
    """Recluster every document from scratch, in first-seen order, in batches; return what it did.

    Each batch is one transaction. The result depends only on the archive's content and the
    thresholds: running it twice gives the same clusters.
    """
    with database.transaction() as session:
        ordered = list(session.scalars(select(Document.id).order_by(Document.first_seen, Document.id)))
        session.execute(update(Document).values(cluster_id=None))
    seen: set[int] = set()
    cache = ShingleCache()
    for start in range(0, len(ordered), REBUILD_BATCH):
        with database.transaction() as session:
            batch = session.scalars(
                select(Document)
                .where(Document.id.in_(ordered[start : start + REBUILD_BATCH]))
                .order_by(Document.first_seen, Document.id)
            ).all()
            for document in batch:
                _recluster(session, document, thresholds, seen, cache)
                seen.add(document.id)
        if progress is not None:
            progress(min(start + REBUILD_BATCH, len(ordered)), len(ordered))
    with database.reading() as session:
        sizes = session.execute(
            select(Document.cluster_id, func.count())
            .where(Document.cluster_id.is_not(None))
            .group_by(Document.cluster_id)
            .having(func.count() > 1)
        ).all()
    report = RebuildReport(len(ordered), len(sizes), sum(size for _, size in sizes))
    logger.info("reclustered %d documents: %d clusters of %d documents", *vars(report).values())
    return report


def _recluster(
    session: Session, document: Document, thresholds: DedupThresholds, seen: AbstractSet[int], cache: ShingleCache
) -> None:
    """Assign a cluster to a document as if it were recorded now, after every document seen before it."""
    if document.current_revision == 0:
        store_band_keys(session, document.id, [])
        return
    text = session.scalars(
        select(Revision.text).where(Revision.document_id == document.id, Revision.number == document.current_revision)
    ).one()
    assign_cluster(session, document, text, thresholds, among=seen, cache=cache)
    session.flush()


def backfill_band_keys(connection: Connection) -> int:
    """Store the LSH keys of every document's current revision (migration 0007); return how many documents."""
    stored = 0
    with Session(bind=connection) as session:
        document_ids = list(session.scalars(select(Document.id).order_by(Document.id)))
        for chunk in in_chunks(document_ids):
            for candidate in _with_text(session, chunk):
                store_band_keys(session, candidate.id, band_keys(shingles(candidate.text)))
                stored += 1
        session.flush()
    logger.info("stored the near-duplicate keys of %d documents", stored)
    return stored
