"""Errors raised while reading warta's configuration.

ConfigError is raised when a config file is missing, is not valid TOML, or does
not match the schema. It carries every problem found, each with its key path,
so that an operator can fix them all in one pass.
"""

from __future__ import annotations


class ConfigError(Exception):
    """The configuration cannot be used; `problems` lists each issue with its key path."""

    def __init__(self, problems: list[str], path: str | None = None) -> None:
        self.problems = problems
        self.path = path
        where = f" in {path}" if path else ""
        lines = [f"config error{where}:"] + [f"  {problem}" for problem in problems]
        super().__init__("\n".join(lines))
