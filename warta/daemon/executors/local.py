"""The local executor: each crawl runs `warta crawl` in a child process of the caller.

The daemon crawls one source per child (`run`); the demo and the tests crawl
several sources in one child (`crawl`), as `warta crawl` does. The child reads
the config the caller accepted from its stdin (config.handoff), not the config
file, records its own runs, and prints its progress as JSON lines on stdout.
When the child is done, each of its runs is settled: closed with the caller's
verdict when the child was stopped or died, or recorded as failed when the
child never got as far as opening one. Settling is safe to repeat: it only
closes a run the child left open, or adds one when the child recorded none.
The settled runs, not the child's own summary, are what the caller gets back.
"""

from __future__ import annotations

import logging
import socket
import sys
from collections.abc import Callable, Sequence
from datetime import datetime, timedelta
from functools import partial

from warta.config import SourceConfig, WartaConfig
from warta.config.handoff import crawl_config_json
from warta.config.secrets import reveal
from warta.crawler.report import CrawlReport, ProgressCallback, ProgressEvent, SourceReport
from warta.crawler.selection import select_sources
from warta.daemon.executors.base import AcceptedConfig, SettledRun
from warta.daemon.executors.child_process import (
    DAEMON_LIMIT_NAME,
    DEFAULT_KILL_GRACE_SECONDS,
    ChildProcesses,
    ChildResult,
)
from warta.daemon.executors.fork_server import ForkServer
from warta.daemon.executors.fork_server import available as fork_server_available
from warta.storage.database import Database
from warta.storage.models import CrawlRun
from warta.storage.run_history import close_run, process_runs, record_failed_run
from warta.storage.runs import RunCounts
from warta.storage.types import utcnow


def crawl_command(source_ids: Sequence[str], log_level: str | None = None) -> list[str]:
    """Return the command line that crawls the sources once, on the config read from stdin.

    Without `log_level` the child logs at the level this process shows crawl logs at.
    """
    return [
        sys.executable,
        "-m",
        "warta",
        "--log-level",
        log_level or shown_log_level(),
        "--log-format",
        "json",
        "crawl",
        *source_ids,
        "--json",
        "--progress-lines",
        "--config-from-stdin",
    ]


def shown_log_level() -> str:
    """Return the lowest level of this process's relayed crawl logs that is shown, as `--log-level` names it."""
    # a child that logs below what is shown would format and send lines only for them to be dropped
    shown = logging.getLogger("warta.crawl").getEffectiveLevel()
    for name, level in (("debug", logging.DEBUG), ("info", logging.INFO), ("warning", logging.WARNING)):
        if shown <= level:
            return name
    return "error"


class LocalExecutor:
    """Crawl sources in child processes with a wall-clock limit, and settle their runs.

    `limit_name` says in a timed-out run's error which limit it ran past.
    """

    def __init__(
        self,
        database: Database,
        config: AcceptedConfig,
        timeout_seconds: float,
        command: Callable[[Sequence[str]], list[str]] = crawl_command,
        kill_grace_seconds: float = DEFAULT_KILL_GRACE_SECONDS,
        limit_name: str = DAEMON_LIMIT_NAME,
        fork_server: ForkServer | None = None,
    ) -> None:
        self.database = database
        self.config = config
        self.command = command
        self.limit_name = limit_name
        self.children = ChildProcesses(timeout_seconds, kill_grace_seconds, limit_name, fork_server)

    @classmethod
    def from_config(cls, cfg: WartaConfig, database: Database, config: AcceptedConfig, log_level: str) -> LocalExecutor:
        """Return the daemon's executor: [daemon] crawl_timeout, children logging at `log_level`, forked warm.

        A daemon runs a crawl every few minutes for months: its children are forked from
        a server that imported the crawl once (fork_server), where the platform allows.
        """
        timeout_seconds = cfg.daemon.crawl_timeout.total_seconds()
        command = partial(crawl_command, log_level=log_level)
        server = ForkServer() if fork_server_available() else None
        return cls(database, config, timeout_seconds, command, fork_server=server)

    def run(self, source: SourceConfig) -> SettledRun:
        """Crawl the source in a child and return its settled run."""
        [settled] = self._crawl_in_child(self.config(), [source], progress=None)
        return settled

    def crawl(self, source_ids: Sequence[str] | None = None, progress: ProgressCallback | None = None) -> CrawlReport:
        """Crawl the sources (every enabled one when none are named) together in one child; return their report.

        `progress` receives the child's progress events on a reader thread, all of them before this returns.
        Raises UnknownSourceError for a source id the config lacks.
        """
        cfg = self.config()
        sources = select_sources(cfg, source_ids)
        if not sources:
            return CrawlReport()
        settled = self._crawl_in_child(cfg, sources, progress)
        return CrawlReport([source_report(source.id, run) for source, run in zip(sources, settled, strict=True)])

    def stop_all(self) -> None:
        """Stop every running child (SIGTERM, then SIGKILL after the grace period) and wait for them."""
        self.children.stop_all()

    def running(self) -> int:
        """Return how many crawl children are running."""
        return self.children.running()

    def close(self) -> None:
        """End the fork server, if any (once no crawl runs)."""
        if self.children.fork_server is not None:
            self.children.fork_server.close()

    def _crawl_in_child(
        self, cfg: WartaConfig, sources: list[SourceConfig], progress: ProgressCallback | None
    ) -> list[SettledRun]:
        """Crawl the sources in one child and return their settled runs, in the same order."""
        started_at = utcnow()
        handed = crawl_config_json(cfg, sources, reveal(cfg.storage.url)).encode("utf-8")
        source_ids = [source.id for source in sources]
        on_output = None if progress is None else partial(_forward_progress, progress)
        child = self.children.run("+".join(source_ids), self.command(source_ids), handed, on_output)
        return [settle_crawl(self.database, source_id, started_at, child, self.limit_name) for source_id in source_ids]


def source_report(source_id: str, settled: SettledRun) -> SourceReport:
    """Return the report of a source's settled run; its seconds are the child's, which crawled all its sources."""
    return SourceReport.from_counts(
        source_id,
        settled.counts,
        status=settled.status,
        error=settled.error,
        run_id=settled.run_id,
        seconds=settled.seconds,
    )


def _forward_progress(progress: ProgressCallback, line: str) -> None:
    """Pass a progress line of the child to `progress`; its other output (the summary) is not needed."""
    event = ProgressEvent.from_line(line)
    if event is not None:
        progress(event)


def settle_crawl(
    database: Database,
    source_id: str,
    started_at: datetime,
    child: ChildResult,
    limit_name: str = DAEMON_LIMIT_NAME,
) -> SettledRun:
    """Make sure the source's run in the crawl is closed with the right status, and return it."""
    host = socket.gethostname()
    # The child stamps its run a moment after it starts; allow for clock granularity.
    since = started_at - timedelta(seconds=1)
    verdict = _verdict(child, limit_name)
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


def _verdict(child: ChildResult, limit_name: str) -> tuple[str, str] | None:
    """Return the caller's status for a child it had to stop or that died, or None to trust the child."""
    if child.timed_out:
        return "timeout", f"stopped after {child.seconds:.0f}s: the crawl ran past {limit_name}"
    if child.stopped:
        return "interrupted", "the daemon was shutting down and stopped the crawl"
    if child.returncode not in (0, 1):
        return "failed", child.describe_exit()
    return None
