"""Running one export: pick the writer, stream into a temporary name, rename, record the snapshot.

The export is written to `<output>.partial-<random>` next to the final name and
renamed with os.replace only when complete, so a crash, an error or Ctrl-C
never leaves a file (or bag) under the final name; on an error or interrupt
the partial is removed. All reads happen in one consistent read transaction,
and the watermark stored with the snapshot is read in that same transaction.
"""

from __future__ import annotations

import hashlib
import logging
import os
import secrets
import shutil
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from sqlalchemy.orm import Session

from warta.archive.bagit_export import write_bag
from warta.archive.counts import ExportCounts
from warta.archive.csv_export import write_csv
from warta.archive.errors import ExportError
from warta.archive.jsonl import write_jsonl
from warta.archive.selection import Selection, resolve_selection, selection_record
from warta.archive.wacz import write_wacz
from warta.archive.warc import write_warc
from warta.config import SNAPSHOT_FORMATS, WartaConfig
from warta.storage.database import Database
from warta.storage.errors import database_errors
from warta.storage.exports import DocumentFilter, consistent_reading, current_watermark, iter_captures, iter_documents
from warta.storage.snapshots import SnapshotRecord, record_snapshot
from warta.storage.types import utcnow

logger = logging.getLogger(__name__)

FORMATS = SNAPSHOT_FORMATS
EXTENSIONS = {"jsonl": ".jsonl", "csv": ".csv", "warc": ".warc.gz", "wacz": ".wacz", "bagit": ""}


@dataclass(frozen=True)
class SnapshotInfo:
    """A finished export, as recorded in the snapshots table."""

    id: int
    format: str
    path: Path
    created_at: datetime
    finished_at: datetime
    documents: int
    revisions: int
    captures: int
    bytes: int
    sha256: str
    max_revision_id: int


def export(
    cfg: WartaConfig,
    database: Database,
    fmt: str,
    output: Path,
    selection: Selection | None = None,
    schedule_id: str | None = None,
) -> SnapshotInfo:
    """Write the selection of the archive to `output` in format `fmt` and record it as a snapshot."""
    selection = selection or Selection()
    output = check_output(fmt, output)
    partial = output.with_name(f"{output.name}.partial-{secrets.token_hex(4)}")
    logger.info("exporting %s to %s (%s)", fmt, output, selection.describe())
    try:
        with (
            database_errors(f"reading the archive {database.display_url} failed", ExportError),
            consistent_reading(database) as session,
        ):
            created_at = utcnow()
            watermark = current_watermark(session)
            storage_filter = resolve_selection(session, selection)
            counts = _write(cfg, session, fmt, partial, output.name, storage_filter, selection)
        size, digest = measure(partial)
        os.replace(partial, output)
    except BaseException:
        remove_partial(partial)
        raise
    record = SnapshotRecord(
        created_at=created_at,
        finished_at=utcnow(),
        format=fmt,
        path=str(output),
        selection=selection_record(selection, watermark),
        max_revision_id=watermark.revision_id,
        documents=counts.documents,
        revisions=counts.revisions,
        captures=counts.captures,
        bytes=size,
        sha256=digest,
        schedule_id=schedule_id,
    )
    with database.transaction() as session:
        snapshot = record_snapshot(session, record)
        snapshot_id = snapshot.id
    logger.info(
        "snapshot %d: %d documents, %d revisions, %d captures, %d bytes -> %s",
        snapshot_id,
        counts.documents,
        counts.revisions,
        counts.captures,
        size,
        output,
    )
    return SnapshotInfo(
        snapshot_id,
        fmt,
        output,
        record.created_at,
        record.finished_at,
        counts.documents,
        counts.revisions,
        counts.captures,
        size,
        digest,
        watermark.revision_id,
    )


def check_output(fmt: str, output: Path) -> Path:
    """Return the absolute output path; raise ExportError if it cannot be written."""
    if fmt not in FORMATS:
        raise ExportError(f"unknown export format {fmt!r}; use one of {', '.join(FORMATS)}")
    output = output.absolute()
    folder = output.parent
    if not folder.is_dir():
        raise ExportError(f"the folder {folder} does not exist; create it or choose another --output")
    if not os.access(folder, os.W_OK | os.X_OK):
        raise ExportError(f"the folder {folder} is not writable; choose another --output or fix its permissions")
    if output.is_dir():
        raise ExportError(f"{output} is an existing folder; choose a new name for the export")
    return output


def _write(
    cfg: WartaConfig,
    session: Session,
    fmt: str,
    partial: Path,
    name: str,
    storage_filter: DocumentFilter,
    selection: Selection,
) -> ExportCounts:
    organization = cfg.archive.organization
    description = selection.describe()
    if fmt == "bagit":
        return write_bag(
            partial,
            lambda: iter_documents(session, storage_filter),
            lambda: iter_captures(session, storage_filter),
            organization,
            description,
            selection.current_only,
        )
    if fmt == "wacz":
        title = f"{organization}: {name}"
        return write_wacz(iter_captures(session, storage_filter), partial, organization, description, title)
    with partial.open("xb") as out:
        if fmt == "jsonl":
            return write_jsonl(iter_documents(session, storage_filter), out, selection.current_only)
        if fmt == "csv":
            return write_csv(iter_documents(session, storage_filter), out)
        return write_warc(iter_captures(session, storage_filter), out, organization, description, name)


def measure(path: Path) -> tuple[int, str]:
    """Return the size and SHA-256 of an export file; for a bag, its total size and its tag manifest's SHA-256."""
    if path.is_dir():
        size = sum(item.stat().st_size for item in path.rglob("*") if item.is_file())
        return size, _sha256(path / "tagmanifest-sha256.txt")
    return path.stat().st_size, _sha256(path)


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for chunk in iter(lambda: handle.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


def remove_partial(partial: Path) -> None:
    """Delete a partial export file or bag, if any."""
    if partial.is_dir():
        shutil.rmtree(partial, ignore_errors=True)
    else:
        partial.unlink(missing_ok=True)
