"""The `warta init` command: write a starter warta.toml for a new archive."""

from __future__ import annotations

import os
from pathlib import Path

import click

from warta.config import ConfigError, load_config
from warta.config.loader import ENV_CONFIG
from warta.config.starter import CONFIG_NAME, write_starter_config


@click.command("init")
@click.argument("folder", type=click.Path(path_type=Path, file_okay=False), default=Path("."), required=False)
def init_command(folder: Path) -> None:
    """Write a commented warta.toml into FOLDER (default: the current folder), never over an existing one.

    The config holds the shipped Jakarta sources and topics; the archive (warta.db),
    the feeds (public/) and the snapshots are kept in FOLDER, wherever warta is run from.

    Example: warta init ~/warta && warta --config ~/warta/warta.toml config check
    """
    if folder.exists() and not folder.is_dir():
        raise click.UsageError(f"{folder} is a file; pass a folder, which init creates if it does not exist")
    try:
        path = write_starter_config(folder)
    except FileExistsError as exc:
        raise click.UsageError(
            f"{folder / CONFIG_NAME} already exists; warta init never overwrites a config. "
            f"Edit that file, or run `warta init OTHER_FOLDER` for a new one"
        ) from exc
    except OSError as exc:
        raise click.UsageError(f"cannot write {folder / CONFIG_NAME}: {exc}; choose another folder") from exc
    try:
        cfg = load_config(path, environ={})
    except ConfigError as exc:  # the shipped example is checked by the tests; say so if it ever breaks
        raise click.ClickException(f"the written config is not valid, please report it: {exc}") from exc
    enabled = sum(source.enabled for source in cfg.sources)
    click.echo(
        f"wrote {path.resolve()}: {len(cfg.sources)} Jakarta sources ({enabled} enabled), {len(cfg.topics)} topics; "
        f"archive {str(cfg.storage.url).removeprefix('sqlite:///')}, feeds {cfg.feeds.dir}"
    )
    warta = "warta" if _is_default_config(path) else f"warta --config {path}"
    steps = [
        (f"{warta} config check", "validate it, again after each edit"),
        (f"{warta} db upgrade", "create the archive database"),
        (f"{warta} crawl", "crawl the enabled sources once (they are on the internet)"),
        ("warta demo --once", "or first see warta work offline, on a bundled demo site"),
    ]
    width = max(len(command) for command, _ in steps)
    click.echo("Next:")
    for command, why in steps:
        click.echo(f"  {command:<{width}}  # {why}")


def _is_default_config(path: Path) -> bool:
    """Return True when a bare `warta` would read `path` (./warta.toml and no $WARTA_CONFIG)."""
    return not os.environ.get(ENV_CONFIG) and path.resolve() == (Path.cwd() / CONFIG_NAME).resolve()
