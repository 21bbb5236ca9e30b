"""Source health: ok, failing, stale, degraded, unknown or paused, decided from plain values.

This module only evaluates. It reads nothing and writes nothing: the caller
passes the recent runs and the time of the source's latest change (queried by
storage.health) and records the verdict. Keeping it pure lets every rule be
tested with plain values.

A run counts as failed when it ended failed or timed out, when every one of its
start URLs (listing, feed, sitemap) got an error, or when every request it made
failed: a site answering 500 "runs" but yields nothing.
Interrupted runs are ignored: the daemon stopped them, the site did nothing wrong.

A source an operator paused (`warta pause`) is `paused`: it is not crawled, so
judging its runs would soon call it stale. Paused is shown, never stored as the
source's health, so resuming it raises no alert of its own.
"""

from __future__ import annotations

import statistics
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

HEALTH_STATES = ("unknown", "ok", "failing", "stale", "degraded", "paused")
FAILED_STATUSES = ("failed", "timeout")
IGNORED_STATUSES = ("running", "interrupted")
# A listing is degraded when its latest run found less than this share of its usual links.
DEGRADED_LINK_SHARE = 0.2
# Fewer usual links than this is too small a sample to call a drop a redesign.
MIN_BASELINE_LINKS = 3
# Runs that read their listing needed before the latest one to know what "usual" is.
MIN_BASELINE_RUNS = 1


@dataclass(frozen=True)
class RunFacts:
    """What health needs to know about one finished crawl run."""

    status: str
    started_at: datetime
    error: str = ""
    requests: int = 0
    new: int = 0
    changed: int = 0
    unchanged: int = 0
    not_modified: int = 0
    errors: int = 0
    links_found: int = 0
    empty_pages: int = 0
    start_urls: int = 0
    start_url_errors: tuple[str, ...] = ()

    @property
    def pages_extracted(self) -> int:
        """Return how many pages went through extraction (304s did not)."""
        return self.new + self.changed + self.unchanged + self.empty_pages

    @property
    def read_index(self) -> bool:
        """Return True when the run read its listing, feed or sitemap (a 304 finds no links, by design)."""
        return self.links_found > 0 or self.empty_pages > 0 or self.not_modified == 0

    @property
    def is_failed(self) -> bool:
        """Return True when the run failed, timed out, or every request it made failed."""
        if self.status in FAILED_STATUSES:
            return True
        if self.start_urls and len(self.start_url_errors) >= self.start_urls:
            return True
        yielded = self.pages_extracted + self.not_modified + self.links_found
        return self.errors > 0 and yielded == 0

    def failure_reason(self) -> str:
        """Return why the run counts as failed, in a few words."""
        if self.status == "timeout":
            return self.error or "the crawl ran past [daemon] crawl_timeout and was stopped"
        if self.status == "failed":
            return self.error or "the crawl failed"
        if self.start_urls and len(self.start_url_errors) >= self.start_urls:
            return "no start URL answered: " + "; ".join(self.start_url_errors[:3])
        return f"every request failed ({self.errors} errors, nothing fetched)"


@dataclass(frozen=True)
class HealthVerdict:
    """A source's health and why."""

    health: str
    reason: str = ""


def evaluate_health(
    runs: Sequence[RunFacts],
    now: datetime,
    last_change: datetime | None = None,
    first_run: datetime | None = None,
    expect_new_within: timedelta | None = None,
    failing_after: int = 2,
) -> HealthVerdict:
    """Return the health of a source from its recent runs (newest first) and its latest change."""
    finished = [run for run in runs if run.status not in IGNORED_STATUSES]
    if not finished:
        return HealthVerdict("unknown", "no finished crawl yet")
    failing = _failing(finished, failing_after)
    if failing:
        return failing
    succeeded = [run for run in finished if not run.is_failed]
    if not succeeded:
        return HealthVerdict("unknown", f"{len(finished)} failed run(s) and no successful one yet")
    degraded = _degraded(succeeded)
    if degraded:
        return degraded
    stale = _stale(now, last_change, first_run, expect_new_within)
    if stale:
        return stale
    return HealthVerdict("ok")


def paused_verdict(by: str, until: datetime | None) -> HealthVerdict:
    """Return the health shown for a source paused by `by` until `until` (None: until resumed)."""
    when = f"until {until:%Y-%m-%d %H:%M} UTC" if until is not None else "until `warta resume`"
    return HealthVerdict("paused", f"paused by {by or 'an operator'} {when}")


def _failing(finished: Sequence[RunFacts], failing_after: int) -> HealthVerdict | None:
    latest = finished[: max(1, failing_after)]
    if len(latest) < max(1, failing_after) or not all(run.is_failed for run in latest):
        return None
    runs = "the last run" if len(latest) == 1 else f"the last {len(latest)} runs"
    return HealthVerdict("failing", f"{runs} failed: {latest[0].failure_reason()}")


def _degraded(succeeded: Sequence[RunFacts]) -> HealthVerdict | None:
    if not succeeded:
        return None
    indexed = [run for run in succeeded if run.read_index]
    if indexed:
        degraded = _fewer_links(indexed[0], indexed[1:])
        if degraded:
            return degraded
    latest = succeeded[0]
    pages = latest.pages_extracted
    if latest.empty_pages > 0 and latest.empty_pages * 2 > pages:
        return HealthVerdict(
            "degraded",
            f"{latest.empty_pages} of {pages} pages had no extractable text: the page layout may have changed",
        )
    return None


def _fewer_links(latest: RunFacts, earlier: Sequence[RunFacts]) -> HealthVerdict | None:
    # Zero-link runs are left out of the baseline, so a listing that stays empty does not
    # become its own "usual" after a few runs and send a false recovery.
    usual_links = [run.links_found for run in earlier if run.links_found > 0]
    if len(earlier) < MIN_BASELINE_RUNS or not usual_links:
        return None
    baseline = statistics.median(usual_links)
    if baseline < MIN_BASELINE_LINKS or latest.links_found >= DEGRADED_LINK_SHARE * baseline:
        return None
    return HealthVerdict(
        "degraded",
        f"found {latest.links_found} links, usually {baseline:g}: the listing may have been redesigned "
        "(check sources[].follow, or sources[].json.items of a JSON source)",
    )


def _stale(
    now: datetime, last_change: datetime | None, first_run: datetime | None, expect_new_within: timedelta | None
) -> HealthVerdict | None:
    if expect_new_within is None:
        return None
    since = last_change or first_run
    if since is None or now - since <= expect_new_within:
        return None
    what = "last new or changed document" if last_change else "first crawl, with nothing new since"
    return HealthVerdict(
        "stale", f"nothing new or changed for {_days(now - since)} ({what} {since:%Y-%m-%d %H:%M} UTC)"
    )


def _days(span: timedelta) -> str:
    if span >= timedelta(days=2):
        return f"{span.days} days"
    hours = span.total_seconds() / 3600
    return f"{hours:.0f} hours" if hours >= 2 else f"{span.total_seconds() / 60:.0f} minutes"


def should_alert(previous: str, current: str) -> bool:
    """Return True when a change of health from `previous` to `current` deserves an alert."""
    if previous == current:
        return False
    # A first run that finds the source healthy is not news; a first run that does not, is.
    return not (previous == "unknown" and current == "ok")
