"""The `warta serve` command: the archive browser over HTTP, until Ctrl-C or SIGTERM."""

from __future__ import annotations

import socket
import threading

import click
import uvicorn

from warta.cli.context import AppContext, pass_app
from warta.daemon.signals import stop_on_signals
from warta.web.app import create_app
from warta.web.security import AuthConfigError, hash_password

# how often the waiting foreground thread checks that the server thread has not died on its own
WATCH_INTERVAL_SECONDS = 0.5
LISTEN_QUEUE_SIZE = 1024


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
        asgi_app = create_app(cfg, database)
    except AuthConfigError as exc:
        database.dispose()
        raise click.ClickException(str(exc)) from exc
    try:
        listener = listen(host, port)
    except OSError as exc:
        database.dispose()
        raise click.ClickException(f"cannot listen on {host}:{port}: {exc}; choose another --host/--port") from exc
    server = uvicorn.Server(uvicorn.Config(asgi_app, log_level="warning", lifespan="off", access_log=False))
    # uvicorn installs no signal handlers outside the main thread: ours stop it, announced only once they are set
    thread = threading.Thread(target=server.run, kwargs={"sockets": [listener]}, name="warta-web", daemon=True)
    with stop_on_signals() as stop:
        thread.start()
        shown_host = f"[{host}]" if ":" in host else host
        click.echo(f"serving on http://{shown_host}:{listener.getsockname()[1]}/ (Ctrl-C to stop)")
        while thread.is_alive() and not stop.wait(WATCH_INTERVAL_SECONDS):
            pass
        server.should_exit = True
        thread.join()
    listener.close()
    database.dispose()
    click.echo("stopped")


def listen(host: str, port: int) -> socket.socket:
    """Return a socket bound to host:port and listening (port 0 picks a free one)."""
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    listener = socket.socket(family, socket.SOCK_STREAM)
    try:
        listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        listener.bind((host, port))
        listener.listen(LISTEN_QUEUE_SIZE)
    except OSError:
        listener.close()
        raise
    return listener
