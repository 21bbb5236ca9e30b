"""The `warta daemon` and `warta status` commands: thin shells over warta.daemon and warta.status."""

from __future__ import annotations

import json
import logging
from datetime import datetime
from zoneinfo import ZoneInfo

import click
from rich.console import Console
from rich.table import Table

from warta.cli.context import AppContext, pass_app
from warta.cli.timefmt import local_time, span
from warta.monitoring.status import SourceStatus, source_statuses
from warta.storage.types import utcnow
from warta.web.security import AuthConfigError

HEALTH_STYLES = {
    "ok": "green",
    "failing": "red",
    "stale": "yellow",
    "degraded": "yellow",
    "unknown": "dim",
    "paused": "blue",
}


@click.command("daemon")
@pass_app
def daemon_command(app: AppContext) -> None:
    """Run the scheduler: crawl each source on its schedule, watch health, serve the archive and its feeds.

    It serves the archive browser, the feeds, /healthz and /metrics on [daemon] listen. SIGHUP reloads the
    config; SIGTERM or Ctrl-C stops it cleanly (running crawls get [daemon] shutdown_grace).

    Example: warta --config /etc/warta/warta.toml --log-format json daemon
    """
    # imported here: the daemon's modules (scheduler, web app, archive, feeds) take half a second that
    # `warta status`, the other command of this module, does not need
    from warta.daemon.service import Daemon

    cfg = app.config()
    if cfg.config_path is None:
        raise click.UsageError("the daemon needs a config file to reload; pass --config PATH")
    database = app.database(create=True)
    log_level = logging.getLevelName(logging.getLogger().level).lower()
    try:
        daemon = Daemon.from_config(cfg, database, log_level)
    except OSError as exc:
        database.dispose()
        raise click.ClickException(
            f"cannot listen on {cfg.daemon.listen}: {exc} (is another daemon running? change [daemon] listen)"
        ) from exc
    except AuthConfigError:
        database.dispose()
        raise  # exits 1 with its message (cli.root)
    raise SystemExit(daemon.run())


@click.command("status")
@click.option("--json", "as_json", is_flag=True, help="Print JSON instead of a table.")
@pass_app
def status_command(app: AppContext, as_json: bool) -> None:
    """Show each source's schedule, last run, next run, documents and health (reads the database).

    Works whether or not a daemon is running. Times are in [crawler] timezone (--json: UTC).

    Example: warta status --json
    """
    cfg = app.config()
    database = app.database()
    try:
        now = utcnow()
        rows = source_statuses(cfg, database, now)
    finally:
        database.dispose()
    if as_json:
        click.echo(json.dumps({"sources": [row.as_json() for row in rows]}, indent=2, ensure_ascii=False))
        return
    if not rows:
        click.echo("no sources configured; add [[sources]] to the config")
        return
    Console().print(_table(rows, now, ZoneInfo(cfg.crawler.timezone)))


def _table(rows: list[SourceStatus], now: datetime, zone: ZoneInfo) -> Table:
    table = Table(title=f"warta sources (times in {zone.key})", show_lines=False)
    for column in ("source", "schedule", "last run", "result", "next run", "docs", "health"):
        table.add_column(column, justify="right" if column == "docs" else "left")
    for row in rows:
        last = row.last_run
        result = "-" if last is None else f"{last.status}: {last.new} new, {last.changed} changed, {last.gone} gone"
        if last is not None and last.errors:
            result += f", {last.errors} errors"
        health = f"[{HEALTH_STYLES.get(row.health, '')}]{row.health}[/]" + (
            f": {row.health_reason}" if row.health_reason else ""
        )
        if row.silenced_until is not None:
            health += f" (alerts silenced until {local_time(row.silenced_until, zone)})"
        table.add_row(
            row.id,
            row.schedule if row.enabled else f"{row.schedule} (disabled)",
            f"{local_time(last.started_at, zone)} ({span(now - last.started_at)} ago)" if last else "never",
            result,
            _next(row, now, zone),
            str(row.documents),
            health,
        )
    return table


def _next(row: SourceStatus, now: datetime, zone: ZoneInfo) -> str:
    if row.next_run is None:
        return "paused" if row.health == "paused" else "-"
    if row.overdue:
        return "due now"
    return f"{local_time(row.next_run, zone)} (in {span(row.next_run - now)})"
