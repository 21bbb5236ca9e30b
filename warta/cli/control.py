"""`warta crawl-now`, `pause`, `resume`, `silence` and `runs`: steer the daemon and read its runs, through the database.

The commands store what they ask for and return at once; the daemon that leads
the archive acts at its next tick (warta.daemon.controls.TICK_SECONDS). They
work the same with one daemon or with a leader and a standby.
"""

from __future__ import annotations

import json
from datetime import timedelta
from zoneinfo import ZoneInfo

import click
from rich.console import Console
from rich.markup import escape
from rich.table import Table

from warta.cli.context import AppContext, pass_app
from warta.cli.timefmt import local_time, span
from warta.config import SourceConfig, WartaConfig
from warta.config.durations import parse_duration
from warta.daemon import steering
from warta.daemon.controls import TICK_SECONDS
from warta.monitoring.run_list import RunRecord, run_records
from warta.storage.types import utcnow

NEXT_TICK = f"within {TICK_SECONDS:g} s (its next tick)"


class DurationType(click.ParamType):  # type: ignore[type-arg]
    """A duration such as 30m, 2h or 1d."""

    name = "duration"

    def convert(self, value: object, param: click.Parameter | None, ctx: click.Context | None) -> timedelta:
        try:
            duration = parse_duration(value)
        except ValueError as exc:
            self.fail(str(exc), param, ctx)
        if duration <= timedelta(0):
            self.fail(f"{value!r} is not a positive duration; use e.g. 30m, 2h or 1d", param, ctx)
        return duration


def _source(cfg: WartaConfig, source_id: str) -> SourceConfig:
    try:
        return cfg.source(source_id)
    except KeyError:
        known = ", ".join(source.id for source in cfg.sources) or "(none)"
        raise click.UsageError(f"unknown source id {source_id}; configured sources: {known}") from None


@click.command("crawl-now")
@click.argument("source_id", metavar="SOURCE")
@pass_app
def crawl_now_command(app: AppContext, source_id: str) -> None:
    """Ask the running daemon to crawl a source now, at its next tick (no overlap with a running crawl).

    A paused source is crawled too: the request is explicit. Asking again while a
    request is pending changes nothing.

    Example: warta crawl-now dinas-kebudayaan
    """
    cfg = app.config()
    source = _source(cfg, source_id)
    database = app.database()
    try:
        answer = steering.request_crawl_now(database, source, steering.operator_name())
    finally:
        database.dispose()
    zone = ZoneInfo(cfg.crawler.timezone)
    if answer.already_requested:
        click.echo(f"a crawl of {source.id} was already requested at {local_time(answer.requested_at, zone)}")
    if answer.running_since is not None:
        click.echo(
            f"crawl of {source.id} requested; a crawl of it is running (started "
            f"{local_time(answer.running_since, zone)}): the daemon starts the requested one when that one ends"
        )
    else:
        click.echo(f"crawl of {source.id} requested; the daemon starts it {NEXT_TICK}")
    if answer.pause is not None:
        click.echo(f"note: {source.id} is paused; the requested crawl runs anyway, its schedule stays paused")


@click.command("pause")
@click.argument("source_id", metavar="SOURCE")
@click.option("--for", "duration", type=DurationType(), help="Resume by itself after this long (e.g. 2h, 1d).")
@pass_app
def pause_command(app: AppContext, source_id: str, duration: timedelta | None) -> None:
    """Stop scheduling a source's crawls, until `warta resume` or for a while (--for); its health shows paused.

    A crawl already running finishes. `warta crawl-now` still crawls a paused source.

    Example: warta pause kabar-jakarta --for 2h
    """
    cfg = app.config()
    source = _source(cfg, source_id)
    database = app.database()
    try:
        paused = steering.pause(database, source, steering.operator_name(), duration)
    finally:
        database.dispose()
    zone = ZoneInfo(cfg.crawler.timezone)
    until = (
        f"until {local_time(paused.until, zone)} (for {span(duration)})"
        if paused.until and duration
        else "until `warta resume`"
    )
    click.echo(
        f"{source.id} paused {until}; the daemon skips its scheduled crawls from its next tick "
        f"(within {TICK_SECONDS:g} s); a running crawl finishes"
    )


@click.command("resume")
@click.argument("source_id", metavar="SOURCE")
@pass_app
def resume_command(app: AppContext, source_id: str) -> None:
    """Schedule a paused source's crawls again; say when its next crawl is due.

    Example: warta resume kabar-jakarta
    """
    cfg = app.config()
    source = _source(cfg, source_id)
    database = app.database()
    try:
        lifted, next_run = steering.resume(database, cfg, source)
    finally:
        database.dispose()
    zone = ZoneInfo(cfg.crawler.timezone)
    if lifted is None:
        click.echo(f"{source.id} was not paused; nothing changed")
        return
    now = utcnow()
    when = "now: it is overdue" if next_run <= now else f"at {local_time(next_run, zone)} (in {span(next_run - now)})"
    click.echo(f"{source.id} resumed; the daemon crawls it on its schedule again, next {when} (checked {NEXT_TICK})")


@click.command("silence")
@click.argument("source_id", metavar="SOURCE")
@click.option("--for", "duration", type=DurationType(), help="How long to keep its alerts from being sent (e.g. 1d).")
@click.option("--off", is_flag=True, help="Lift the silence now.")
@pass_app
def silence_command(app: AppContext, source_id: str, duration: timedelta | None, off: bool) -> None:
    """Keep a source's alerts from being sent for a while: recorded in the database, not posted to the webhook
    nor listed in alerts.atom.

    Example: warta silence kabar-jakarta --for 1d
    """
    if (duration is None) == (not off):
        raise click.UsageError("give --for DURATION (e.g. --for 1d) to silence, or --off to lift a silence")
    cfg = app.config()
    source = _source(cfg, source_id)
    database = app.database()
    try:
        until = steering.silence(database, source, steering.operator_name(), duration)
    finally:
        database.dispose()
    if until is None:
        click.echo(f"alerts of {source.id} are sent again, from the next one on")
        return
    click.echo(
        f"alerts of {source.id} silenced until {local_time(until, ZoneInfo(cfg.crawler.timezone))}: they are "
        "recorded in the database but not sent (no webhook, no alerts.atom entry); "
        "the daemon applies this to the next alert it raises"
    )


@click.command("runs")
@click.argument("source_id", metavar="[SOURCE]", required=False)
@click.option("--errors", "with_errors", is_flag=True, help="Also list each run's page errors (URL and reason).")
@click.option("--limit", type=click.IntRange(min=1), default=20, show_default=True, help="How many runs to show.")
@click.option("--json", "as_json", is_flag=True, help="Print JSON instead of a table.")
@pass_app
def runs_command(app: AppContext, source_id: str | None, with_errors: bool, limit: int, as_json: bool) -> None:
    """List past crawl runs, newest first: status, duration, counts, and with --errors each page that failed.

    Example: warta runs kabar-jakarta --errors --limit 5
    """
    cfg = app.config()
    if source_id is not None:
        _source(cfg, source_id)
    database = app.database()
    try:
        records = run_records(database, source_id, limit, with_errors)
    finally:
        database.dispose()
    if as_json:
        runs = [record.as_json(with_errors) for record in records]
        click.echo(json.dumps({"runs": runs}, indent=2, ensure_ascii=False))
        return
    if not records:
        click.echo(f"no crawl runs of {source_id} yet" if source_id else "no crawl runs yet")
        return
    Console().print(_runs_table(records, ZoneInfo(cfg.crawler.timezone), with_errors))


def _runs_table(records: list[RunRecord], zone: ZoneInfo, with_errors: bool) -> Table:
    table = Table(title=f"crawl runs, newest first (times in {zone.key})")
    for column in ("run", "source", "started", "took", "status", "new", "changed", "gone", "errors", "requests"):
        table.add_column(column, justify="left" if column in ("source", "started", "status") else "right")
    for record in records:
        took = "running" if record.duration_seconds is None else span(timedelta(seconds=record.duration_seconds))
        status = escape(f"{record.status}: {record.error}" if record.error else record.status)
        counts = record.counts
        table.add_row(
            str(record.id),
            record.source,
            local_time(record.started_at, zone),
            took,
            status,
            *(str(counts[name]) for name in ("new", "changed", "gone", "errors", "requests")),
        )
        if with_errors:
            for error in record.page_errors:
                table.add_row("", "", "", "", f"[red]{escape(error.url)}[/]: {escape(error.reason)}")
    return table
