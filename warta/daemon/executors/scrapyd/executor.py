"""The Scrapyd executor: run one source's crawl as a job on the least busy Scrapyd node and settle its run.

The daemon opens the run, queues the job (schedule.json), follows it
(listjobs.json) and stops it at [daemon] crawl_timeout (cancel.json). The job's
spider records into the shared PostgreSQL archive itself. A node that stops
answering is left out of rotation; its run is closed as interrupted and the
crawl is queued on another node, where it starts afresh (recording is
idempotent: a page already recorded is found unchanged, never stored twice).
The job carries the config the daemon accepted (crawler.scrapyd.job), as a
local crawl child does.
"""

from __future__ import annotations

import logging
import threading
import time
import uuid
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from warta.config import SourceConfig, WartaConfig
from warta.config.secrets import reveal
from warta.crawler.scrapyd.job import SPIDER_NAME, DispatchedCrawl
from warta.daemon.executors.base import AcceptedConfig, SettledRun
from warta.daemon.executors.scrapyd.api import NodeUnreachableError, ScrapydError, ScrapydNode
from warta.daemon.executors.scrapyd.nodes import NodePool
from warta.storage.database import Database
from warta.storage.dispatched_runs import (
    close_if_running,
    close_stale_runs,
    forget_validators_of_run,
    has_running_run,
    open_dispatched_run,
)
from warta.storage.models import CrawlRun
from warta.storage.run_history import close_run, record_failed_run
from warta.storage.runs import RunCounts
from warta.storage.sources import ensure_source
from warta.storage.types import utcnow

logger = logging.getLogger(__name__)

POLL_SECONDS = 1.0
# listjobs.json failures in a row after which a node counts as gone (one failure may be a hiccup).
UNANSWERED_POLLS = 2
# After cancel.json, time the job gets to close its own run before the daemon closes it.
CANCEL_GRACE_SECONDS = 15.0
STALE_RUN_ERROR = "the run was still open past [daemon] crawl_timeout; its job or the daemon following it died"


@dataclass
class _Job:
    node: ScrapydNode
    job_id: str
    run_id: int
    started: float = field(default_factory=time.monotonic)


class ScrapydExecutor:
    """Dispatch crawls to Scrapyd nodes and settle their runs."""

    def __init__(
        self,
        config: AcceptedConfig,
        database: Database,
        pool: NodePool,
        project: str,
        timeout_seconds: float,
        database_url: str,
        poll_seconds: float = POLL_SECONDS,
    ) -> None:
        self.config = config
        self.database = database
        self.pool = pool
        self.project = project
        self.timeout_seconds = timeout_seconds
        self.database_url = database_url
        self.poll_seconds = poll_seconds
        self._stopping = threading.Event()
        self._jobs: dict[str, _Job] = {}
        self._lock = threading.Lock()

    @classmethod
    def from_config(cls, cfg: WartaConfig, database: Database, config: AcceptedConfig) -> ScrapydExecutor:
        """Return the executor of [daemon] scrapyd_nodes, whose jobs carry what `config` returns at dispatch."""
        daemon = cfg.daemon
        password = reveal(daemon.scrapyd_password)
        nodes = [ScrapydNode(reveal(url), daemon.scrapyd_username, password) for url in daemon.scrapyd_nodes]
        return cls(
            config,
            database,
            NodePool(nodes, daemon.scrapyd_retry_after.total_seconds()),
            daemon.scrapyd_project,
            daemon.crawl_timeout.total_seconds(),
            reveal(daemon.scrapyd_database_url or cfg.storage.url),
        )

    def run(self, source: SourceConfig) -> SettledRun:
        """Crawl the source on a node; return its settled run."""
        started, started_at = time.monotonic(), utcnow()
        deadline = started + self.timeout_seconds
        # Past the time limit plus the cancel grace no job can still write into a run: close what is left open.
        limit = started_at - timedelta(seconds=self.timeout_seconds + CANCEL_GRACE_SECONDS)
        with self.database.transaction() as session:
            stale = close_stale_runs(session, source.id, limit, STALE_RUN_ERROR)
            busy = has_running_run(session, source.id, limit)
        if stale:
            logger.warning(
                "closed %d run(s) of %s that no node finished within [daemon] crawl_timeout", stale, source.id
            )
        if busy:
            logger.warning("crawl of %s not dispatched: its previous run is still going on a node", source.id)
            return SettledRun(None, "interrupted", "the previous run is still going", RunCounts(), None)
        tried: list[str] = []
        while True:
            job, failure = self._dispatch(source, tried)
            if job is None:
                return self._failed(source, started_at, failure, time.monotonic() - started)
            verdict = self._follow(job, deadline)
            if verdict == "node lost":
                tried.append(job.node.label)
                continue
            return self._settle(job, verdict, time.monotonic() - started)

    def stop_all(self) -> None:
        """Stop following: each job still running is cancelled on its node and its run closed as interrupted."""
        self._stopping.set()

    def close(self) -> None:
        """Nothing to release: each crawl's requests end with it."""

    def running(self) -> int:
        """Return how many dispatched jobs are being followed."""
        with self._lock:
            return len(self._jobs)

    def _dispatch(self, source: SourceConfig, tried: list[str]) -> tuple[_Job | None, str]:
        """Queue the crawl on the least busy node not tried yet; return the job, or None and why not."""
        while not self._stopping.is_set():
            with self.pool.lock:
                node = self.pool.least_busy(exclude=tried)
                if node is None:
                    names = ", ".join(tried) if tried else "none of [daemon] scrapyd_nodes"
                    return None, f"no Scrapyd node answers (tried {names}); check the nodes and [daemon] scrapyd_nodes"
                with self.database.transaction() as session:
                    ensure_source(session, source.id, source.display_name, source.kind)
                    run_id = open_dispatched_run(session, source.id, node.label, utcnow())
                # the source as the daemon scheduled it, with the rest of the config it accepts now
                accepted = self.config().model_copy(update={"sources": [source]})
                crawl = DispatchedCrawl(accepted, source.id, run_id, self.database_url)
                job_id = uuid.uuid4().hex
                try:
                    version = node.latest_version(self.project)
                    node.schedule(self.project, SPIDER_NAME, crawl.job_arguments(), job_id, version)
                except NodeUnreachableError as exc:
                    self.pool.mark_down(node, str(exc))
                    self._close(run_id, "interrupted", f"{node.label} did not take the job; retried on another node")
                    tried.append(node.label)
                    continue
                except ScrapydError as exc:
                    self._close(run_id, "failed", f"{exc} (deploy the project with `warta deploy`)")
                    return None, str(exc)
                self.pool.dispatched[node.label] += 1
            logger.info("crawl of %s dispatched to %s as job %s (run %d)", source.id, node.label, job_id, run_id)
            job = _Job(node, job_id, run_id)
            with self._lock:
                self._jobs[job_id] = job
            return job, ""
        return None, "the daemon was shutting down"

    def _follow(self, job: _Job, deadline: float) -> str:
        """Wait for the job to end; return 'finished', 'timeout', 'stopped' or 'node lost'."""
        unanswered = 0
        try:
            while True:
                if self._stopping.is_set():
                    self._cancel(job)
                    return "stopped"
                if time.monotonic() > deadline:
                    logger.warning(
                        "crawl job %s on %s ran past %.0fs ([daemon] crawl_timeout); cancelling it",
                        job.job_id,
                        job.node.label,
                        self.timeout_seconds,
                    )
                    self._cancel(job)
                    return "timeout"
                try:
                    state = job.node.jobs(self.project).state_of(job.job_id)
                except NodeUnreachableError as exc:
                    unanswered += 1
                    if unanswered >= UNANSWERED_POLLS:
                        self.pool.mark_down(job.node, str(exc))
                        self._close(
                            job.run_id,
                            "interrupted",
                            f"Scrapyd node {job.node.label} stopped answering; the crawl is retried on another node",
                            forget_validators=True,
                        )
                        return "node lost"
                else:
                    unanswered = 0
                    # A node that restarted forgets its jobs: an unknown job has ended.
                    if state in ("finished", None):
                        return "finished"
                time.sleep(self.poll_seconds)
        finally:
            with self._lock:
                self._jobs.pop(job.job_id, None)

    def _cancel(self, job: _Job) -> None:
        """Ask the node to stop the job, and give it time to close its run."""
        try:
            job.node.cancel(self.project, job.job_id)
        except ScrapydError as exc:
            logger.warning("could not cancel job %s on %s: %s", job.job_id, job.node.label, exc)
            return
        limit = time.monotonic() + CANCEL_GRACE_SECONDS
        while time.monotonic() < limit:
            try:
                if job.node.jobs(self.project).state_of(job.job_id) in ("finished", None):
                    return
            except ScrapydError:
                return
            time.sleep(self.poll_seconds)

    def _settle(self, job: _Job, verdict: str, seconds: float) -> SettledRun:
        """Close the job's run with the daemon's verdict where it has one, and return the run as stored."""
        with self.database.transaction() as session:
            run = session.get(CrawlRun, job.run_id, with_for_update=True)
            assert run is not None
            if verdict == "timeout":
                error = (
                    f"stopped after {time.monotonic() - job.started:.0f}s: the crawl ran past [daemon] crawl_timeout"
                )
                close_run(session, run, "timeout", error)
            elif verdict == "stopped" and run.status in ("running", "interrupted", "failed"):
                close_run(session, run, "interrupted", "the daemon was shutting down and stopped the crawl")
            elif run.status == "running":
                close_run(
                    session,
                    run,
                    "failed",
                    f"Scrapyd job {job.job_id} on {job.node.label} ended without closing its run; see its job log",
                )
            return SettledRun.of(run, seconds)

    def _failed(self, source: SourceConfig, started_at: datetime, error: str, seconds: float) -> SettledRun:
        """Record a crawl that no node took, and return it."""
        with self.database.transaction() as session:
            run_id = record_failed_run(session, source.id, started_at, "failed", error)
            run = session.get(CrawlRun, run_id)
            assert run is not None
            return SettledRun.of(run, seconds)

    def _close(self, run_id: int, status: str, error: str, forget_validators: bool = False) -> None:
        with self.database.transaction() as session:
            close_if_running(session, run_id, status, error)
            if forget_validators:
                forget_validators_of_run(session, run_id)
