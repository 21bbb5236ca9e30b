"""Which sources one crawl covers: the ones named, in the order named, or every enabled source.

Kept apart from the runner so that a process that only starts crawls (the daemon, the demo)
checks the ids it was given without importing Scrapy.
"""

from __future__ import annotations

from collections.abc import Sequence

from warta.config import SourceConfig, WartaConfig
from warta.crawler.errors import UnknownSourceError


def select_sources(cfg: WartaConfig, source_ids: Sequence[str] | None) -> list[SourceConfig]:
    """Return the sources to crawl: the named ones (in order), else every enabled source."""
    if not source_ids:
        return cfg.enabled_sources()
    known = [source.id for source in cfg.sources]
    unknown = [source_id for source_id in source_ids if source_id not in known]
    if unknown:
        raise UnknownSourceError(
            f"unknown source id {', '.join(unknown)}; configured sources: {', '.join(known) or '(none)'}"
        )
    return [cfg.source(source_id) for source_id in dict.fromkeys(source_ids)]
