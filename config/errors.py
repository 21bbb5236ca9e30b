"""The root of warta's errors, and the errors raised while reading its configuration.

Every error warta raises on purpose is a WartaError, in one family per layer:

WartaError              the root: the CLI catches it once and prints its message.
  ConfigError           warta.config: the config file is missing, not TOML, or does not match the schema.
  StorageError          warta.storage: the archive database could not do what was asked.
  CrawlerError          warta.crawler: a crawl, preview or probe could not be run as asked.
  FeedError             warta.feeds: the feed files could not be written.
  ArchiveError          warta.archive: an export or import could not be done.
  ScrapydError          warta.daemon: a Scrapyd node refused or did not answer a request.
  AuthConfigError       warta.web: basic auth is configured but its password hash is missing or malformed.
  DemoFolderError       warta.demo: `warta demo --dir` names a folder the demo may not write into.

A family is defined in its layer's errors module. The root lives here, in the
lowest layer, so that every layer can derive from it. `is_usage_problem` marks
the errors that mean the operator asked for something that cannot be (a bad
config, an unknown source id): the CLI exits 2 for them and 1 for the rest.
"""

from __future__ import annotations

from typing import ClassVar


class WartaError(Exception):
    """Base of every error warta raises on purpose; its message says what went wrong and what to do."""

    is_usage_problem: ClassVar[bool] = False


class ConfigError(WartaError):
    """Raised when the configuration cannot be used; `problems` lists each issue with its key path."""

    is_usage_problem = True

    def __init__(self, problems: list[str], path: str | None = None) -> None:
        self.problems = problems
        self.path = path
        where = f" in {path}" if path else ""
        lines = [f"config error{where}:"] + [f"  {problem}" for problem in problems]
        super().__init__("\n".join(lines))
