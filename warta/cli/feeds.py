"""The `warta feeds` commands: build the feed files, and serve the feed folder over HTTP."""

from __future__ import annotations

import click

from warta.cli.context import AppContext, pass_app
from warta.daemon.signals import stop_on_signals
from warta.feeds.builder import build_feeds
from warta.feeds.static_app import FeedFolderApp
from warta.storage.errors import StorageError
from warta.web.server import HttpServer


@click.group("feeds")
def feeds_group() -> None:
    """Build and serve the curated Atom, RSS and JSON feeds."""


@feeds_group.command("build")
@click.option(
    "--rematch",
    is_flag=True,
    help="Match every archived document against the topics again, even if the topics did not change.",
)
@pass_app
def feeds_build(app: AppContext, rematch: bool) -> None:
    """Write every topic, source and all-stories feed, index.opml and index.html into [feeds] dir.

    Topic memberships are recomputed first when the [[topics]] changed. Files
    whose content did not change are not rewritten.

    Example: warta feeds build
    """
    cfg = app.config()
    database = app.database()
    try:
        report = build_feeds(cfg, database, rematch=rematch)
    except StorageError as exc:
        raise click.ClickException(f"{exc} (feed files already written were left as they were)") from exc
    finally:
        database.dispose()
    if report.rematch is not None:
        click.echo(f"topics rematched: {report.rematch.documents} documents, {report.rematch.memberships} memberships")
    click.echo(
        f"feeds built: {report.feeds} feeds, {report.entries} entries, {report.events} events; "
        f"{report.written} files written, {report.unchanged} unchanged, {report.removed} removed -> {report.feed_dir}"
    )


@feeds_group.command("serve")
@click.option("--host", help="Address to listen on (default: the host of [daemon] listen).")
@click.option("--port", type=click.IntRange(0, 65535), help="Port to listen on (default: the port of [daemon] listen).")
@pass_app
def feeds_serve(app: AppContext, host: str | None, port: int | None) -> None:
    """Serve the feed folder over HTTP until interrupted (Ctrl-C or SIGTERM).

    Example: warta feeds serve --host 127.0.0.1 --port 8080
    """
    cfg = app.config()
    default_host, _, default_port = cfg.daemon.listen.rpartition(":")
    feed_dir = cfg.feeds.dir
    if not feed_dir.is_dir():
        raise click.ClickException(f"the feed folder {feed_dir} does not exist; run `warta feeds build` first")
    host = host or default_host
    port = int(default_port) if port is None else port
    try:
        server = HttpServer.bind(FeedFolderApp(feed_dir), host, port)
    except OSError as exc:
        raise click.ClickException(f"cannot listen on {host}:{port}: {exc}; choose another --host/--port") from exc
    # The handlers are in place before the announcement, so a signal sent on reading it stops us cleanly.
    with stop_on_signals() as stop:
        click.echo(f"serving {feed_dir} on {server.url} (Ctrl-C to stop)")
        server.serve_until(stop)
    click.echo("stopped")
