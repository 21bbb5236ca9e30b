"""Exports of the archive (JSONL, CSV, WARC, WACZ, BagIt) recorded as snapshots, and imports back.

Entry points: `export` (one export, recorded as a snapshot), `run_scheduled_snapshot`
(a `[[snapshots]]` entry with rotation) and `import_archive` (a JSONL export or a bag).
"""

from warta.archive.errors import ArchiveError, ExportError, ImportFileError, SelectionError
from warta.archive.exporter import FORMATS, SnapshotInfo, export
from warta.archive.importer import ImportReport, import_archive
from warta.archive.scheduled import rotate_snapshots, run_scheduled_snapshot
from warta.archive.selection import Selection

__all__ = [
    "FORMATS",
    "ArchiveError",
    "ExportError",
    "ImportFileError",
    "ImportReport",
    "Selection",
    "SelectionError",
    "SnapshotInfo",
    "export",
    "import_archive",
    "rotate_snapshots",
    "run_scheduled_snapshot",
]
