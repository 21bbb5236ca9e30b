"""Source tools of the `warta` command line: commands that help an operator write a source."""

from __future__ import annotations

import shlex
import tempfile
import textwrap
from pathlib import Path
from urllib.parse import urlsplit

import click
from rich.console import Console

from warta.cli.context import AppContext, pass_app
from warta.cli.logs import quiet_unless_verbose
from warta.config import WartaConfig, locate_config
from warta.crawler.browser import find_browser
from warta.crawler.discovery import Renderer
from warta.crawler.discovery import discover as discover_site
from warta.crawler.errors import CrawlerError, UnknownSourceError
from warta.crawler.page_requests import PageRenderer
from warta.crawler.preview import PreviewResult, preview_source
from warta.crawler.probe import ProbeError, Prober
from warta.crawler.source_block import source_block
from warta.storage.errors import StorageError

PREVIEW_TEXT_CHARS = 240


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

    A page built by scripts (an application shell) is said to be one, and the block gets
    render = "browser"; when Chromium is at hand the page is rendered, and the JSON requests it
    made are listed with a guessed kind = "json" block, flagged as a guess.

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
        found = discover_site(url, prober, _renderer(_optional_config(ctx), prober))
    except ProbeError as exc:
        raise click.ClickException(f"{exc}; nothing was discovered") from exc
    click.echo(source_block(found, *_config_hint(ctx)), nl=False)


def _renderer(cfg: WartaConfig | None, prober: Prober) -> Renderer | None:
    """Return a renderer of pages in the configured (or found) Chromium, None when there is none."""
    executable = find_browser(cfg.crawler.browser_path if cfg is not None else None)
    if executable is None:
        return None
    return PageRenderer(executable, prober.user_agent, max(prober.timeout_seconds, 10.0)).render


def _config_hint(ctx: click.Context) -> tuple[str, str]:
    """Return the config file a discovered block goes into, and the --config option preview needs for it."""
    app = ctx.find_object(AppContext)
    explicit = app.config_path if app is not None else None
    config_file = locate_config(explicit)
    return str(config_file), f"--config {shlex.quote(str(config_file))}" if explicit is not None else ""


def _optional_config(ctx: click.Context) -> WartaConfig | None:
    """Return the config when there is a config file to read (exit 2 if it is broken), else None."""
    app = ctx.find_object(AppContext)
    if app is None or not locate_config(app.config_path).is_file():
        return None
    return app.config()


@click.command("preview")
@click.argument("source_id")
@click.option("--limit", type=click.IntRange(min=1), default=5, show_default=True, help="Articles to fetch at most.")
@pass_app
def preview(app: AppContext, source_id: str, limit: int) -> None:
    """Crawl a few pages of one source and show what would be recorded, storing nothing.

    For each page: URL, title, date, language, the first lines of text and the topics
    it matches; then the pages skipped and why. The archive is not touched.

    Example: warta preview disbud-jakarta --limit 3
    """
    cfg = app.config()
    try:
        # the preview reports every failure itself; Scrapy's log of the same failures (tracebacks
        # included) is for -v
        with (
            quiet_unless_verbose("scrapy", "twisted", "warta.crawler"),
            tempfile.TemporaryDirectory(prefix="warta-preview-") as scratch,
        ):
            result = preview_source(cfg, source_id, limit, Path(scratch))
    except UnknownSourceError as exc:
        raise click.UsageError(str(exc)) from exc
    except (CrawlerError, StorageError) as exc:
        raise click.ClickException(f"preview of {source_id} failed: {exc}") from exc
    if not result.report.has_run:
        raise click.ClickException(f"cannot preview {source_id}: {result.report.error}")
    print_preview(Console(soft_wrap=True), source_id, result)


def print_preview(console: Console, source_id: str, result: PreviewResult) -> None:
    """Print the pages a preview found, the pages it skipped and the errors."""
    report = result.report
    console.print(
        f"[bold]{source_id}[/bold]: {len(result.pages)} pages would be recorded "
        f"({report.requests} requests, {report.links_found} article links found, {report.skipped} skipped, "
        f"{report.empty_pages} without article text, {report.errors} errors)"
    )
    for page in result.pages:
        console.print(f"\n[bold]{page.title}[/bold]\n  {page.url}")
        published = page.published.isoformat() if page.published else "no date found"
        console.print(f"  published {published}  language {page.language or 'unknown'}")
        console.print(f"  topics: {', '.join(page.topics) or 'none'}")
        console.print(f"  {textwrap.shorten(page.text, PREVIEW_TEXT_CHARS, placeholder=' ...')}")
    if result.skipped:
        console.print("\n[bold]Not recorded[/bold]")
        for url, reason in result.skipped:
            console.print(f"  {url}: {reason}")
    if result.errors:
        console.print("\n[bold]Errors[/bold]")
        for url, reason in result.errors:
            console.print(f"  {url}: {reason}")
