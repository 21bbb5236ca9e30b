"""The local executor: each crawl runs `warta crawl SOURCE` in a child process of the daemon.

The child reads the config the daemon accepted from its stdin (config.handoff),
not the config file, and records its own run. When the child is done, its run
is settled: closed with the daemon's verdict when the child was stopped or
died, or recorded as failed when the child never got as far as opening one.
Settling is safe to repeat: it only closes a run the child left open, or adds
one when the child recorded none.
"""

from __future__ import annotations

import socket
import sys
from collections.abc import Callable
from datetime import datetime, timedelta
from functools import partial

from warta.config import SourceConfig, WartaConfig
from warta.config.handoff import crawl_config_json
from warta.config.secrets import reveal
from warta.daemon.executors.base import AcceptedConfig, SettledRun
from warta.daemon.executors.child_process import DEFAULT_KILL_GRACE_SECONDS, ChildProcesses, ChildResult
from warta.storage.database import Database
from warta.storage.models import CrawlRun
from warta.storage.run_history import close_run, process_runs, record_failed_run
from warta.storage.runs import RunCounts
from warta.storage.types import utcnow


def crawl_command(source_id: str, log_level: str = "info") -> list[str]:
    """Return the command line that crawls one source once, on the config read from stdin."""
    return [
        sys.executable,
        "-m",
        "warta",
        "--log-level",
        log_level,
        "--log-format",
        "json",
        "crawl",
        source_id,
        "--json",
        "--config-from-stdin",
    ]


class LocalExecutor:
    """Crawl each source in a child process with a wall-clock limit, and settle its run."""

    def __init__(
        self,
        database: Database,
        config: AcceptedConfig,
        timeout_seconds: float,
        command: Callable[[str], list[str]] = crawl_command,
        kill_grace_seconds: float = DEFAULT_KILL_GRACE_SECONDS,
    ) -> None:
        self.database = database
        self.config = config
        self.command = command
        self.children = ChildProcesses(timeout_seconds, kill_grace_seconds)

    @classmethod
    def from_config(cls, cfg: WartaConfig, database: Database, config: AcceptedConfig, log_level: str) -> LocalExecutor:
        """Return the executor of [daemon] crawl_timeout, whose children log at `log_level`."""
        timeout_seconds = cfg.daemon.crawl_timeout.total_seconds()
        return cls(database, config, timeout_seconds, partial(crawl_command, log_level=log_level))

    def run(self, source: SourceConfig) -> SettledRun:
        """Crawl the source in a child and return its settled run."""
        started_at = utcnow()
        cfg = self.config()
        handed = crawl_config_json(cfg, [source], reveal(cfg.storage.url)).encode("utf-8")
        child = self.children.run(source.id, self.command(source.id), handed)
        return settle_crawl(self.database, source.id, started_at, child)

    def stop_all(self) -> None:
        """Stop every running child (SIGTERM, then SIGKILL after the grace period) and wait for them."""
        self.children.stop_all()

    def running(self) -> int:
        """Return how many crawl children are running."""
        return self.children.running()


def settle_crawl(database: Database, source_id: str, started_at: datetime, child: ChildResult) -> SettledRun:
    """Make sure the crawl's run is closed with the right status, and return it."""
    host = socket.gethostname()
    # The child stamps its run a moment after it starts; allow for clock granularity.
    since = started_at - timedelta(seconds=1)
    verdict = _verdict(child)
    with database.transaction() as session:
        runs = process_runs(session, source_id, child.pid, host, since)
        run: CrawlRun | None = runs[0] if runs else None
        if run is not None and (run.status == "running" or _overrides_child(verdict)):
            # A child stopped by SIGTERM may close its own run as failed; the reason is ours to give.
            status, error = verdict or ("failed", child.describe_exit())
            close_run(session, run, status, error)
        elif run is None:
            if verdict is not None and verdict[0] == "interrupted":
                return SettledRun(None, "interrupted", verdict[1], RunCounts(), None, child.seconds)
            # No run of its own: the command never reached the crawl (bad config, crash at start).
            status, error = verdict or ("failed", child.describe_exit())
            run = session.get(CrawlRun, record_failed_run(session, source_id, started_at, status, error))
            assert run is not None
        return SettledRun.of(run, child.seconds)


def _overrides_child(verdict: tuple[str, str] | None) -> bool:
    return verdict is not None and verdict[0] in ("timeout", "interrupted")


def _verdict(child: ChildResult) -> tuple[str, str] | None:
    """Return the daemon's status for a child it had to stop or that died, or None to trust the child."""
    if child.timed_out:
        return "timeout", f"stopped after {child.seconds:.0f}s: the crawl ran past [daemon] crawl_timeout"
    if child.stopped:
        return "interrupted", "the daemon was shutting down and stopped the crawl"
    if child.returncode not in (0, 1):
        return "failed", child.describe_exit()
    return None
