"""`warta crawl`: crawl the configured sources once, with live progress and a summary table."""

from __future__ import annotations

import json
import sys
from collections.abc import Iterator
from contextlib import contextmanager

import click
from rich.console import Console
from rich.live import Live
from rich.table import Table

from warta.cli.context import AppContext, pass_app
from warta.cli.logs import bind_log_fields
from warta.config import SourceConfig, WartaConfig
from warta.config.handoff import parse_crawl_config
from warta.crawler.report import CrawlReport, ProgressCallback, ProgressEvent
from warta.crawler.runner import run_crawl
from warta.crawler.selection import select_sources

JSON_KEYS = ("id", "new", "changed", "unchanged", "gone", "errors", "requests", "bytes", "seconds")


@click.command("crawl")
@click.argument("source_ids", nargs=-1, metavar="[SOURCE_ID]...")
@click.option("--json", "as_json", is_flag=True, help="Print the per-source counts as JSON instead of a table.")
@click.option(
    "--progress-lines",
    is_flag=True,
    hidden=True,
    help="Print each progress event as a JSON line on stdout, for the process that started this crawl.",
)
@click.option(
    "--config-from-stdin",
    "from_stdin",
    is_flag=True,
    hidden=True,
    help="Read the config the starting process accepted (JSON) from stdin instead of the config file.",
)
@pass_app
def crawl_command(
    app: AppContext, source_ids: tuple[str, ...], as_json: bool, progress_lines: bool, from_stdin: bool
) -> None:
    """Crawl sources once (all enabled sources when none are named) and record what changed.

    Exit status: 0 when every source ran (page errors are counted, not fatal),
    1 when a source could not run at all, 2 for bad usage or config.

    Example: warta crawl dinas-kebudayaan --json
    """
    cfg = handed_config() if from_stdin else app.config()
    sources = select_sources(cfg, source_ids)
    if not sources:
        raise click.UsageError("no enabled sources to crawl; add [[sources]] to the config or name a source id")
    console = Console(stderr=True)
    with live_progress(console, enabled=console.is_terminal and not as_json) as live:
        progress = _print_progress_line if progress_lines else live
        report = run_crawl(cfg, source_ids or None, progress=_binding_run_ids(sources, progress))
    if as_json:
        click.echo(json.dumps(report_as_json(report), ensure_ascii=False))
    else:
        Console().print(summary_table(report))
    failed = [item for item in report.sources if not item.has_run]
    if failed:
        detail = "; ".join(f"{item.id}: {item.status} ({item.error})" for item in failed)
        raise click.ClickException(f"{len(failed)} source(s) could not be crawled: {detail}")


def _print_progress_line(event: ProgressEvent) -> None:
    """Print the event for the process that started the crawl (executors.local reads it)."""
    click.echo(event.as_line())


def handed_config() -> WartaConfig:
    """Return the config the starting process wrote to stdin; a ConfigError when it does not parse exits 2."""
    # stdin, not an argument: the payload holds the database password, and `ps` shows arguments
    return parse_crawl_config(sys.stdin.read())


def report_as_json(report: CrawlReport) -> dict[str, object]:
    """Return the report in the documented JSON shape, plus each source's status and error."""
    sources = []
    for item in report.sources:
        data = item.as_dict()
        entry = {key: data[key] for key in JSON_KEYS}
        entry.update(status=item.status, error=item.error, not_modified=item.not_modified, skipped=item.skipped)
        sources.append(entry)
    return {"sources": sources}


def summary_table(report: CrawlReport) -> Table:
    """Return the final per-source table."""
    table = Table(title="crawl summary")
    for name in ("source", "requests", "bytes", "new", "changed", "unchanged", "gone", "errors", "duration"):
        table.add_column(name, justify="left" if name == "source" else "right", no_wrap=True)
    for item in report.sources:
        table.add_row(
            item.id if item.has_run else f"{item.id} ({item.status})",
            str(item.requests),
            _size(item.bytes),
            str(item.new),
            str(item.changed),
            str(item.unchanged),
            str(item.gone),
            str(item.errors),
            f"{item.seconds:.1f}s",
        )
    return table


def _binding_run_ids(sources: list[SourceConfig], progress: ProgressCallback | None) -> ProgressCallback | None:
    """Return a progress callback that also tags every log line with the crawl's source and run id.

    Only a crawl of one source (what the daemon starts) can say which run a line
    belongs to: Scrapy crawls several sources at once in one reactor.
    """
    if len(sources) != 1:
        return progress
    bind_log_fields(source=sources[0].id, run_id=None)

    def bind(event: ProgressEvent) -> None:
        if event.run_id is not None:
            bind_log_fields(run_id=event.run_id)
        if progress is not None:
            progress(event)

    return bind


@contextmanager
def live_progress(console: Console, enabled: bool) -> Iterator[ProgressCallback | None]:
    """Yield a progress callback that redraws a live table per source (None when not on a terminal)."""
    if not enabled:
        yield None
        return
    latest: dict[str, ProgressEvent] = {}

    def render() -> Table:
        table = Table(title="crawling")
        for name in ("source", "fetched", "queued", "new", "changed", "errors"):
            table.add_column(name, justify="left" if name == "source" else "right")
        for event in latest.values():
            label = f"{event.source_id} (done)" if event.finished else event.source_id
            table.add_row(
                label, str(event.fetched), str(event.queued), str(event.new), str(event.changed), str(event.errors)
            )
        return table

    with Live(render(), console=console, refresh_per_second=4, transient=True) as live:

        def update(event: ProgressEvent) -> None:
            latest[event.source_id] = event
            live.update(render())

        yield update


def _size(count: int) -> str:
    """Return a byte count for people: 950B, 12.3kB, 4.5MB."""
    if count < 1000:
        return f"{count}B"
    size, unit = float(count), "B"
    for unit in ("kB", "MB", "GB"):  # noqa: B007  (the unit the loop stops at is the answer)
        size /= 1000
        if size < 1000:
            break
    return f"{size:.1f}{unit}"
