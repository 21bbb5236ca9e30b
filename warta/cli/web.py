"""The `warta serve` command: the archive browser (and the feed folder) over HTTP, until Ctrl-C or SIGTERM."""

from __future__ import annotations

import click

from warta.cli.context import AppContext, pass_app
from warta.daemon.signals import stop_on_signals
from warta.web.dispatch import make_warta_app
from warta.web.security import AuthConfigError, hash_password
from warta.web.server import HttpServer


@click.command("serve")
@click.option("--host", help="Address to listen on (default: [web] host, 127.0.0.1).")
@click.option("--port", type=click.IntRange(0, 65535), help="Port to listen on (default: [web] port; 0 picks one).")
@click.option(
    "--hash-password",
    "hash_password_only",
    is_flag=True,
    help="Ask for a password, print its hash for the variable named by [web] auth_password_hash_env, and exit.",
)
@pass_app
def serve_command(app: AppContext, host: str | None, port: int | None, hash_password_only: bool) -> None:
    """Serve the archive browser: search, stories with their revisions and diffs, sources and changes.

    The files of [feeds] dir are served too, at the same paths as `warta feeds serve` serves them.

    Example: warta serve --host 127.0.0.1 --port 8000
    """
    if hash_password_only:
        password = click.prompt("password", hide_input=True, confirmation_prompt=True)
        click.echo(hash_password(password))
        return
    cfg = app.config()
    host = host or cfg.web.host
    port = cfg.web.port if port is None else port
    database = app.database()
    try:
        asgi_app = make_warta_app(cfg, database)
    except AuthConfigError:
        database.dispose()
        raise  # exits 1 with its message (cli.root)
    try:
        server = HttpServer.bind(asgi_app, host, port)
    except OSError as exc:
        database.dispose()
        raise click.ClickException(f"cannot listen on {host}:{port}: {exc}; choose another --host/--port") from exc
    # uvicorn installs no signal handlers outside the main thread: ours stop it, announced only once they are set
    with stop_on_signals() as stop:
        click.echo(f"serving on {server.url} (Ctrl-C to stop)")
        server.serve_until(stop)
    database.dispose()
    click.echo("stopped")
