"""What a Scrapyd job carries: the source, the [crawler] and [[topics]] config, the database and the run.

The daemon encodes these as Scrapyd job arguments (strings); the entry spider on
the node decodes them. Nothing is read from a file on the node.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from warta.config import ConfigError, SourceConfig, WartaConfig
from warta.config.handoff import crawl_config_json, parse_crawl_config
from warta.config.secrets import reveal
from warta.crawler.errors import CrawlerError

SPIDER_NAME = "warta-source"
ARGUMENTS = ("warta_config", "warta_database_url", "warta_run_id")


class JobArgumentError(CrawlerError, ValueError):
    """Raised on the node when a job lacks an argument or carries one that does not parse."""


@dataclass(frozen=True)
class DispatchedCrawl:
    """One source's crawl as sent to a Scrapyd node, into a run the daemon has opened."""

    config: WartaConfig
    source_id: str
    run_id: int
    database_url: str

    @property
    def source(self) -> SourceConfig:
        """Return the source to crawl."""
        return self.config.source(self.source_id)

    def job_arguments(self) -> dict[str, str]:
        """Return the Scrapyd job arguments that rebuild this crawl on a node."""
        return {
            # the same payload a local crawl child reads from its stdin; the database URL travels apart
            "warta_config": crawl_config_json(self.config, [self.source]),
            "warta_database_url": self.database_url,
            "warta_run_id": str(self.run_id),
        }

    @classmethod
    def from_arguments(cls, arguments: Mapping[str, str]) -> DispatchedCrawl:
        """Return the crawl described by a job's arguments; raise JobArgumentError when they are unusable."""
        missing = [name for name in ARGUMENTS if not arguments.get(name)]
        if missing:
            raise JobArgumentError(
                f"the job lacks {', '.join(missing)}; schedule warta crawls through the warta daemon "
                '([daemon] executor = "scrapyd"), not by hand'
            )
        try:
            config = parse_crawl_config(arguments["warta_config"], arguments["warta_database_url"])
            run_id = int(arguments["warta_run_id"])
        except (ValueError, ConfigError) as exc:
            raise JobArgumentError(
                f"the job's arguments do not parse ({exc}); deploy the daemon's warta version"
            ) from exc
        if len(config.sources) != 1:
            raise JobArgumentError("the job must carry exactly one source")
        return cls(config, config.sources[0].id, run_id, reveal(config.storage.url))
