"""Crawling a test's config once in a child process, through the local executor the daemon and the demo use.

As in the daemon, the child is forked from a crawl fork server that imported the crawl once
(warta.daemon.executors.fork_server): a fresh `python -m warta crawl` spends about 1.3 CPU-seconds
importing, which the suite's crawls paid some seventy times. A forked child inherits the server's
environment and working folder, so there is one server per environment and folder a test crawls
from, started on the first crawl from it and ended with the test process.
"""

from __future__ import annotations

import atexit
import os
from collections.abc import Sequence
from pathlib import Path

from warta.config import load_config
from warta.crawler.report import CrawlReport, ProgressCallback
from warta.daemon.executors.fork_server import ForkServer, available
from warta.daemon.executors.local import LocalExecutor
from warta.storage.database import Database

_servers: dict[tuple[str, tuple[tuple[str, str], ...]], ForkServer] = {}


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
        crawls = LocalExecutor(
            database, lambda: cfg, timeout_seconds, limit_name="the test's time limit", fork_server=_fork_server()
        )
        return crawls.crawl(source_ids, progress)
    finally:
        database.dispose()


def _fork_server() -> ForkServer | None:
    """Return the fork server for this process's environment and working folder (None where there are none)."""
    if not available():
        return None
    key = (os.getcwd(), tuple(sorted(os.environ.items())))
    if key not in _servers:
        _servers[key] = ForkServer()
    return _servers[key]


@atexit.register
def _close_servers() -> None:
    for server in _servers.values():
        server.close()
