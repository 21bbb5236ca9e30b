"""The archive commands: `warta export`, `warta import` and `warta snapshots`.

Registered in warta.cli; the commands get the shared AppContext (warta.context)
through click's context object.
"""

from __future__ import annotations

import json
import signal
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path
from types import FrameType
from typing import Any

import click
from rich.console import Console
from rich.table import Table

from warta import archive
from warta.cli.context import AppContext, pass_app
from warta.storage.errors import StorageError
from warta.storage.snapshots import list_snapshots


def _aware(value: datetime | None) -> datetime | None:
    """Return `value` with UTC assumed when it carries no offset."""
    if value is None or value.tzinfo is not None:
        return value
    return value.replace(tzinfo=UTC)


class IsoDateTime(click.ParamType):  # type: ignore[type-arg]
    """An ISO 8601 date or date-time, with or without an offset (UTC when none)."""

    name = "ISO-DATETIME"

    def convert(self, value: Any, param: click.Parameter | None, ctx: click.Context | None) -> datetime:
        if isinstance(value, datetime):
            return _aware(value) or value
        try:
            parsed = datetime.fromisoformat(str(value))
        except ValueError:
            self.fail(f"{value!r} is not an ISO 8601 time; write e.g. 2026-11-01 or 2026-11-01T08:00+07:00", param, ctx)
        return _aware(parsed) or parsed


@contextmanager
def _terminate_as_interrupt() -> Iterator[None]:
    """Turn SIGTERM into KeyboardInterrupt, so a killed export removes its partial file."""

    def interrupt(signum: int, frame: FrameType | None) -> None:
        raise KeyboardInterrupt

    try:
        previous = signal.signal(signal.SIGTERM, interrupt)
    except ValueError:  # not the main thread: leave signals alone
        yield
        return
    try:
        yield
    finally:
        signal.signal(signal.SIGTERM, previous)


@click.command("export")
@click.option("--format", "fmt", type=click.Choice(archive.FORMATS), required=True, help="Export format.")
@click.option("--output", type=click.Path(path_type=Path), required=True, help="File (or bag folder) to write.")
@click.option("--since", type=IsoDateTime(), help="Only documents new or changed at or after this time (default UTC).")
@click.option("--since-snapshot", type=int, metavar="ID", help="Only documents new or changed since that snapshot.")
@click.option("--source", "sources", multiple=True, metavar="ID", help="Only this source (repeatable).")
@click.option("--topic", "topics", multiple=True, metavar="ID", help="Only documents of this topic (repeatable).")
@click.option("--current-only", is_flag=True, help="Only the current revision of each document.")
@click.option("--force", is_flag=True, help="Replace an existing export at --output (a file, or a bag warta made).")
@pass_app
def export_command(
    app: AppContext,
    fmt: str,
    output: Path,
    since: datetime | None,
    since_snapshot: int | None,
    sources: tuple[str, ...],
    topics: tuple[str, ...],
    current_only: bool,
    force: bool,
) -> None:
    """Write a snapshot of the archive in one format and record it in `warta snapshots`.

    The file appears under its name only when complete; an existing one is kept unless --force
    is given. A WARC export also writes its CDXJ index beside it (NAME.cdxj).

    Example: warta export --format jsonl --output items.jsonl --since 2026-11-01
    """
    selection = archive.Selection(since, since_snapshot, sources, topics, current_only)
    cfg = app.config()
    database = app.database()
    try:
        with _terminate_as_interrupt():
            snapshot = archive.export(cfg, database, fmt, output, selection, force=force)
    except (archive.ExportError, StorageError, OSError) as exc:
        raise click.ClickException(f"{exc} (nothing was written to {output})") from exc
    finally:
        database.dispose()
    click.echo(
        f"snapshot {snapshot.id}: {snapshot.documents} documents, {snapshot.revisions} revisions, "
        f"{snapshot.captures} captures -> {snapshot.path} ({snapshot.bytes} bytes, sha256 {snapshot.sha256[:12]})"
    )


@click.command("import")
@click.argument("path", type=click.Path(path_type=Path))
@pass_app
def import_command(app: AppContext, path: Path) -> None:
    """Import a JSONL export, or a bag (documents, revisions and the captures of its WARC), into the database.

    The file is read whole first: a bad line imports nothing. Importing twice changes
    nothing. Data that disagrees with the archive is listed and skipped (exit 1), never merged.

    Example: warta import snapshots/daily-jsonl-20261126T020000Z.jsonl
    """
    cfg = app.config()
    database = app.database(create=True)
    try:
        report = archive.import_archive(cfg, database, path)
    except StorageError as exc:
        raise click.ClickException(f"{exc}; the import can be run again, it skips what is already stored") from exc
    finally:
        database.dispose()
    click.echo(
        f"imported {path}: {report.new} new, {report.updated} updated, {report.unchanged} unchanged documents, "
        f"{report.revisions_added} revisions added, {report.captures_added} captures added"
    )
    if report.has_conflicts:
        for conflict in report.conflicts:
            click.echo(f"conflict: {conflict}", err=True)
        raise click.ClickException(
            f"{len(report.conflicts)} conflicts: those documents were skipped and the stored archive kept as it was"
        )


@click.command("snapshots")
@click.option("--json", "as_json", is_flag=True, help="Print JSON instead of a table.")
@click.option("--limit", type=click.IntRange(min=1), default=50, show_default=True, help="Newest snapshots shown.")
@pass_app
def snapshots_command(app: AppContext, as_json: bool, limit: int) -> None:
    """List the recorded exports, newest first.

    Example: warta snapshots --json
    """
    database = app.database()
    try:
        with database.reading() as session:
            rows = [_snapshot_json(snapshot) for snapshot in list_snapshots(session, limit)]
    finally:
        database.dispose()
    if as_json:
        click.echo(json.dumps(rows, indent=2, ensure_ascii=False))
        return
    table = Table(title="snapshots")
    numeric = ("id", "documents", "revisions", "captures", "bytes")
    for column in ("id", "created", "format", "schedule", "documents", "revisions", "captures", "bytes", "path"):
        table.add_column(column, justify="right" if column in numeric else "left")
    for row in rows:
        table.add_row(
            str(row["id"]),
            row["created_at"][:19],
            row["format"] if row["finished_at"] else f"{row['format']} (unfinished)",
            row["schedule_id"] or "",
            str(row["documents"]),
            str(row["revisions"]),
            str(row["captures"]),
            str(row["bytes"]),
            row["path"],
        )
    Console(width=160).print(table)


def _snapshot_json(snapshot: Any) -> dict[str, Any]:
    return {
        "id": snapshot.id,
        "created_at": snapshot.created_at.isoformat(),
        "finished_at": snapshot.finished_at.isoformat() if snapshot.finished_at else None,
        "format": snapshot.format,
        "path": snapshot.path,
        "selection": snapshot.selection,
        "schedule_id": snapshot.schedule_id,
        "max_revision_id": snapshot.max_revision_id,
        "documents": snapshot.documents,
        "revisions": snapshot.revisions,
        "captures": snapshot.captures,
        "bytes": snapshot.bytes,
        "sha256": snapshot.sha256,
    }
