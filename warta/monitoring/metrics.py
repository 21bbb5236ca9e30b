"""The daemon's Prometheus metrics, in a registry of their own.

A dedicated CollectorRegistry (not prometheus-client's global one) keeps two
daemons in one test process apart, and keeps library metrics we do not own
out of /metrics; the process metrics (CPU, memory, open files) are added to it
on purpose. Values the daemon already knows elsewhere (the next run of each
source) are read when scraped, not copied here.
"""

from __future__ import annotations

import platform
from collections.abc import Callable, Iterable, Mapping
from datetime import datetime

from prometheus_client import (
    CollectorRegistry,
    Counter,
    Gauge,
    Histogram,
    ProcessCollector,
    disable_created_metrics,
    generate_latest,
)
from prometheus_client.core import GaugeMetricFamily, Metric
from prometheus_client.registry import Collector

from warta.config import VERSION
from warta.monitoring.health import HEALTH_STATES

CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8"
RUN_BUCKETS = (1, 5, 15, 30, 60, 120, 300, 600, 1800, 3600, 7200)
BUILD_BUCKETS = (0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120)
WEBHOOK_OUTCOMES = ("delivered", "failed", "retried")

NextRuns = Callable[[], Mapping[str, datetime]]


class NextRunCollector(Collector):
    """`warta_next_run_timestamp_seconds{source}`: when the scheduler runs each source next, read at scrape time."""

    def __init__(self, next_runs: NextRuns) -> None:
        self.next_runs = next_runs

    def describe(self) -> Iterable[Metric]:
        """Yield the family without samples (the registry asks before the scheduler exists)."""
        yield _next_run_family()

    def collect(self) -> Iterable[Metric]:
        """Yield one gauge family with a sample per scheduled source."""
        family = _next_run_family()
        for source_id, when in sorted(self.next_runs().items()):
            family.add_metric([source_id], when.timestamp())
        yield family


def _next_run_family() -> GaugeMetricFamily:
    return GaugeMetricFamily(
        "warta_next_run_timestamp_seconds",
        "When the scheduler runs the source next (Unix time); absent while this daemon stands by.",
        labels=["source"],
    )


class DaemonMetrics:
    """Counters, gauges and histograms of crawls, documents, feeds and health."""

    def __init__(self, next_runs: NextRuns | None = None) -> None:
        # `_created` samples double every counter's series and only tell when the process started
        # counting; prometheus-client's switch is process-wide, and the daemon is the process.
        disable_created_metrics()  # type: ignore[no-untyped-call]  # prometheus-client leaves it unannotated
        self.registry = CollectorRegistry(auto_describe=True)
        # a paused source's gauge says paused, whatever its runs were judged (kept for when it resumes)
        self._paused: set[str] = set()
        self._judged_health: dict[str, str] = {}
        r = self.registry
        ProcessCollector(registry=r)
        if next_runs is not None:
            r.register(NextRunCollector(next_runs))
        self.build_info = Gauge(
            "warta_build_info",
            "Always 1; the labels say which warta and Python run.",
            ["version", "python"],
            registry=r,
        )
        self.build_info.labels(VERSION, platform.python_version()).set(1)
        self.crawls_in_progress = Gauge(
            "warta_crawls_in_progress", "Crawls running now (local children or Scrapyd jobs).", registry=r
        )
        self.documents = Gauge(
            "warta_source_documents",
            "Documents stored for the source (read after each of its crawls).",
            ["source"],
            registry=r,
        )
        self.webhook_deliveries = Counter(
            "warta_webhook_deliveries",
            "Webhook outcomes: alerts delivered, alerts given up on (failed), attempts that failed and were retried.",
            ["outcome"],
            registry=r,
        )
        for outcome in WEBHOOK_OUTCOMES:
            # present from the start, so that rate() and the rules see the first failure
            self.webhook_deliveries.labels(outcome)
        self.runs = Counter("warta_crawl_runs", "Crawl runs by source and result.", ["source", "result"], registry=r)
        self.skipped = Counter(
            "warta_crawl_runs_skipped",
            "Runs not started because the previous one was still going.",
            ["source"],
            registry=r,
        )
        self.documents_new = Counter("warta_documents_new", "New documents recorded.", ["source"], registry=r)
        self.documents_changed = Counter(
            "warta_documents_changed", "Documents that changed (new revision).", ["source"], registry=r
        )
        self.pages = Counter(
            "warta_pages_fetched",
            "HTTP responses received by crawls, by status code.",
            ["source", "status"],
            registry=r,
        )
        self.last_success = Gauge(
            "warta_last_success_timestamp_seconds",
            "When the source's latest successful crawl finished (Unix time).",
            ["source"],
            registry=r,
        )
        self.run_seconds = Histogram(
            "warta_crawl_duration_seconds",
            "Wall-clock duration of crawl runs.",
            ["source"],
            buckets=RUN_BUCKETS,
            registry=r,
        )
        self.feed_build_seconds = Histogram(
            "warta_feed_build_duration_seconds",
            "Time to rebuild the feeds after crawls.",
            buckets=BUILD_BUCKETS,
            registry=r,
        )
        self.feed_build_failures = Counter("warta_feed_build_failures", "Feed rebuilds that failed.", registry=r)
        self.health = Gauge(
            "warta_source_health",
            "1 for the source's current health state, 0 for the others.",
            ["source", "health"],
            registry=r,
        )
        self.alerts = Counter("warta_alerts", "Health alerts raised, by new health.", ["health"], registry=r)
        self.snapshots = Counter(
            "warta_snapshot_runs", "Scheduled snapshots by result.", ["snapshot", "result"], registry=r
        )
        self.fixity_checks = Counter(
            "warta_fixity_checks",
            "Scheduled fixity checks by result (ok, failed, error).",
            ["check", "result"],
            registry=r,
        )
        self.fixity_problems = Gauge(
            "warta_fixity_problems",
            "Mismatched records found by the latest run of the [[fixity]] check (0: every digest matched).",
            ["check"],
            registry=r,
        )
        self.fixity_last_check = Gauge(
            "warta_fixity_last_check_timestamp_seconds",
            "When the [[fixity]] check last finished, with or without problems (Unix time).",
            ["check"],
            registry=r,
        )
        self.config_reload_success = Gauge(
            "warta_config_reload_success",
            "1 when the daemon runs on the config file's latest version, 0 after a refused reload.",
            registry=r,
        )
        self.config_last_reload = Gauge(
            "warta_config_last_reload_timestamp_seconds",
            "When the config was last loaded or a reload last tried, refused or not (Unix time).",
            registry=r,
        )

    def observe_run(
        self, source_id: str, result: str, seconds: float, new: int, changed: int, pages_by_status: Mapping[int, int]
    ) -> None:
        """Count one finished crawl run."""
        self.runs.labels(source_id, result).inc()
        self.run_seconds.labels(source_id).observe(seconds)
        self.documents_new.labels(source_id).inc(new)
        self.documents_changed.labels(source_id).inc(changed)
        for status, count in pages_by_status.items():
            self.pages.labels(source_id, str(status)).inc(count)

    def set_last_success(self, source_id: str, finished_at: datetime) -> None:
        """Record when the source last crawled successfully."""
        self.last_success.labels(source_id).set(finished_at.timestamp())

    def set_health(self, source_id: str, health: str) -> None:
        """Make `health` the source's one current health state (shown as paused while it is paused)."""
        self._judged_health[source_id] = health
        shown = "paused" if source_id in self._paused else health
        for state in HEALTH_STATES:
            self.health.labels(source_id, state).set(1 if state == shown else 0)

    def set_paused(self, source_id: str, is_paused: bool) -> None:
        """Show the source as paused, or again with its judged health."""
        if is_paused:
            self._paused.add(source_id)
        else:
            self._paused.discard(source_id)
        self.set_health(source_id, self._judged_health.get(source_id, "unknown"))

    def set_config_reload(self, is_accepted: bool, at: datetime) -> None:
        """Record a config load or reload at `at`, accepted or refused."""
        self.config_reload_success.set(1 if is_accepted else 0)
        self.config_last_reload.set(at.timestamp())

    def observe_fixity(self, check_id: str, problems: int | None, at: datetime) -> None:
        """Count a finished fixity check and record its problem count (None: it could not run)."""
        if problems is None:
            self.fixity_checks.labels(check_id, "error").inc()
            return
        self.fixity_checks.labels(check_id, "ok" if problems == 0 else "failed").inc()
        self.set_fixity(check_id, problems, at)

    def set_fixity(self, check_id: str, problems: int, at: datetime) -> None:
        """Record the latest result of a fixity check: its problem count and when it finished."""
        self.fixity_problems.labels(check_id).set(problems)
        self.fixity_last_check.labels(check_id).set(at.timestamp())

    def set_documents(self, counts: Mapping[str, int]) -> None:
        """Record how many documents each source has stored."""
        for source_id, count in counts.items():
            self.documents.labels(source_id).set(count)

    def count_webhook_outcome(self, outcome: str) -> None:
        """Count one webhook outcome: 'delivered', 'failed' or 'retried'."""
        self.webhook_deliveries.labels(outcome).inc()

    def render(self) -> bytes:
        """Return the metrics in the Prometheus text format."""
        return generate_latest(self.registry)
