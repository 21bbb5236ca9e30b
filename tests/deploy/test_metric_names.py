"""The rules and the dashboard read only metrics warta exports, and cover what an operator watches."""

from __future__ import annotations

import pytest

from tests.deploy.conftest import dashboard, dashboard_expressions, rules
from tests.deploy.promql import metric_names

# Prometheus makes `up` for every target it scrapes; the rules may use it to see a daemon that is down.
SCRAPE_SERIES = {"up"}


@pytest.mark.parametrize(
    ("expression", "names"),
    [
        ("warta_build_info", {"warta_build_info"}),
        (
            'sum by (result) (increase(warta_crawl_runs_total{source=~"$source", result!="ok"}[$__rate_interval]))',
            {"warta_crawl_runs_total"},
        ),
        (
            "histogram_quantile(0.9, sum by (le, source) (rate(warta_crawl_duration_seconds_bucket[6h])))",
            {"warta_crawl_duration_seconds_bucket"},
        ),
        (
            "(time() - max by (source) (a_seconds) > 2 * 86400) unless on (source) max(b{h='paused'}) by (source) == 1",
            {"a_seconds", "b"},
        ),
        (
            "process_open_fds and on (instance, job) warta_build_info offset 5m",
            {"process_open_fds", "warta_build_info"},
        ),
        ("x / on (source) group_left (name) y", {"x", "y"}),
        ('count(z{label="a}b"} == 1) or vector(0)', {"z"}),
    ],
    ids=["bare", "aggregation-by-first", "histogram", "unless-on", "and-on-offset", "group-left", "brace-in-string"],
)
def test_metric_names_are_read_from_promql(expression: str, names: set[str]) -> None:
    assert metric_names(expression) == names


def test_every_rule_reads_metrics_warta_exports(exported_names: set[str]) -> None:
    unknown = {rule["alert"]: metric_names(rule["expr"]) - exported_names - SCRAPE_SERIES for rule in rules()}
    assert {alert: names for alert, names in unknown.items() if names} == {}


def test_every_dashboard_query_reads_metrics_warta_exports(exported_names: set[str]) -> None:
    expressions = dashboard_expressions()
    unknown = {(title, expr): metric_names(expr) - exported_names for title, expr in expressions}
    assert {key: names for key, names in unknown.items() if names} == {}
    # the negative control: a misspelt name is caught
    assert metric_names("rate(warta_crawl_run_total[5m])") - exported_names == {"warta_crawl_run_total"}


def test_dashboard_source_variable_reads_an_exported_metric(exported_names: set[str]) -> None:
    (variable,) = [item for item in dashboard()["templating"]["list"] if item["name"] == "source"]
    assert variable["definition"] == "label_values(warta_source_health, source)"
    assert "warta_source_health" in exported_names


def test_dashboard_shows_runs_outcomes_health_durations_and_feed_builds() -> None:
    used = set().union(*(metric_names(expr) for _, expr in dashboard_expressions()))
    wanted = {
        "warta_crawl_runs_total",  # runs and their outcomes
        "warta_source_health",
        "warta_crawl_duration_seconds_bucket",
        "warta_feed_build_duration_seconds_count",
        "warta_feed_build_failures_total",
        "warta_last_success_timestamp_seconds",
        "warta_next_run_timestamp_seconds",
        "warta_source_documents",
        "warta_webhook_deliveries_total",
        "warta_crawls_in_progress",
    }
    assert wanted - used == set()


def test_rules_cover_failing_stale_no_success_refused_reload_and_webhook() -> None:
    used = {rule["alert"]: metric_names(rule["expr"]) for rule in rules()}
    assert "warta_config_reload_success" in used["WartaConfigReloadRefused"]
    assert "warta_webhook_deliveries_total" in used["WartaWebhookDeliveryFailing"]
    assert "warta_last_success_timestamp_seconds" in used["WartaNoSuccessfulCrawl"]
    assert {"WartaSourceFailing", "WartaSourceStale"} <= used.keys()
