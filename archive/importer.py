"""Importing a JSONL export (or a bag holding one) into the archive database.

Lines are read one at a time and written in batches, one transaction each, so
memory stays flat and an interrupted import can simply be run again: importing
is idempotent. What conflicts with the stored archive is reported, never merged
(see storage.imports). Cluster links whose root document comes later in the
file are resolved after the last line.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import bagit
from pydantic import ValidationError

from warta.archive.errors import ImportFileError
from warta.config import WartaConfig
from warta.storage.database import Database
from warta.storage.document_records import DocumentRecord
from warta.storage.errors import database_errors
from warta.storage.imports import DocumentImport, ImportOutcome, import_document
from warta.storage.imports import resolve_cluster as link_cluster

logger = logging.getLogger(__name__)

BATCH = 200


@dataclass
class ImportReport:
    """What an import did, document by document."""

    new: int = 0
    updated: int = 0
    unchanged: int = 0
    revisions_added: int = 0
    conflicts: list[str] = field(default_factory=list)

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
    """Import the JSONL export (or bag) at `path`; return what was added and what conflicted."""
    source_names: dict[str, tuple[str, str]] = {source.id: (source.display_name, source.kind) for source in cfg.sources}
    report = ImportReport()
    pending: list[tuple[str, str]] = []
    batch: list[DocumentRecord] = []
    with database_errors(f"writing the import into {database.display_url} failed"):
        for document in read_documents(jsonl_path(path)):
            batch.append(document)
            if len(batch) >= BATCH:
                _import_batch(database, batch, source_names, report, pending)
                batch = []
        _import_batch(database, batch, source_names, report, pending)
        _link_pending_clusters(database, pending)
    logger.info(
        "import of %s: %d new, %d updated, %d unchanged documents, %d revisions added, %d conflicts",
        path,
        report.new,
        report.updated,
        report.unchanged,
        report.revisions_added,
        len(report.conflicts),
    )
    return report


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
                    f"{path}:{number}: not a warta JSONL document ({_first_problem(exc)}); lines before it were "
                    "imported, fix or remove the line and import again"
                ) from exc


def _first_problem(exc: ValueError) -> str:
    """Return the first thing wrong with a line, with its key path (e.g. 'revisions.0.title: Field required')."""
    if isinstance(exc, ValidationError):
        error = exc.errors()[0]
        return f"{'.'.join(str(part) for part in error['loc'])}: {error['msg']}"
    return str(exc)
