"""`warta daemon`: the scheduler that crawls sources and makes snapshots on their schedules.

Wiring only: it builds the scheduler from the config, registers one job per
enabled source (and per [[snapshots]] entry), serves the archive browser, the
feeds, /healthz and /metrics on [daemon] listen, and handles signals. SIGHUP
reloads the config (a bad one is refused: crawls, feeds and exports keep the
config accepted last, and /healthz says "degraded" until a reload succeeds);
SIGTERM and SIGINT stop scheduling, give running crawls `[daemon]
shutdown_grace` to finish, stop the rest, and exit 0.
"""

from __future__ import annotations

import logging
import os
import signal
import socket
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path
from types import FrameType
from typing import Any

from apscheduler.events import EVENT_JOB_MAX_INSTANCES, JobExecutionEvent
from apscheduler.executors.pool import ThreadPoolExecutor
from apscheduler.schedulers.background import BackgroundScheduler
from apscheduler.schedulers.base import STATE_PAUSED, STATE_RUNNING

from warta.archive.fixity import FixityReport
from warta.archive.scheduled import run_scheduled_snapshot
from warta.archive.scheduled_fixity import run_fixity_check
from warta.config import VERSION, ConfigError, FixityConfig, SnapshotConfig, WartaConfig, load_config
from warta.config.secrets import reveal
from warta.daemon.controls import TICK_SECONDS, SourceControls
from warta.daemon.crawl_job import CrawlJob
from warta.daemon.executors.base import AcceptedConfig, CrawlExecutor
from warta.daemon.executors.local import LocalExecutor
from warta.daemon.executors.scrapyd.executor import ScrapydExecutor
from warta.daemon.feed_rebuild import FeedRebuilder
from warta.daemon.schedule_plan import plan_jobs
from warta.feeds.builder import build_feeds
from warta.monitoring.config_state import ConfigState
from warta.monitoring.endpoints import HealthReport, MonitoringApp, split_listen
from warta.monitoring.fixity_monitor import FixityMonitor, FixityResult
from warta.monitoring.metrics import CONTENT_TYPE, DaemonMetrics
from warta.monitoring.source_monitor import SourceMonitor
from warta.monitoring.webhook import WebhookSender
from warta.storage.controls import active_pauses, active_silences
from warta.storage.database import Database
from warta.storage.errors import StorageError, database_errors
from warta.storage.fixity import latest_fixity_checks
from warta.storage.health import database_problem, stored_health
from warta.storage.leadership import SchedulerLeadership
from warta.storage.run_history import (
    document_counts_by_source,
    interrupt_runs,
    last_snapshot_by_schedule,
    last_started_by_source,
    last_success_by_source,
    running_runs,
)
from warta.storage.sources import ensure_source
from warta.storage.types import utcnow
from warta.web.dispatch import make_warta_app
from warta.web.server import HttpServer

logger = logging.getLogger(__name__)

SnapshotRunner = Callable[[WartaConfig, Database, SnapshotConfig], object]
FixityRunner = Callable[[WartaConfig, Database, FixityConfig], FixityReport]
# Config tables a SIGHUP does not change: they need a restart.
RESTART_ONLY = ("storage", "feeds", "daemon", "web")
# After the children were stopped, time left for their jobs to record the outcome.
SETTLE_SECONDS = 15.0
# How often a standby daemon tries to take the scheduler lock (a dead leader is replaced within this).
STANDBY_RETRY_SECONDS = 5.0
_SCHEDULER_STATES = {STATE_RUNNING: "running", STATE_PAUSED: "standby"}


class Daemon:
    """The long-running scheduler: crawl jobs, snapshot jobs, HTTP endpoints and signal handling."""

    def __init__(
        self,
        cfg: WartaConfig,
        database: Database,
        config_path: Path,
        log_level: str = "info",
        build_feeds: Callable[[WartaConfig, Database], object] | None = None,
        run_snapshot: SnapshotRunner | None = None,
        run_fixity: FixityRunner | None = None,
    ) -> None:
        self.cfg = cfg
        self.database = database
        self.config_path = config_path
        self.log_level = log_level
        self.run_snapshot = run_snapshot
        self.run_fixity = run_fixity
        self.metrics = DaemonMetrics(next_runs=self.next_source_runs)
        self.config_state = ConfigState.accepted(utcnow())
        self.metrics.set_config_reload(True, self.config_state.since)
        self.monitor = SourceMonitor.from_config(cfg, database, None)
        if cfg.daemon.webhook_url:
            self.monitor.webhook = WebhookSender(
                reveal(cfg.daemon.webhook_url),
                self.monitor.record_delivery,
                user_agent=cfg.crawler.user_agent,
                on_outcome=self.metrics.count_webhook_outcome,
            )
        self.fixity = FixityMonitor(database, self.monitor.publish)
        # the latest result of each [[fixity]] check, for /healthz and /metrics (read from the database at start)
        self.fixity_results: dict[str, FixityResult] = {}
        self.feeds = FeedRebuilder(lambda: build_feeds(self.cfg, self.database), self.metrics) if build_feeds else None
        # Crawls run on the config this daemon accepted last, never on the file as it is now.
        self.executor = build_executor(cfg, database, lambda: self.cfg, log_level)
        self.crawl_job = CrawlJob(database, self.executor, self.monitor, self.metrics, self.request_feed_build)
        # Several daemons may share one PostgreSQL archive; only the holder of this lock schedules.
        self.leadership = SchedulerLeadership(database.engine)
        self.controls = SourceControls(database, self.metrics)
        self._next_leadership_check = 0.0
        self._leading = False
        self.scheduler = BackgroundScheduler(
            executors={
                "crawls": ThreadPoolExecutor(cfg.daemon.max_parallel_crawls),
                "snapshots": ThreadPoolExecutor(1),
                "fixity": ThreadPoolExecutor(1),
            },
            job_defaults={"coalesce": True, "max_instances": 1, "misfire_grace_time": None},
            timezone=UTC,
        )
        self.scheduler.add_listener(self._on_skipped, EVENT_JOB_MAX_INSTANCES)
        host, port = split_listen(cfg.daemon.listen)
        monitoring = MonitoringApp(self.health_report, self.metrics.render, CONTENT_TYPE)
        # the archive browser, the feed folder and /healthz and /metrics, as `warta serve` serves the first two
        self.http = HttpServer.bind(make_warta_app(cfg, database, monitoring), host, port)
        self.started_monotonic = time.monotonic()
        self._active: set[str] = set()
        self._active_changed = threading.Condition()
        self._stop = threading.Event()
        self._reload = threading.Event()
        self._wake = threading.Event()

    @classmethod
    def from_config(cls, cfg: WartaConfig, database: Database, log_level: str = "info") -> Daemon:
        """Return the daemon for a config read from a file (the file SIGHUP reloads)."""
        assert cfg.config_path is not None
        return cls(
            cfg,
            database,
            cfg.config_path,
            log_level,
            build_feeds=build_feeds,
            run_snapshot=run_scheduled_snapshot,
            run_fixity=run_fixity_check,
        )

    def run(self) -> int:
        """Run until SIGTERM or SIGINT; return the exit status (0 after a clean stop)."""
        # A skipped run is logged by _on_skipped with its source; APScheduler's own line would repeat it.
        logging.getLogger("apscheduler.scheduler").setLevel(logging.ERROR)
        self._install_signal_handlers()
        self.start()
        host, port = self.http.address
        logger.info(
            "warta daemon %s running: %d sources, %d snapshots, %d fixity checks scheduled; http://%s:%d/healthz",
            VERSION,
            len(self.cfg.enabled_sources()),
            len(self.cfg.snapshots) if self.run_snapshot else 0,
            len(self.cfg.fixity) if self.run_fixity else 0,
            host,
            port,
            extra={"event": "daemon.started", "version": VERSION, "listen": f"{host}:{port}"},
        )
        while not self._stop.is_set():
            self._wake.wait(TICK_SECONDS)
            self._wake.clear()
            self._check_leadership()
            if self._reload.is_set():
                self._reload.clear()
                self.reload()
            if self._leading and not self._stop.is_set():
                self.controls.tick({source.id for source in self.cfg.sources}, self._is_crawling, self._start_requested)
        self.shutdown()
        return 0

    def start(self) -> None:
        """Recover from a previous crash, schedule the jobs and start serving."""
        self._recover_interrupted_runs()
        self._register_sources(self.cfg)
        self._load_metrics()
        self._schedule(self.cfg)
        if self.monitor.webhook is not None:
            self.monitor.webhook.start()
        if self.feeds is not None:
            self.feeds.start()
            self.feeds.request()
        is_leader = self._leading = self.leadership.try_acquire()
        if not is_leader:
            logger.info("another daemon schedules the crawls of this archive; standing by")
        self.scheduler.start(paused=not is_leader)
        self._next_leadership_check = time.monotonic() + STANDBY_RETRY_SECONDS
        self.http.start()

    def request_stop(self) -> None:
        """Ask the main loop to shut down (what SIGTERM and SIGINT do)."""
        self._stop.set()
        self._wake.set()

    def request_reload(self) -> None:
        """Ask the main loop to reload the config (what SIGHUP does)."""
        self._reload.set()
        self._wake.set()

    def request_feed_build(self) -> None:
        """Ask for a feed rebuild in the background."""
        if self.feeds is not None:
            self.feeds.request()

    def reload(self) -> bool:
        """Read the config file again and reschedule; keep the old config for everything when the new one is bad."""
        now = utcnow()
        try:
            cfg = load_config(self.config_path)
        except ConfigError as exc:
            self.config_state = self.config_state.refused(now, exc.problems)
            self.metrics.set_config_reload(False, now)
            logger.error(
                "config reload refused; crawls, feeds and snapshots keep running on the config accepted last:\n%s",
                exc,
                extra={"event": "config.reload_refused", "path": str(self.config_path), "problems": len(exc.problems)},
            )
            return False
        # The database, the HTTP server, the served feed folder and the browser's [web] settings are set once, at start.
        kept = {key: getattr(self.cfg, key) for key in RESTART_ONLY}
        for key, value in kept.items():
            if getattr(cfg, key) != value:
                logger.warning("[%s] changed: it takes effect when the daemon restarts", key)
        self.cfg = cfg.model_copy(update=kept)
        self.monitor.source_names = {source.id: source.display_name for source in cfg.sources}
        self._register_sources(self.cfg)
        self._load_metrics()
        self.scheduler.remove_all_jobs()
        self._schedule(self.cfg)
        self.config_state = ConfigState.accepted(now)
        self.metrics.set_config_reload(True, now)
        logger.info(
            "config reloaded from %s: %d sources scheduled",
            self.config_path,
            len(cfg.enabled_sources()),
            extra={"event": "config.reloaded", "path": str(self.config_path), "sources": len(cfg.enabled_sources())},
        )
        return True

    def shutdown(self) -> None:
        """Stop scheduling, let running crawls finish within the grace period, stop the rest."""
        grace = self.cfg.daemon.shutdown_grace.total_seconds()
        with self._active_changed:
            running = sorted(self._active)
        logger.info(
            "stopping: no new runs; waiting up to %.0fs for %d running (%s)",
            grace,
            len(running),
            ", ".join(running) or "none",
        )
        if self.scheduler.state == STATE_RUNNING:
            self.scheduler.shutdown(wait=False)
        if not self._wait_idle(grace):
            logger.warning("crawls still running after %.0fs ([daemon] shutdown_grace); stopping them", grace)
            self.executor.stop_all()
            self._wait_idle(SETTLE_SECONDS)
        self.executor.close()
        if self.feeds is not None:
            self.feeds.stop(grace)
        if self.monitor.webhook is not None:
            self.monitor.webhook.stop(2.0)
        self.http.stop()
        self.leadership.release()
        self.database.dispose()
        logger.info("warta daemon stopped", extra={"event": "daemon.stopped"})

    def health_report(self) -> HealthReport:
        """Return what /healthz answers: healthy when the scheduler runs and the database answers.

        A refused reload leaves the daemon healthy but "degraded": it still crawls, on its older config.
        """
        # A standby daemon's scheduler is paused: it is healthy, waiting to take over.
        scheduler_running = self.scheduler.state in (STATE_RUNNING, STATE_PAUSED) and not self._stop.is_set()
        problem = database_problem(self.database)
        healthy = scheduler_running and problem is None
        with self._active_changed:
            running = sorted(self._active)
        configured = {check.id for check in self.cfg.fixity}
        fixity = {key: result for key, result in sorted(self.fixity_results.items()) if key in configured}
        fixity_failed = any(not result.is_ok for result in fixity.values())
        details: dict[str, Any] = {
            "status": "unavailable"
            if not healthy
            else "degraded"
            if self.config_state.is_refused or fixity_failed
            else "ok",
            "scheduler": _SCHEDULER_STATES.get(self.scheduler.state, "stopped") if scheduler_running else "stopped",
            "database": "ok" if problem is None else f"error: {problem}",
            "config": self.config_state.as_dict(),
            "version": VERSION,
            "uptime_seconds": round(time.monotonic() - self.started_monotonic, 1),
            "running": running,
            "jobs": {
                job.id: job.next_run_time.isoformat() if job.next_run_time else None
                for job in self.scheduler.get_jobs()
            },
            **self._controls_report(),
        }
        if fixity:
            details["fixity"] = {key: result.as_dict() for key, result in fixity.items()}
        return HealthReport(healthy, details)

    def next_source_runs(self) -> dict[str, datetime]:
        """Return when the scheduler runs each source next; nothing while this daemon stands by."""
        if self.scheduler.state != STATE_RUNNING:
            return {}
        return {
            job.id.removeprefix("source:"): job.next_run_time
            for job in self.scheduler.get_jobs()
            if job.id.startswith("source:") and job.next_run_time is not None
        }

    def _controls_report(self) -> dict[str, Any]:
        """Return the paused sources (until when, null: until resumed) and the silenced ones, for /healthz."""
        try:
            with database_errors("cannot read the pauses and silences"), self.database.reading() as session:
                pauses, silences = active_pauses(session), active_silences(session)
        except StorageError:
            return {}
        return {
            "paused": {key: pause.until.isoformat() if pause.until else None for key, pause in sorted(pauses.items())},
            "silenced": {key: until.isoformat() for key, until in sorted(silences.items())},
        }

    def _is_crawling(self, source_id: str) -> bool:
        with self._active_changed:
            return f"source:{source_id}" in self._active

    def _start_requested(self, source_id: str) -> None:
        """Run a crawl the operator asked for (`warta crawl-now`) in the crawl pool, beside the schedule."""
        self.scheduler.add_job(
            self._crawl,
            args=[source_id, "request"],
            id=f"request:{source_id}",
            name=f"request:{source_id}",
            executor="crawls",
            replace_existing=True,
        )

    def _check_leadership(self) -> None:
        """Take over scheduling when the leader is gone; stand by when this daemon lost the lock."""
        if not self.leadership.needs_lock or time.monotonic() < self._next_leadership_check:
            return
        self._next_leadership_check = time.monotonic() + STANDBY_RETRY_SECONDS
        was_leader = self._leading
        is_leader = self._leading = self.leadership.try_acquire()
        if is_leader and not was_leader:
            logger.info(
                "this daemon now schedules the crawls (the previous scheduler is gone)",
                extra={"event": "leadership.acquired"},
            )
            # Plan from the runs the previous scheduler recorded, so nothing it just ran runs again at once.
            self.scheduler.remove_all_jobs()
            self._schedule(self.cfg)
            self.scheduler.resume()
        elif was_leader and not is_leader:
            logger.warning(
                "lost the scheduler lock (database connection dropped); standing by", extra={"event": "leadership.lost"}
            )
            self.scheduler.pause()

    def _schedule(self, cfg: WartaConfig) -> None:
        snapshots = cfg.snapshots if self.run_snapshot is not None else []
        fixity = cfg.fixity if self.run_fixity is not None else []
        with self.database.reading() as session:
            last_runs, last_snapshots = last_started_by_source(session), last_snapshot_by_schedule(session)
            last_fixity = {key: row.started_at for key, row in latest_fixity_checks(session).items()}
        plan = plan_jobs(
            cfg, cfg.enabled_sources(), snapshots, last_runs, last_snapshots, utcnow(), fixity, last_fixity
        )
        jobs: dict[str, tuple[Callable[[str], None], str]] = {
            "source": (self._crawl, "crawls"),
            "snapshot": (self._snapshot, "snapshots"),
            "fixity": (self._fixity, "fixity"),
        }
        for job in plan:
            func, executor = jobs[job.kind]
            self.scheduler.add_job(
                func,
                job.trigger,
                args=[job.target_id],
                id=job.job_id,
                name=job.job_id,
                executor=executor,
                next_run_time=job.first_run,
                replace_existing=True,
            )
            logger.info("%s scheduled (%s), next run %s", job.job_id, job.schedule_text, job.first_run.isoformat())

    def _crawl(self, source_id: str, trigger: str = "schedule") -> None:
        try:
            source = self.cfg.source(source_id)
        except KeyError:
            logger.warning("source %s is no longer configured; its run is skipped", source_id)
            return
        if self._stop.is_set():
            return
        # a requested crawl runs even when paused: the operator asked for this one
        if trigger == "schedule" and self.controls.pause_of(source_id) is not None:
            logger.debug("scheduled run of %s skipped: the source is paused", source_id)
            return
        with self._tracking(f"source:{source_id}") as claimed:
            if not claimed:
                self._log_overlap(f"source:{source_id}")
                return
            self.crawl_job.run(source, trigger)

    def _snapshot(self, snapshot_id: str) -> None:
        snapshot = next((item for item in self.cfg.snapshots if item.id == snapshot_id), None)
        if snapshot is None or self.run_snapshot is None or self._stop.is_set():
            return
        started = time.monotonic()
        fields: dict[str, Any] = {"snapshot": snapshot_id, "format": snapshot.format}
        logger.info(
            "snapshot %s (%s) started", snapshot_id, snapshot.format, extra={"event": "snapshot.started", **fields}
        )
        with self._tracking(f"snapshot:{snapshot_id}") as claimed:
            if not claimed:
                self._log_overlap(f"snapshot:{snapshot_id}")
                return
            try:
                self.run_snapshot(self.cfg, self.database, snapshot)
            except Exception:
                self.metrics.snapshots.labels(snapshot_id, "failed").inc()
                logger.exception("snapshot %s failed", snapshot_id, extra={"event": "snapshot.failed", **fields})
                return
        seconds = round(time.monotonic() - started, 3)
        self.metrics.snapshots.labels(snapshot_id, "ok").inc()
        logger.info(
            "snapshot %s finished in %.1fs",
            snapshot_id,
            seconds,
            extra={"event": "snapshot.finished", **fields, "duration_seconds": seconds},
        )

    def _fixity(self, check_id: str) -> None:
        check = next((item for item in self.cfg.fixity if item.id == check_id), None)
        if check is None or self.run_fixity is None or self._stop.is_set():
            return
        started, started_at = time.monotonic(), utcnow()
        logger.info("fixity check %s started", check_id, extra={"event": "fixity.started", "check": check_id})
        with self._tracking(f"fixity:{check_id}") as claimed:
            if not claimed:
                self._log_overlap(f"fixity:{check_id}")
                return
            try:
                report = self.run_fixity(self.cfg, self.database, check)
                result, _alert = self.fixity.record(check_id, started_at, utcnow(), report)
            except Exception:
                self.metrics.observe_fixity(check_id, None, utcnow())
                logger.exception(
                    "fixity check %s could not run", check_id, extra={"event": "fixity.error", "check": check_id}
                )
                return
        self.fixity_results[check_id] = result
        self.metrics.observe_fixity(check_id, result.problems, result.finished_at)
        seconds = round(time.monotonic() - started, 3)
        fields: dict[str, Any] = {"check": check_id, "problems": result.problems, "duration_seconds": seconds}
        if result.is_ok:
            logger.info(
                "fixity check %s finished in %.1fs: %s",
                check_id,
                seconds,
                report.summary(),
                extra={"event": "fixity.finished", **fields},
            )
            return
        logger.error(
            "fixity check %s FAILED: %s; first: %s (run `warta verify` for the full list, restore from an export "
            "that verifies)",
            check_id,
            report.summary(),
            "; ".join(result.first_problems),
            extra={"event": "fixity.failed", **fields},
        )

    @contextmanager
    def _tracking(self, job_id: str) -> Iterator[bool]:
        """Mark the job running for its block; yield False (and mark nothing) when it already runs."""
        with self._active_changed:
            if job_id in self._active:
                claimed = False
            else:
                claimed = True
                self._active.add(job_id)
        try:
            yield claimed
        finally:
            if claimed:
                with self._active_changed:
                    self._active.discard(job_id)
                    self._active_changed.notify_all()

    def _wait_idle(self, timeout_seconds: float) -> bool:
        with self._active_changed:
            return self._active_changed.wait_for(lambda: not self._active, timeout=timeout_seconds)

    def _recover_interrupted_runs(self) -> None:
        with self.database.transaction() as session:
            stale = [run for run in running_runs(session, socket.gethostname()) if not _process_alive(run.pid)]
            if stale:
                interrupt_runs(session, [run.id for run in stale], "the crawl process stopped before it finished")
        for run in stale:
            logger.warning(
                "run %d of %s was left running by a stopped process; marked interrupted", run.id, run.source_id
            )

    def _register_sources(self, cfg: WartaConfig) -> None:
        with self.database.transaction() as session:
            for source in cfg.sources:
                ensure_source(session, source.id, source.display_name, source.kind)

    def _load_metrics(self) -> None:
        with self.database.reading() as session:
            for source_id, finished_at in last_success_by_source(session).items():
                self.metrics.set_last_success(source_id, finished_at)
            for source in self.cfg.sources:
                self.metrics.set_health(source.id, stored_health(session, source.id).health)
            documents = document_counts_by_source(session)
        self.metrics.set_documents({source.id: documents.get(source.id, 0) for source in self.cfg.sources})
        self.fixity_results = self.fixity.latest()
        for check in self.cfg.fixity:
            if check.id in self.fixity_results:
                self.metrics.set_fixity(
                    check.id, self.fixity_results[check.id].problems, self.fixity_results[check.id].finished_at
                )

    def _on_skipped(self, event: JobExecutionEvent) -> None:
        self._log_overlap(event.job_id)

    def _log_overlap(self, job_id: str) -> None:
        kind, target = job_id.split(":", 1)
        self.metrics.skipped.labels(target).inc()
        fields: dict[str, Any] = {"source": target, "run_id": None}
        if kind not in ("source", "request"):
            fields = {"snapshot" if kind == "snapshot" else "check": target}
        event = "crawl" if kind in ("source", "request") else kind
        logger.warning(
            "run of %s skipped: its previous run is still going",
            job_id,
            extra={"event": f"{event}.skipped", **fields},
        )

    def _install_signal_handlers(self) -> None:
        def stop(signum: int, _frame: FrameType | None) -> None:
            logger.info("received %s", signal.Signals(signum).name)
            self.request_stop()

        def reload(_signum: int, _frame: FrameType | None) -> None:
            logger.info("received SIGHUP: reloading %s", self.config_path)
            self.request_reload()

        signal.signal(signal.SIGTERM, stop)
        signal.signal(signal.SIGINT, stop)
        signal.signal(signal.SIGHUP, reload)


def _process_alive(pid: int | None) -> bool:
    if pid is None or pid <= 0:
        return False
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    # A killed crawl whose new parent has not reaped it yet is a zombie: dead for our purpose.
    try:
        stat = Path(f"/proc/{pid}/stat").read_text(encoding="utf-8", errors="replace")
    except OSError:
        return True
    return stat.rsplit(")", 1)[-1].split()[:1] != ["Z"]


def build_executor(cfg: WartaConfig, database: Database, config: AcceptedConfig, log_level: str) -> CrawlExecutor:
    """Return the executor [daemon] executor names; its crawls run on what `config` returns when they start."""
    if cfg.daemon.executor == "scrapyd":
        return ScrapydExecutor.from_config(cfg, database, config)
    return LocalExecutor.from_config(cfg, database, config, log_level)
