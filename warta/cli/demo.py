"""The `warta demo` command: the offline demo on a bundled local site."""

from __future__ import annotations

import errno
import socket
import sys
from pathlib import Path

import click
from rich.console import Console
from rich.table import Table

from warta.crawler.errors import CrawlerError
from warta.daemon.signals import stop_on_signals
from warta.demo.folder import claim_demo_folder
from warta.demo.runner import Demo, DemoResult
from warta.storage.database import Database
from warta.web.dispatch import make_warta_app
from warta.web.server import HttpServer, listen

HOST = "127.0.0.1"


@click.command("demo")
@click.option("--once", is_flag=True, help="Exit after building the feeds instead of serving the archive.")
@click.option(
    "--dir",
    "data_dir",
    type=click.Path(path_type=Path, file_okay=False),
    default=Path("demo"),
    show_default=True,
    help=(
        "Folder of the demo's database, config and feeds. The demo creates it, or reuses a folder an earlier "
        "demo made; it refuses any other folder that is not empty, and never deletes files it did not write."
    ),
)
@click.option(
    "--port",
    type=click.IntRange(0, 65535),
    default=8080,
    show_default=True,
    help="Port of the archive browser and the feeds (another free one when it is taken).",
)
def demo_command(once: bool, data_dir: Path, port: int) -> None:
    """Crawl a bundled demo site on two days, build the feeds, and serve the archive browser and feeds (offline).

    Example: warta demo --once --dir warta-demo
    """
    data_dir = claim_demo_folder(data_dir)  # a DemoFolderError exits 2 (cli.root)
    console = Console(soft_wrap=True)
    # bound before the crawls: the feeds' public URL, written into the demo's config, names this port
    listener = _listen_or_any_port(HOST, port)
    host, bound_port = listener.getsockname()[:2]
    demo = Demo(data_dir, feeds_url=f"http://{host}:{bound_port}/", host=HOST)
    try:
        try:
            result = demo.run(announce=lambda line: console.print(f"[bold]{line}[/bold]"))
        except CrawlerError as exc:
            raise click.ClickException(f"the demo crawl failed: {exc}") from exc
        print_summary(console, result, serving=not once)
        if once:
            return
        serve_archive(console, demo, listener, result.feeds_url)
    finally:
        listener.close()
        demo.close()


def serve_archive(console: Console, demo: Demo, listener: socket.socket, url: str) -> None:
    """Serve the archive browser and the feeds of the demo's archive on `listener` until Ctrl-C or SIGTERM."""
    cfg = demo.config()
    database = Database.from_config(cfg)
    try:
        server = HttpServer(make_warta_app(cfg, database, environ={}), listener)
        # The handlers are in place before the announcement, so a signal sent on reading it stops us cleanly.
        with stop_on_signals() as stop:
            console.print(
                f"\nServing the archive at [bold]{url}[/bold] (search, stories, diffs, sources) "
                f"and its feeds at {url}index.html (Ctrl-C to stop)."
            )
            server.serve_until(stop)
    finally:
        database.dispose()
    console.print("stopped")


def _listen_or_any_port(host: str, port: int) -> socket.socket:
    """Return a socket listening on `port`, or on a free port when that one is taken."""
    try:
        return listen(host, port)
    except OSError as exc:
        if exc.errno != errno.EADDRINUSE or port == 0:
            raise
        return listen(host, 0)


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
    if serving:  # the demo site, the archive and its feeds are up only while the demo serves
        suggestions = [
            f"open {result.feeds_url} in a browser: search the archive, see what changed on day two",
            f"subscribe to {result.feeds_url}index.opml in a feed reader",
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
