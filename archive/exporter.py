"""Running one export: check the target, reserve its snapshot, stream into a partial, put it in place.

The export is written to `<output>.partial-<random>` next to the final name and
moved there only when complete (archive.output), so a crash, an error or Ctrl-C
never leaves a file (or bag) under the final name; on an error or interrupt
the partial is removed. An existing target is replaced only when forced. The
selection is checked first (an unknown source or topic is an error, and
nothing is written or recorded); then the snapshot row is reserved, so that the
export can carry its id (archive.provenance), and filled in at the end, or
deleted if the export fails. All reads happen in one consistent read
transaction, and the watermark stored with the snapshot is read in that same
transaction. A WARC export also writes its CDXJ index beside it.
"""

from __future__ import annotations

import hashlib
import logging
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from sqlalchemy.orm import Session

from warta.archive.bagit_export import write_bag
from warta.archive.cdxj import write_cdxj
from warta.archive.counts import ExportCounts
from warta.archive.csv_export import write_csv
from warta.archive.errors import ExportError
from warta.archive.jsonl import write_jsonl
from warta.archive.output import EXTENSIONS, check_output, companion_paths, install, partial_path, remove_partial
from warta.archive.provenance import Provenance, build_provenance
from warta.archive.selection import Selection, check_filters, resolve_selection, selection_record
from warta.archive.wacz import write_wacz
from warta.archive.warc import write_warc
from warta.config import SNAPSHOT_FORMATS, WartaConfig
from warta.storage.database import Database
from warta.storage.errors import database_errors
from warta.storage.exports import (
    DocumentFilter,
    consistent_reading,
    covered_runs,
    current_watermark,
    iter_captures,
    iter_documents,
)
from warta.storage.snapshots import SnapshotRecord, delete_snapshots, finish_snapshot, series_of, start_snapshot
from warta.storage.types import utcnow

logger = logging.getLogger(__name__)

FORMATS = SNAPSHOT_FORMATS
__all__ = ["EXTENSIONS", "FORMATS", "SnapshotInfo", "check_output", "export", "measure", "remove_partial"]


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
    force: bool = False,
) -> SnapshotInfo:
    """Write the selection of the archive to `output` in format `fmt` and record it as a snapshot.

    With `force`, an existing export at `output` (a file, or a bag warta made) is replaced.
    """
    selection = selection or Selection()
    output = check_output(fmt, output, force)
    series = _check_selection(cfg, database, selection)
    logger.info("exporting %s to %s (%s)", fmt, output, selection.describe())
    created_at = utcnow()
    with database.transaction() as session:
        snapshot_id = start_snapshot(session, created_at, fmt, str(output), schedule_id)
    targets = [output, *companion_paths(fmt, output)]
    partials = [partial_path(target) for target in targets]
    try:
        with (
            database_errors(f"reading the archive {database.display_url} failed", ExportError),
            consistent_reading(database) as session,
        ):
            watermark = current_watermark(session)
            storage_filter = resolve_selection(session, selection)
            provenance = build_provenance(
                cfg, selection.describe(), selection.sources, snapshot_id, (*series, snapshot_id)
            )
            counts = _write(session, fmt, partials[0], output.name, storage_filter, provenance, selection)
        if fmt == "warc":
            write_cdxj(partials[0], partials[1], output.name)
        size, digest = measure(partials[0])
        # the index first: the WARC appearing under its name is what says the export is complete
        for partial, target in reversed(list(zip(partials, targets, strict=True))):
            install(partial, target)
        record = SnapshotRecord(
            finished_at=utcnow(),
            selection=selection_record(selection, watermark),
            max_revision_id=watermark.revision_id,
            documents=counts.documents,
            revisions=counts.revisions,
            captures=counts.captures,
            bytes=size,
            sha256=digest,
        )
        with database.transaction() as session:
            finish_snapshot(session, snapshot_id, record)
    except BaseException:
        for partial in partials:
            remove_partial(partial)
        _forget_snapshot(database, snapshot_id)
        raise
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
        created_at,
        record.finished_at,
        counts.documents,
        counts.revisions,
        counts.captures,
        size,
        digest,
        watermark.revision_id,
    )


def _check_selection(cfg: WartaConfig, database: Database, selection: Selection) -> list[int]:
    """Raise SelectionError for a selection naming what does not exist; return the series it continues."""
    with (
        database_errors(f"reading the archive {database.display_url} failed", ExportError),
        database.reading() as session,
    ):
        sources = [source.id for source in cfg.sources]
        check_filters(session, selection, sources, [topic.id for topic in cfg.topics])
        resolve_selection(session, selection)
        return series_of(session, selection.since_snapshot) if selection.since_snapshot is not None else []


def _forget_snapshot(database: Database, snapshot_id: int) -> None:
    """Delete the row reserved for an export that failed (best effort: the failure itself is what is raised)."""
    try:
        with database.transaction() as session:
            delete_snapshots(session, [snapshot_id])
    except Exception:
        logger.warning("could not delete the row of the failed snapshot %d; it stays unfinished", snapshot_id)


def _write(
    session: Session,
    fmt: str,
    partial: Path,
    name: str,
    storage_filter: DocumentFilter,
    provenance: Provenance,
    selection: Selection,
) -> ExportCounts:
    if fmt == "bagit":
        return write_bag(
            partial,
            lambda: iter_documents(session, storage_filter),
            lambda: iter_captures(session, storage_filter),
            lambda: covered_runs(session, storage_filter),
            provenance,
            selection.current_only,
        )
    if fmt == "wacz":
        title = f"{provenance.organization}: {name}"
        return write_wacz(iter_captures(session, storage_filter), partial, provenance, title)
    with partial.open("xb") as out:
        if fmt == "jsonl":
            return write_jsonl(iter_documents(session, storage_filter), out, selection.current_only)
        if fmt == "csv":
            return write_csv(iter_documents(session, storage_filter), out)
        return write_warc(iter_captures(session, storage_filter), out, provenance, name)


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
