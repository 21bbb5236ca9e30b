"""Deploying warta's crawl project to Scrapyd nodes: build the egg once, upload it as a new version to each."""

from __future__ import annotations

import logging
import time
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass

from warta.daemon.executors.scrapyd.api import ScrapydError, ScrapydNode
from warta.daemon.executors.scrapyd.egg import build_egg

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class Deployment:
    """The outcome of uploading the egg to one node."""

    node: str
    version: str
    spiders: int
    error: str = ""


def deploy_version() -> str:
    """Return a new version name; Scrapyd runs the highest, and a later deploy must be higher."""
    return str(int(time.time()))


def deploy(nodes: Sequence[ScrapydNode], project: str, version: str | None = None) -> list[Deployment]:
    """Upload the egg to every node as `version`; return each node's outcome (errors do not stop the others)."""
    egg = build_egg()
    version = version or deploy_version()

    def upload(node: ScrapydNode) -> Deployment:
        try:
            spiders = node.add_version(project, version, egg)
        except ScrapydError as exc:
            logger.warning("deploy to %s failed: %s", node.label, exc)
            return Deployment(node.label, version, 0, str(exc))
        logger.info("deployed %s version %s to %s (%d spiders)", project, version, node.label, spiders)
        return Deployment(node.label, version, spiders)

    # Each node checks the egg by listing its spiders in a fresh Python process: upload to all at once.
    with ThreadPoolExecutor(max_workers=max(1, min(8, len(nodes)))) as uploads:
        return list(uploads.map(upload, nodes))
