"""Near-duplicate clusters: the same story carried by several sources is linked into one cluster.

A document's cluster id is the id of the first document of its cluster. Candidates
are found through four indexed 16-bit bands of the SimHash; a candidate joins the
cluster when its full fingerprint is within MAX_DISTANCE bits. Unrelated documents
share a band by chance (about 30 of them at 500,000 documents), so at most
MAX_CANDIDATES are compared, the newest first: the same story is carried by other
sources within days. That bounds the cost of a lookup however large the archive grows.
"""

from __future__ import annotations

from typing import NamedTuple

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from warta.storage.fingerprints import hamming_distance, simhash_bands
from warta.storage.models import Document

MAX_DISTANCE = 6
MIN_WORDS = 40
MAX_CANDIDATES = 32


class Candidate(NamedTuple):
    """A document that may carry the same story."""

    id: int
    cluster_id: int | None


def set_fingerprint(document: Document, fingerprint: int) -> None:
    """Store the SimHash of the document's current content and its bands."""
    bands = simhash_bands(fingerprint)
    document.simhash = fingerprint
    (document.simhash_band0, document.simhash_band1, document.simhash_band2, document.simhash_band3) = bands


def assign_cluster(session: Session, document: Document, word_count: int) -> int:
    """Put the document into the cluster of its nearest near-duplicate, or its own; return the cluster id."""
    if word_count >= MIN_WORDS and document.simhash is not None:
        nearest = _nearest_duplicate(session, document)
        if nearest is not None:
            document.cluster_id = nearest.cluster_id or nearest.id
            return document.cluster_id
    if document.cluster_id is None or _cluster_is_shared_elsewhere(document):
        document.cluster_id = document.id
    return document.cluster_id


def _nearest_duplicate(session: Session, document: Document) -> Candidate | None:
    assert document.simhash is not None
    candidates = session.execute(
        select(Document.id, Document.simhash, Document.cluster_id)
        .where(
            Document.id != document.id,
            or_(
                Document.simhash_band0 == document.simhash_band0,
                Document.simhash_band1 == document.simhash_band1,
                Document.simhash_band2 == document.simhash_band2,
                Document.simhash_band3 == document.simhash_band3,
            ),
        )
        .order_by(Document.id.desc())
        .limit(MAX_CANDIDATES)
    )
    near = [
        (distance, Candidate(candidate_id, cluster_id))
        for candidate_id, fingerprint, cluster_id in candidates
        if fingerprint is not None and (distance := hamming_distance(fingerprint, document.simhash)) <= MAX_DISTANCE
    ]
    # the nearest; of equally near ones, the oldest
    return min(near, key=lambda pair: (pair[0], pair[1].id))[1] if near else None


def _cluster_is_shared_elsewhere(document: Document) -> bool:
    # A document that was edited away from its cluster's story starts a cluster of its own.
    return document.cluster_id is not None and document.cluster_id != document.id
