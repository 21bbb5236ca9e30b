"""The JSONL export: one JSON object per document, with its revisions, times in ISO 8601 with offset.

This is the archive's complete, importable form: `warta import` reads it back
(see archive.importer), and an export, import into an empty database and export
again gives the same lines. Both directions use one model of a line,
storage.document_records.DocumentRecord. Fields beyond the issue's list
(`revision`, `changed`, `gone_at`, `aliases`, and each revision's url,
published, language, html and metadata) are what an import needs to rebuild
the archive faithfully.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Iterable
from datetime import datetime
from typing import IO

from warta.archive.counts import ExportCounts
from warta.storage.document_records import DocumentRecord, document_line

logger = logging.getLogger(__name__)


def iso(value: datetime | None) -> str | None:
    """Return an aware datetime as ISO 8601 with its offset, or None."""
    return value.isoformat() if value is not None else None


def write_jsonl(documents: Iterable[DocumentRecord], out: IO[bytes], current_only: bool) -> ExportCounts:
    """Write one line per document to `out` and return what was written."""
    counts = ExportCounts()
    for document in documents:
        line = json.dumps(document_line(document, current_only), ensure_ascii=False, sort_keys=False)
        out.write(line.encode("utf-8") + b"\n")
        counts.documents += 1
        counts.revisions += len(document.revisions)
    return counts
