"""What every command shares: the config path given on the command line, loaded on first use.

Commands receive an AppContext through click's context object (`@pass_app`).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import click

from warta.config import WartaConfig, load_config
from warta.storage.database import Database


class ConfigProblem(click.ClickException):
    """A config that cannot be used: printed with every problem, exit status 2."""

    exit_code = 2


@dataclass
class AppContext:
    """What every command shares: where the config is, loaded on first use."""

    config_path: Path | None
    _config: WartaConfig | None = None

    def config(self) -> WartaConfig:
        """Return the validated config, or exit 2 listing its problems."""
        if self._config is None:
            self._config = load_config(self.config_path)  # a ConfigError exits 2 (cli.root)
        return self._config

    def database(self, create: bool = False) -> Database:
        """Return the archive database at the current schema, or exit 1 saying what to do.

        Only commands that write the archive (crawl, daemon, import) pass create=True; the others
        refuse a missing database rather than create an empty one at a mistyped path.
        """
        return Database.from_config(self.config(), create=create)  # a StorageError exits 1 (cli.root)


pass_app = click.make_pass_decorator(AppContext)
