"""Importing a JSONL export, or a bag holding one, into the archive database; a bag's WARC restores its captures.

The whole file (and the bag's WARC) is read once before anything is written: a
bad line or an unreadable record imports nothing. Then lines are read one at a
time and written in batches, one transaction each, so memory stays flat; if the
database fails midway, the error says how many documents and captures were
committed, and the import can simply be run again: importing is idempotent.
What conflicts with the stored archive is reported, never merged (see
storage.imports). Cluster links whose root document comes later in the file are
resolved after the last line. A bag's captures follow its documents (see
archive.warc_import and storage.capture_imports), so a bag restores documents,
revisions and captures with their bodies.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

import bagit
from pydantic import ValidationError

from warta.archive.bagit_export import WARC_NAME
from warta.archive.errors import ImportFileError
from warta.archive.warc_import import read_captures
from warta.config import WartaConfig
from warta.storage.capture_imports import RestoredCapture, restore_capture
from warta.storage.database import Database
from warta.storage.document_records import DocumentRecord
from warta.storage.errors import StorageError, database_errors
from warta.storage.imports import DocumentImport, ImportOutcome, import_document
from warta.storage.imports import resolve_cluster as link_cluster
from warta.storage.requisites import link_restored_requisites

logger = logging.getLogger(__name__)

BATCH = 200


@dataclass
class ImportReport:
    """What an import did, document by document."""

    new: int = 0
    updated: int = 0
    unchanged: int = 0
    revisions_added: int = 0
    captures_added: int = 0
    conflicts: list[str] = field(default_factory=list)
    committed_documents: int = 0
    committed_captures: int = 0

    @property
    def has_conflicts(self) -> bool:
        """Return True when something in the file disagreed with the archive."""
        return bool(self.conflicts)

    def count(self, result: DocumentImport) -> None:
        """Add one document's result."""
        self.revisions_added += result.revisions_added
        self.conflicts.extend(result.conflicts)
        if result.outcome == ImportOutcome.NEW:
            self.new += 1
        elif result.outcome == ImportOutcome.UPDATED:
            self.updated += 1
        elif result.outcome == ImportOutcome.UNCHANGED:
            self.unchanged += 1


def jsonl_path(path: Path) -> Path:
    """Return the JSONL file to read: `path` itself, or the one in the payload of the bag at `path`."""
    if not path.exists():
        raise ImportFileError(f"{path} does not exist; give the path of a JSONL export or a bag")
    if path.is_file():
        return path
    if not (path / "bagit.txt").is_file():
        raise ImportFileError(f"{path} is a folder but not a bag (no bagit.txt); give a JSONL file or a bag")
    try:
        bagit.Bag(str(path)).validate()
    except bagit.BagError as exc:
        raise ImportFileError(f"the bag {path} does not validate ({exc}); nothing was imported") from exc
    candidates = sorted((path / "data").glob("*.jsonl"))
    if len(candidates) != 1:
        raise ImportFileError(f"the bag {path} holds {len(candidates)} JSONL files in data/; expected exactly one")
    return candidates[0]


def import_archive(cfg: WartaConfig, database: Database, path: Path) -> ImportReport:
    """Import the JSONL export (or bag, with its captures) at `path`; return what was added and what conflicted."""
    source_names: dict[str, tuple[str, str]] = {source.id: (source.display_name, source.kind) for source in cfg.sources}
    jsonl = jsonl_path(path)
    warc = jsonl.parent / WARC_NAME if path.is_dir() else None
    warc = warc if warc is not None and warc.is_file() else None
    # read everything once first: a bad line or record imports nothing
    for _ in read_documents(jsonl):
        pass
    for _ in read_captures(warc) if warc is not None else ():
        pass
    report = ImportReport()
    pending: list[tuple[str, str]] = []
    batch: list[DocumentRecord] = []
    try:
        with database_errors(f"writing the import into {database.display_url} failed"):
            for document in read_documents(jsonl):
                batch.append(document)
                if len(batch) >= BATCH:
                    _import_batch(database, batch, source_names, report, pending)
                    batch = []
            _import_batch(database, batch, source_names, report, pending)
            _link_pending_clusters(database, pending)
            if warc is not None:
                _import_captures(database, warc, report)
    except StorageError as exc:
        raise StorageError(
            f"{exc}; the file's first {report.committed_documents} documents and {report.committed_captures} "
            "captures were committed before the failure"
        ) from exc
    logger.info(
        "import of %s: %d new, %d updated, %d unchanged documents, %d revisions added, %d captures added, %d conflicts",
        path,
        report.new,
        report.updated,
        report.unchanged,
        report.revisions_added,
        report.captures_added,
        len(report.conflicts),
    )
    return report


def _import_captures(database: Database, warc: Path, report: ImportReport) -> None:
    batch: list[RestoredCapture] = []
    # pages with requisites (URL, time, status) and theirs, linked once every capture is in; no bodies kept
    pages: list[tuple[tuple[str, datetime, int], tuple[tuple[str, datetime], ...]]] = []
    for capture in read_captures(warc):
        batch.append(capture)
        if capture.requisites:
            exchange = capture.exchange
            pages.append(((exchange.url, exchange.fetched_at, exchange.status), capture.requisites))
        if len(batch) >= BATCH:
            _import_capture_batch(database, batch, report)
            batch = []
    _import_capture_batch(database, batch, report)
    with database.transaction() as session:
        for page, requisites in pages:
            link_restored_requisites(session, page, requisites)


def _import_capture_batch(database: Database, batch: list[RestoredCapture], report: ImportReport) -> None:
    if not batch:
        return
    added = 0
    with database.transaction() as session:
        for capture in batch:
            try:
                added += restore_capture(session, capture)
            except LookupError as exc:  # raised before anything of the capture is written
                report.conflicts.append(f"{capture.exchange.url}: the WARC's revisit repeats {exc}, not in the archive")
    report.captures_added += added
    report.committed_captures += len(batch)


def _link_pending_clusters(database: Database, pending: list[tuple[str, str]]) -> None:
    with database.transaction() as session:
        for uid, cluster_uid in pending:
            if not link_cluster(session, uid, cluster_uid):
                logger.warning("document %s: cluster root %s is not in the archive; left unclustered", uid, cluster_uid)


def _import_batch(
    database: Database,
    batch: list[DocumentRecord],
    source_names: dict[str, tuple[str, str]],
    report: ImportReport,
    pending: list[tuple[str, str]],
) -> None:
    if not batch:
        return
    with database.transaction() as session:
        for document in batch:
            result = import_document(session, document, source_names)
            report.count(result)
            if not result.cluster_resolved and document.cluster_uid:
                pending.append((document.uid, document.cluster_uid))
    report.committed_documents += len(batch)


def read_documents(path: Path) -> Iterator[DocumentRecord]:
    """Yield the documents of a JSONL export one line at a time; raise ImportFileError on a bad line."""
    with path.open("rb") as lines:
        for number, line in enumerate(lines, start=1):
            if not line.strip():
                continue
            try:
                yield DocumentRecord.model_validate(json.loads(line))
            except ValueError as exc:  # bad JSON, or pydantic's ValidationError (a ValueError)
                raise ImportFileError(
                    f"{path}:{number}: not a warta JSONL document ({_first_problem(exc)}); nothing was "
                    "imported, fix or remove the line and import again"
                ) from exc


def _first_problem(exc: ValueError) -> str:
    """Return the first thing wrong with a line, with its key path (e.g. 'revisions.0.title: Field required')."""
    if isinstance(exc, ValidationError):
        error = exc.errors()[0]
        return f"{'.'.join(str(part) for part in error['loc'])}: {error['msg']}"
    return str(exc)
