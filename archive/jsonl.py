"""The JSONL export: one JSON object per document, with its revisions, times in ISO 8601 with offset.

This is the archive's complete, importable form: `warta import` reads it back
(see archive.importer), and an export, import into an empty database and export
again gives the same lines. Fields beyond the issue's list (`revision`,
`changed`, `gone_at`, `aliases`, and each revision's url, published, language,
html and metadata) are what an import needs to rebuild the archive faithfully.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Iterable
from datetime import datetime
from typing import IO, Any

from warta.archive.counts import ExportCounts
from warta.storage.exports import DocumentRow, RevisionRow

logger = logging.getLogger(__name__)


def iso(value: datetime | None) -> str | None:
    """Return an aware datetime as ISO 8601 with its offset, or None."""
    return value.isoformat() if value is not None else None


def revision_to_json(revision: RevisionRow) -> dict[str, Any]:
    """Return one revision as a JSON-ready dict."""
    return {
        "number": revision.number,
        "fetched_at": iso(revision.fetched_at),
        "url": revision.url,
        "title": revision.title,
        "published": iso(revision.published),
        "language": revision.language,
        "text": revision.text,
        "content_hash": revision.content_hash,
        "html": revision.html,
        "metadata": revision.metadata,
    }


def document_to_json(document: DocumentRow, current_only: bool) -> dict[str, Any]:
    """Return one document as a JSON-ready dict: current content, and every revision unless `current_only`."""
    current = document.current
    record: dict[str, Any] = {
        "id": document.uid,
        "url": document.url,
        "canonical_url": document.canonical_url,
        "source": document.source_id,
        "title": current.title if current else None,
        "published": iso(current.published) if current else None,
        "updated": iso(document.updated_at),
        "language": current.language if current else None,
        "text": current.text if current else None,
        "content_hash": document.content_hash,
        "topics": list(document.topics),
        "status": document.status,
        "first_seen": iso(document.first_seen),
        "last_seen": iso(document.last_seen),
        "cluster": document.cluster_uid,
        "revision": document.current_revision,
        "changed": iso(document.changed_at),
        "gone_at": iso(document.gone_at),
        "aliases": list(document.aliases),
    }
    if current_only:
        record["current"] = revision_to_json(current) if current else None
    else:
        record["revisions"] = [revision_to_json(revision) for revision in document.revisions]
    return record


def write_jsonl(documents: Iterable[DocumentRow], out: IO[bytes], current_only: bool) -> ExportCounts:
    """Write one line per document to `out` and return what was written."""
    counts = ExportCounts()
    for document in documents:
        line = json.dumps(document_to_json(document, current_only), ensure_ascii=False, sort_keys=False)
        out.write(line.encode("utf-8") + b"\n")
        counts.documents += 1
        counts.revisions += len(document.revisions)
    return counts
