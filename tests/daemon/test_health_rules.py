"""Health rules judged from plain values: failing, degraded, stale, ok, unknown, and when to alert."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta

import pytest

from warta.monitoring.health import RunFacts, evaluate_health, should_alert

NOW = datetime(2026, 11, 26, 12, 0, tzinfo=UTC)


def run(hours_ago: float = 1, **values: object) -> RunFacts:
    """Return a healthy listing run `hours_ago`, with `values` changed."""
    base = RunFacts(
        status="ok", started_at=NOW - timedelta(hours=hours_ago), requests=25, new=2, unchanged=18, links_found=20
    )
    return replace(base, **values)  # type: ignore[arg-type]


FAILED = run(status="failed", error="start URL answered 500")


def test_source_without_finished_runs_is_unknown() -> None:
    assert evaluate_health([], NOW).health == "unknown"
    assert evaluate_health([run(status="running")], NOW).health == "unknown"


def test_healthy_runs_are_ok() -> None:
    assert evaluate_health([run(1), run(2), run(3)], NOW).health == "ok"


def test_failing_needs_the_configured_number_of_failures_in_a_row() -> None:
    one_failure = evaluate_health([FAILED, run(2)], NOW, failing_after=2)
    two_failures = evaluate_health([FAILED, FAILED, run(3)], NOW, failing_after=2)
    assert one_failure.health == "ok"
    assert two_failures.health == "failing"
    assert "start URL answered 500" in two_failures.reason


def test_run_where_every_request_failed_counts_as_failed() -> None:
    all_errors = run(status="ok", errors=3, new=0, unchanged=0, links_found=0, requests=3)
    verdict = evaluate_health([all_errors, all_errors], NOW, failing_after=2)
    assert verdict.health == "failing"
    assert "every request failed" in verdict.reason


def test_timeout_counts_as_failed_and_interrupted_runs_are_ignored() -> None:
    timeout = run(status="timeout", error="stopped after 5s")
    interrupted = run(status="interrupted")
    assert evaluate_health([timeout, interrupted, timeout], NOW, failing_after=2).health == "failing"
    assert evaluate_health([interrupted, interrupted, run(3)], NOW, failing_after=2).health == "ok"


def test_recovery_after_one_good_run() -> None:
    assert evaluate_health([run(0.5), FAILED, FAILED], NOW, failing_after=2).health == "ok"


def test_first_failures_before_any_success_stay_unknown() -> None:
    assert evaluate_health([FAILED], NOW, failing_after=2).health == "unknown"


@pytest.mark.parametrize(
    ("latest_links", "expected"),
    [(0, "degraded"), (3, "degraded"), (5, "ok"), (20, "ok")],
    ids=["no-links", "under-a-fifth", "a-quarter", "usual"],
)
def test_listing_that_stops_yielding_links_is_degraded(latest_links: int, expected: str) -> None:
    history = [run(hours, links_found=20) for hours in (2, 3, 4)]
    verdict = evaluate_health([run(1, links_found=latest_links), *history], NOW)
    assert verdict.health == expected
    if expected == "degraded":
        assert f"found {latest_links} links, usually 20" in verdict.reason


def test_degraded_needs_a_baseline() -> None:
    """A first run has nothing to compare with, and a tiny listing is never 'degraded'."""
    assert evaluate_health([run(1, links_found=0)], NOW).health == "ok"
    small = [run(hours, links_found=2) for hours in (2, 3, 4)]
    assert evaluate_health([run(1, links_found=0), *small], NOW).health == "ok"


def test_listing_answering_not_modified_is_not_degraded() -> None:
    """A 304 listing is not read, so it finds no links; that says nothing about the site."""
    not_read = run(1, links_found=0, new=0, unchanged=0, not_modified=7)
    history = [run(hours, links_found=20) for hours in (2, 3)]
    assert evaluate_health([not_read, *history], NOW).health == "ok"
    redesigned = run(1, links_found=0, new=0, unchanged=0, not_modified=0, empty_pages=1)
    assert evaluate_health([redesigned, not_read, *history], NOW).health == "degraded"


def test_listing_stays_degraded_while_it_yields_nothing() -> None:
    """Empty runs do not become the new normal: the baseline only counts runs that found links."""
    empty = [run(hours, links_found=0) for hours in range(1, 10)]
    usual = [run(hours, links_found=20) for hours in range(10, 13)]
    assert evaluate_health([*empty, *usual], NOW).health == "degraded"


def test_most_pages_without_text_is_degraded() -> None:
    verdict = evaluate_health([run(1, new=0, unchanged=2, empty_pages=8, links_found=20)], NOW)
    assert verdict.health == "degraded"
    assert "8 of 10 pages had no extractable text" in verdict.reason
    assert evaluate_health([run(1, new=0, unchanged=8, empty_pages=2)], NOW).health == "ok"


def test_nothing_new_for_longer_than_expected_is_stale() -> None:
    verdict = evaluate_health([run(1)], NOW, last_change=NOW - timedelta(days=15), expect_new_within=timedelta(days=14))
    assert verdict.health == "stale"
    assert "15 days" in verdict.reason
    recent = evaluate_health([run(1)], NOW, last_change=NOW - timedelta(days=13), expect_new_within=timedelta(days=14))
    assert recent.health == "ok"
    no_expectation = evaluate_health([run(1)], NOW, last_change=NOW - timedelta(days=400))
    assert no_expectation.health == "ok"


def test_staleness_counts_from_the_first_run_when_nothing_was_ever_recorded() -> None:
    verdict = evaluate_health(
        [run(1, new=0)], NOW, first_run=NOW - timedelta(days=3), expect_new_within=timedelta(days=2)
    )
    assert verdict.health == "stale"
    assert (
        evaluate_health(
            [run(1, new=0)], NOW, first_run=NOW - timedelta(days=1), expect_new_within=timedelta(days=2)
        ).health
        == "ok"
    )


def test_failing_wins_over_stale() -> None:
    verdict = evaluate_health(
        [FAILED, FAILED], NOW, first_run=NOW - timedelta(days=30), expect_new_within=timedelta(days=1)
    )
    assert verdict.health == "failing"


@pytest.mark.parametrize(
    ("previous", "current", "alert"),
    [
        ("unknown", "ok", False),
        ("unknown", "failing", True),
        ("ok", "failing", True),
        ("failing", "failing", False),
        ("failing", "ok", True),
        ("ok", "degraded", True),
        ("degraded", "stale", True),
        ("ok", "ok", False),
    ],
    ids=lambda value: str(value),
)
def test_alert_only_on_a_change_of_health(previous: str, current: str, alert: bool) -> None:
    assert should_alert(previous, current) is alert


def test_run_whose_start_urls_all_failed_counts_as_failed_even_if_articles_answered() -> None:
    """A listing answering 500 while known articles still answer 304 is a failing source."""
    listing_down = run(
        status="ok",
        errors=1,
        new=0,
        unchanged=0,
        links_found=0,
        not_modified=6,
        start_urls=1,
        start_url_errors=("http://site/berita/: HTTP 500",),
    )
    verdict = evaluate_health([listing_down, listing_down, run(3)], NOW, failing_after=2)
    assert verdict.health == "failing"
    assert "no start URL answered: http://site/berita/: HTTP 500" in verdict.reason
    one_of_two_down = replace(listing_down, start_urls=2)
    assert evaluate_health([one_of_two_down, one_of_two_down, run(3)], NOW, failing_after=2).health == "ok"
