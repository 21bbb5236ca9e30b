"""The `warta` command line: thin commands that parse options, call the library and print results.

Exit codes: 0 success, 1 an operation failed, 2 bad usage or configuration.
"""

from __future__ import annotations

import difflib
import importlib
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import click
import tomli_w
from rich.console import Console
from rich.progress import MofNCompleteColumn, Progress, TaskID

from warta.cli.context import AppContext, ConfigProblem, pass_app
from warta.cli.logs import LOG_FORMATS, LOG_LEVELS, choose_log_level, setup_logging
from warta.config import ConfigError, WartaError, check_writable_paths, no_source_warning
from warta.config.reference import reference_markdown, write_into
from warta.config.secrets import reveal
from warta.storage.database import Database

# Each command's module is imported only when that command runs (or --help lists it): `warta crawl`,
# which the daemon starts for every scheduled crawl, does not pay for the archive, feeds and daemon code.
COMMANDS = {
    "init": "warta.cli.init:init_command",
    "crawl": "warta.cli.crawl:crawl_command",
    "feeds": "warta.cli.feeds:feeds_group",
    "export": "warta.cli.archive:export_command",
    "import": "warta.cli.archive:import_command",
    "snapshots": "warta.cli.archive:snapshots_command",
    "verify": "warta.cli.fixity:verify_command",
    "discover": "warta.cli.tools:discover",
    "preview": "warta.cli.tools:preview",
    "demo": "warta.cli.demo:demo_command",
    "daemon": "warta.cli.daemon:daemon_command",
    "status": "warta.cli.daemon:status_command",
    "crawl-now": "warta.cli.control:crawl_now_command",
    "pause": "warta.cli.control:pause_command",
    "resume": "warta.cli.control:resume_command",
    "silence": "warta.cli.control:silence_command",
    "runs": "warta.cli.control:runs_command",
    "deploy": "warta.cli.scaleout:deploy_command",
    "serve": "warta.cli.web:serve_command",
    "clusters": "warta.cli.clusters:clusters_group",
}


class LazyGroup(click.Group):
    """A command group that imports the module of a command from `COMMANDS` when it is first needed.

    It is also where our errors become exit codes: a WartaError raised by any
    command is printed as its message, exit 2 for a usage problem (a bad config,
    an unknown source id) and 1 for the rest. Commands catch an error only to
    add what it means for them.
    """

    def invoke(self, ctx: click.Context) -> Any:
        try:
            return super().invoke(ctx)
        except ConfigError as exc:
            raise ConfigProblem(str(exc)) from exc
        except WartaError as exc:
            raise (click.UsageError(str(exc)) if exc.is_usage_problem else click.ClickException(str(exc))) from exc

    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted({*super().list_commands(ctx), *COMMANDS})

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        if cmd_name not in self.commands and cmd_name in COMMANDS:
            module_name, attribute = COMMANDS[cmd_name].split(":")
            command: Any = getattr(importlib.import_module(module_name), attribute)
            self.add_command(command, cmd_name)
        return super().get_command(ctx, cmd_name)

    def resolve_command(
        self, ctx: click.Context, args: list[str]
    ) -> tuple[str | None, click.Command | None, list[str]]:
        """Resolve the command, suggesting the nearest name (lazy commands included) for a misspelt one."""
        name = args[0] if args else ""
        if name and not name.startswith("-") and not ctx.resilient_parsing and self.get_command(ctx, name) is None:
            close = difflib.get_close_matches(name, self.list_commands(ctx), n=1)
            if close:
                raise click.UsageError(f"No such command {name!r}. Did you mean {close[0]!r}?", ctx)
        return super().resolve_command(ctx, args)


@click.group(cls=LazyGroup, context_settings={"help_option_names": ["-h", "--help"], "max_content_width": 100})
@click.option(
    "--config",
    "config_path",
    type=click.Path(path_type=Path, dir_okay=False),
    help="Config file (default: $WARTA_CONFIG, else ./warta.toml).",
)
@click.option("-v", "--verbose", is_flag=True, help="Show INFO logs: what each step did.")
@click.option("-q", "--quiet", is_flag=True, help="Show only errors.")
@click.option(
    "--log-level",
    type=click.Choice(LOG_LEVELS, case_sensitive=False),
    help="Log level (default: warning, and info for `warta daemon`, whose log operators read).",
)
@click.option("--log-format", type=click.Choice(LOG_FORMATS), default="text", show_default=True)
@click.version_option(package_name="warta")
@click.pass_context
def cli(
    ctx: click.Context, config_path: Path | None, verbose: bool, quiet: bool, log_level: str | None, log_format: str
) -> None:
    """warta archives culture announcements from Jakarta's official and news sources.

    It crawls the configured sources, keeps every revision of every story, and
    publishes curated RSS, Atom and JSON feeds per topic and per source.
    """
    try:
        level = choose_log_level(log_level, verbose, quiet, ctx.invoked_subcommand)
    except ValueError as exc:
        raise click.UsageError(str(exc)) from exc
    setup_logging(level, log_format)
    ctx.obj = AppContext(config_path)


@cli.group("config")
def config_group() -> None:
    """Check and show the configuration."""


@config_group.command("check")
@pass_app
def config_check(app: AppContext) -> None:
    """Validate the config file; exit 0 when it is valid, 2 listing every problem when not.

    A config without sources is valid (exit 0) but gets a warning: nothing would be crawled.

    Example: warta --config warta.toml config check
    """
    # imported here: it imports Scrapy (0.2 s), which no other command of this module needs
    from warta.crawler.browser import browser_problems

    cfg = app.config()
    problems = check_writable_paths(cfg) + browser_problems(cfg)
    if problems:
        raise ConfigError(problems, str(cfg.config_path))
    warning = no_source_warning(cfg)
    if warning:
        click.echo(f"warning: {warning}", err=True)
    click.echo(
        f"config OK: {cfg.config_path} ({len(cfg.sources)} sources, {len(cfg.topics)} topics, "
        f"{len(cfg.snapshots)} snapshots)"
    )


@config_group.command("show")
@pass_app
def config_show(app: AppContext) -> None:
    """Print the effective config as TOML, defaults filled in and passwords masked.

    Example: warta config show
    """
    cfg = app.config()
    # secret fields dump themselves masked (config.secrets)
    data = cfg.model_dump(mode="json", exclude_none=True)
    click.echo(f"# effective config from {cfg.config_path}")
    click.echo(tomli_w.dumps(data), nl=False)


@config_group.command("reference")
@click.option(
    "--write",
    "target",
    type=click.Path(path_type=Path, dir_okay=False, exists=True),
    help="Update the reference block of this file instead of printing.",
)
def config_reference(target: Path | None) -> None:
    """Print the reference of every config key (Markdown), generated from the schema.

    Example: warta config reference --write docs/configuration.md
    """
    if target is None:
        click.echo(reference_markdown(), nl=False)
        return
    try:
        changed = write_into(target)
    except ValueError as exc:
        raise click.UsageError(f"{target}: {exc}") from exc
    click.echo(f"{target}: reference {'updated' if changed else 'already up to date'}")


@cli.group("db")
def db_group() -> None:
    """Manage the archive database."""


@db_group.command("upgrade")
@pass_app
def db_upgrade(app: AppContext) -> None:
    """Create the database schema, or migrate it to this version of warta.

    Back up the database before upgrading a production archive. A step that
    rewrites the archive (building the search index) shows a progress bar.

    Example: warta db upgrade
    """
    database = Database(reveal(app.config().storage.url))
    with UpgradeProgress() as progress:
        try:
            before, after = database.upgrade(progress=progress.update)
        finally:
            database.dispose()
    if before == after:
        click.echo(f"{database.display_url} is already at schema revision {after}")
    else:
        click.echo(f"{database.display_url} upgraded from revision {before or 'empty'} to {after}")


class UpgradeProgress:
    """A progress bar on stderr for a long step of an upgrade, drawn from its first report on."""

    def __init__(self) -> None:
        self.bar: Progress | None = None
        self.task: TaskID | None = None

    def __enter__(self) -> UpgradeProgress:
        return self

    def __exit__(self, *_: object) -> None:
        if self.bar is not None:
            self.bar.stop()

    def update(self, done: int, total: int) -> None:
        """Show that `done` of `total` documents are indexed."""
        if self.bar is None:
            self.bar = Progress(*Progress.get_default_columns(), MofNCompleteColumn(), console=Console(stderr=True))
            self.task = self.bar.add_task("building the search index", total=total)
            self.bar.start()
        assert self.task is not None
        self.bar.update(self.task, completed=done, total=total)


def walk_commands(group: click.Group, path: tuple[str, ...] = ()) -> Iterator[tuple[tuple[str, ...], click.Command]]:
    """Yield every command and group below `group` with its path of names (lazy commands are imported)."""
    context = click.Context(group)
    for name in group.list_commands(context):
        command = group.get_command(context, name)
        if command is None:
            continue
        yield (*path, name), command
        if isinstance(command, click.Group):
            yield from walk_commands(command, (*path, name))


def main() -> None:
    """Entry point of the `warta` console script."""
    cli(prog_name="warta")


if __name__ == "__main__":
    main()
