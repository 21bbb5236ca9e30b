"""The CSV export: one row per document with its current revision, for spreadsheets.

RFC 4180 quoting by the csv module (fields with quotes, commas or line breaks
are quoted), UTF-8 without a byte-order mark, CRLF line ends. Topics are joined
with a space (topic ids contain no spaces). The CSV is a view, not an archive:
it is not importable; use JSONL for that.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable
from typing import IO

from warta.archive.counts import ExportCounts
from warta.archive.jsonl import iso
from warta.storage.document_records import DocumentRecord

COLUMNS = (
    "id",
    "url",
    "canonical_url",
    "source",
    "title",
    "published",
    "updated",
    "language",
    "status",
    "first_seen",
    "last_seen",
    "content_hash",
    "revision",
    "topics",
    "cluster",
    "text",
)


def document_row(document: DocumentRecord) -> list[str]:
    """Return the CSV cells of one document, in COLUMNS order."""
    current = document.current
    return [
        document.uid,
        document.url,
        document.canonical_url,
        document.source_id,
        current.title if current else "",
        (iso(current.published) or "") if current else "",
        iso(document.updated_at) or "",
        (current.language or "") if current else "",
        document.status,
        iso(document.first_seen) or "",
        iso(document.last_seen) or "",
        document.content_hash or "",
        str(document.current_revision),
        " ".join(document.topics),
        document.cluster_uid or "",
        current.text if current else "",
    ]


def write_csv(documents: Iterable[DocumentRecord], out: IO[bytes]) -> ExportCounts:
    """Write the header and one row per document to `out`; return what was written."""
    counts = ExportCounts()
    text = io.TextIOWrapper(out, encoding="utf-8", newline="", write_through=True)
    try:
        writer = csv.writer(text)
        writer.writerow(COLUMNS)
        for document in documents:
            writer.writerow(document_row(document))
            counts.documents += 1
            counts.revisions += 1 if document.current else 0
    finally:
        text.detach()
    return counts
