"""Scheduled fixity checks: one `[[fixity]]` entry checks the stored archive and the scheduled exports.

The daemon calls `run_fixity_check` on the entry's schedule and raises the
alert; this module knows nothing of scheduling or alerting. An export of a
`[[snapshots]]` entry is checked against the SHA-256 recorded when it was
written (for a bag, that of its tag manifest), and a WARC, WACZ or bag also
against the digests it carries. An export deleted by hand is skipped, not a
problem: rotation is not the only thing that may remove one.
"""

from __future__ import annotations

import logging
from pathlib import Path

from warta.archive.export_fixity import verify_export
from warta.archive.exporter import measure
from warta.archive.fixity import FixityReport, verify_archive
from warta.config import FixityConfig, WartaConfig
from warta.storage.database import Database
from warta.storage.snapshots import scheduled_snapshots
from warta.storage.types import utcnow

logger = logging.getLogger(__name__)

DEEP_FORMATS = ("warc", "wacz", "bagit")


def run_fixity_check(cfg: WartaConfig, database: Database, fixity_cfg: FixityConfig) -> FixityReport:
    """Run the checks this `[[fixity]]` entry names and return one report of them all."""
    started = utcnow()
    report = FixityReport(f"fixity {fixity_cfg.id}")
    if fixity_cfg.archive:
        report.merge(verify_archive(database))
    if fixity_cfg.snapshots:
        for snapshot_cfg in cfg.snapshots:
            report.merge(verify_scheduled_exports(database, snapshot_cfg.id))
    logger.info(
        "fixity check %s: %s in %.1fs",
        fixity_cfg.id,
        report.summary(),
        (utcnow() - started).total_seconds(),
    )
    return report


def verify_scheduled_exports(database: Database, schedule_id: str) -> FixityReport:
    """Check the finished exports of one `[[snapshots]]` entry that are still on disk."""
    report = FixityReport(f"snapshots {schedule_id}")
    with database.reading() as session:
        exports = [
            (snapshot.id, snapshot.format, Path(snapshot.path), snapshot.sha256)
            for snapshot in scheduled_snapshots(session, schedule_id)
            if snapshot.finished_at is not None
        ]
    for snapshot_id, fmt, path, recorded in exports:
        if not path.exists():
            logger.info("fixity: snapshot %d (%s) is no longer on disk; skipped", snapshot_id, path)
            continue
        report.count("exports")
        try:
            _size, digest = measure(path)
        except OSError as exc:
            report.add(f"snapshot {snapshot_id} {path}", f"it cannot be read: {exc}")
            continue
        if recorded and digest != recorded:
            what = "its tag manifest" if path.is_dir() else "it"
            report.add(
                f"snapshot {snapshot_id} {path}",
                f"{what} hashes to sha256 {digest}, not the {recorded} recorded when it was written",
            )
        if fmt in DEEP_FORMATS:
            report.merge(verify_export(path))
    return report
