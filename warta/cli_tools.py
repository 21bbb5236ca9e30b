"""Source tools of the `warta` command line: commands that help an operator write a source."""

from __future__ import annotations

from urllib.parse import urlsplit

import click

from config import WartaConfig, locate_config
from crawler.discovery import discover as discover_site
from crawler.probe import ProbeError, Prober
from crawler.source_block import source_block
from warta.context import AppContext


@click.command("discover")
@click.argument("url")
@click.option(
    "--timeout",
    "timeout_seconds",
    type=click.FloatRange(min=0.1),
    default=None,
    help="Seconds to wait for each answer (default: [crawler] timeout).",
)
@click.pass_context
def discover(ctx: click.Context, url: str, timeout_seconds: float | None) -> None:
    """Find a site's feeds, sitemaps and article listings, and print a [[sources]] block for warta.toml.

    It makes a few requests with the configured User-Agent (a config file is optional),
    obeys robots.txt for everything but URL, and stores nothing. Paste the block into
    warta.toml, then check what it would record with `warta preview SOURCE_ID`.

    Example: warta discover https://disbud.jakarta.go.id/
    """
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise click.UsageError(f"{url!r} is not an http(s) URL; write it in full, e.g. https://example.org/")
    prober = Prober.from_config(_optional_config(ctx))
    if timeout_seconds is not None:
        prober.timeout_seconds = timeout_seconds
    try:
        found = discover_site(url, prober)
    except ProbeError as exc:
        raise click.ClickException(f"{exc}; nothing was discovered") from exc
    click.echo(source_block(found), nl=False)


def _optional_config(ctx: click.Context) -> WartaConfig | None:
    """Return the config when there is a config file to read (exit 2 if it is broken), else None."""
    app = ctx.find_object(AppContext)
    if app is None or not locate_config(app.config_path).is_file():
        return None
    return app.config()
