"""Scheduled snapshots: one `[[snapshots]]` entry exported under a timestamped name, oldest beyond `keep` deleted.

The daemon calls `run_scheduled_snapshot` on the entry's schedule; this module
knows nothing of scheduling. Rotation only touches exports recorded for the
same entry (snapshot rows with its schedule_id) and the files they wrote beside
them (a WARC's CDXJ index), never other files in the folder.
"""

from __future__ import annotations

import logging
from datetime import datetime
from pathlib import Path

from warta.archive.errors import ExportError
from warta.archive.exporter import SnapshotInfo, export
from warta.archive.output import EXTENSIONS, companion_paths, remove_partial
from warta.config import SnapshotConfig, WartaConfig
from warta.storage.database import Database
from warta.storage.snapshots import delete_snapshots, scheduled_snapshots
from warta.storage.types import utcnow

logger = logging.getLogger(__name__)


def snapshot_path(snapshot_cfg: SnapshotConfig, at: datetime) -> Path:
    """Return a free timestamped path for an export of this entry, e.g. snapshots/daily-jsonl-20261126T020000Z.jsonl."""
    stamp = at.strftime("%Y%m%dT%H%M%SZ")
    extension = EXTENSIONS[snapshot_cfg.format]
    candidate = snapshot_cfg.dir / f"{snapshot_cfg.id}-{stamp}{extension}"
    counter = 2
    while any(path.exists() for path in (candidate, *companion_paths(snapshot_cfg.format, candidate))):
        candidate = snapshot_cfg.dir / f"{snapshot_cfg.id}-{stamp}-{counter}{extension}"
        counter += 1
    return candidate


def run_scheduled_snapshot(cfg: WartaConfig, database: Database, snapshot_cfg: SnapshotConfig) -> SnapshotInfo:
    """Export the whole archive for this `[[snapshots]]` entry, then delete its exports beyond `keep`."""
    try:
        snapshot_cfg.dir.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise ExportError(
            f"cannot create snapshots[{snapshot_cfg.id}].dir {snapshot_cfg.dir}: {exc.strerror}; "
            "fix the path or its permissions"
        ) from exc
    started = utcnow()
    info = export(cfg, database, snapshot_cfg.format, snapshot_path(snapshot_cfg, started), schedule_id=snapshot_cfg.id)
    removed = rotate_snapshots(database, snapshot_cfg.id, snapshot_cfg.keep)
    logger.info(
        "scheduled snapshot %s: snapshot %d with %d documents in %.1fs, %d old exports deleted",
        snapshot_cfg.id,
        info.id,
        info.documents,
        (utcnow() - started).total_seconds(),
        len(removed),
    )
    return info


def rotate_snapshots(database: Database, schedule_id: str, keep: int) -> list[Path]:
    """Delete the exports of `schedule_id` beyond the newest `keep` (files and rows); return the paths deleted."""
    with database.transaction() as session:
        old = scheduled_snapshots(session, schedule_id)[keep:]
        paths = [Path(snapshot.path) for snapshot in old]
        for snapshot, path in zip(old, paths, strict=True):
            if path.exists():
                remove_partial(path)
            else:
                logger.warning("scheduled snapshot %s: %s was already gone", schedule_id, path)
            for companion in companion_paths(snapshot.format, path):
                companion.unlink(missing_ok=True)
        delete_snapshots(session, [snapshot.id for snapshot in old])
    return paths
