"""The config a crawl process receives from the process that accepted it, as JSON.

The daemon validates the config once, when it starts or on a SIGHUP it
accepts, and hands a crawl exactly that: a local crawl child reads it from its
stdin, a Scrapyd job from its job arguments. Neither reads the file on disk,
so an edit saved there (or a reload the daemon refused) never reaches a crawl.
The demo and the tests start their local crawls the same way.

Only what a crawl reads travels: [crawler], [[topics]] and the crawled sources,
plus [storage] when the receiver is given no database URL of its own. The
webhook URL and the Scrapyd credentials stay with the daemon. This module does
not choose the channel; it only writes and reads the payload.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any

from pydantic import ValidationError

from warta.config.errors import ConfigError
from warta.config.schema import SourceConfig, WartaConfig

HANDOFF_NAME = "the config handed over by the daemon"


def crawl_config_json(cfg: WartaConfig, sources: Sequence[SourceConfig], database_url: str | None = None) -> str:
    """Return the part of `cfg` a crawl of `sources` reads, as JSON; [storage] url only when given."""
    payload: dict[str, Any] = {
        "crawler": cfg.crawler.model_dump(mode="json"),
        "topics": [topic.model_dump(mode="json") for topic in cfg.topics],
        "sources": [source.model_dump(mode="json", exclude_none=True) for source in sources],
    }
    if database_url is not None:
        payload["storage"] = {"url": database_url}
    return json.dumps(payload, ensure_ascii=False)


def parse_crawl_config(text: str, database_url: str | None = None) -> WartaConfig:
    """Return the config in a crawl_config_json payload; `database_url` replaces its [storage] url.

    Raises ConfigError when the payload does not parse, which means the two sides run different warta versions.
    """
    try:
        payload = json.loads(text)
        if not isinstance(payload, dict):
            raise ValueError("the payload is not a JSON object")
        if database_url is not None:
            payload["storage"] = {"url": database_url}
        return WartaConfig.model_validate(payload)
    except (ValueError, ValidationError) as exc:
        summary = str(exc).splitlines()[0]
        raise ConfigError(
            [f"does not parse ({summary}); run the same warta version in the daemon and its crawls"], HANDOFF_NAME
        ) from None
