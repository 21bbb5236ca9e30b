"""Crawling a test's config once in a child process, through the local executor the daemon and the demo use."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from warta.config import load_config
from warta.crawler.report import CrawlReport, ProgressCallback
from warta.daemon.executors.local import LocalExecutor
from warta.storage.database import Database


def crawl_in_child(
    config_path: Path,
    source_ids: Sequence[str] | None = None,
    timeout_seconds: float = 120.0,
    progress: ProgressCallback | None = None,
) -> CrawlReport:
    """Crawl the named sources (every enabled one by default) in one child process and return the report."""
    cfg = load_config(config_path)
    database = Database.from_config(cfg, create=True)
    try:
        crawls = LocalExecutor(database, lambda: cfg, timeout_seconds, limit_name="the test's time limit")
        return crawls.crawl(source_ids, progress)
    finally:
        database.dispose()
