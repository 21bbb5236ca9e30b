"""The `warta demo` command: the offline demo on a bundled local site."""

from __future__ import annotations

import sys
from pathlib import Path

import click
from rich.console import Console
from rich.table import Table

from warta.crawler.errors import CrawlerError
from warta.daemon.signals import stop_on_signals
from warta.demo.runner import Demo, DemoResult


@click.command("demo")
@click.option("--once", is_flag=True, help="Exit after building the feeds instead of serving them.")
@click.option(
    "--dir",
    "data_dir",
    type=click.Path(path_type=Path, file_okay=False),
    default=Path("demo"),
    show_default=True,
    help="Folder of the demo's database, config and feeds (emptied first).",
)
@click.option("--port", type=click.IntRange(0, 65535), default=8080, show_default=True, help="Port of the feeds.")
def demo_command(once: bool, data_dir: Path, port: int) -> None:
    """Crawl a bundled demo site on two days, build the feeds and serve them (offline).

    Example: warta demo --once
    """
    console = Console(soft_wrap=True)
    demo = Demo(data_dir, feeds_port=port)
    try:
        try:
            result = demo.run(announce=lambda line: console.print(f"[bold]{line}[/bold]"))
        except CrawlerError as exc:
            raise click.ClickException(f"the demo crawl failed: {exc}") from exc
        print_summary(console, result, serving=not once)
        if once:
            return
        # The handlers are in place before the announcement, so a signal sent on reading it stops us cleanly.
        with stop_on_signals() as stop:
            console.print(f"\nServing the feeds at [bold]{result.feeds_url}[/bold] (Ctrl-C to stop).")
            demo.serve(stop)
        console.print("stopped")
    finally:
        demo.close()


def print_summary(console: Console, result: DemoResult, serving: bool) -> None:
    """Print what each day's crawl found, where the feeds are, and what to try next."""
    table = Table(title="What warta saw on the demo site")
    for column in ("day", "source", "new", "changed", "unchanged", "gone", "errors"):
        table.add_column(column, justify="left" if column in ("day", "source") else "right")
    for day, report in result.days:
        for source in report.sources:
            table.add_row(
                day.replace("day", "day "),
                source.id,
                str(source.new),
                str(source.changed),
                str(source.unchanged),
                str(source.gone),
                str(source.errors),
            )
    console.print(table)
    day_two = result.days[-1][1].sources
    console.print(
        f"Day two: {sum(s.new for s in day_two)} new, {sum(s.changed for s in day_two)} changed, "
        f"{sum(s.gone for s in day_two)} gone stories; sidebars and footers changed on every page "
        "and made no revision."
    )
    console.print(f"Feeds: {result.feeds.summary()}")
    console.print(f"Calendar: {result.feeds_url}events/all.ics ({result.feeds.events} events)")
    warta = f"{_program()} --config {result.config_path}"
    suggestions = [f"{warta} status", f"{warta} export --format jsonl --output demo-export.jsonl"]
    if serving:  # the demo site and the feeds are up only while the demo serves
        suggestions = [
            f"open {result.feeds_url}index.html in a browser, or {result.feeds_url}index.opml in a feed reader",
            f"subscribe to {result.feeds_url}events/all.ics in a calendar application (the events calendar)",
            *suggestions,
            f"{warta} discover {result.site_url}/kabar/",
            f"{warta} preview kabar --limit 3",
        ]
    console.print("\nTry next:")
    for line in suggestions:
        console.print(f"  {line}")


def _program() -> str:
    """Return how the user ran warta (e.g. `.venv/bin/warta`), so the commands shown can be pasted."""
    invoked = Path(sys.argv[0])
    return str(invoked) if invoked.name == "warta" else "warta"
