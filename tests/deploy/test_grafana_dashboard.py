"""deploy/grafana/warta-dashboard.json: a dashboard Grafana can import, whose every query is valid PromQL."""

from __future__ import annotations

import subprocess
from pathlib import Path

from tests.deploy.conftest import dashboard, dashboard_expressions, panels, write_rules

# What Grafana puts in place of its variables before the query reaches Prometheus.
GRAFANA_VARIABLES = {"$__rate_interval": "1m", "$source": ".*"}


def as_prometheus_sees_it(expression: str) -> str:
    for variable, value in GRAFANA_VARIABLES.items():
        expression = expression.replace(variable, value)
    return expression


def test_every_dashboard_query_is_valid_promql(promtool: str, tmp_path: Path) -> None:
    expressions = [as_prometheus_sees_it(expr) for _, expr in dashboard_expressions()]
    assert all("$" not in expr for expr in expressions), "a Grafana variable the test does not replace"
    checked = subprocess.run(
        [promtool, "check", "rules", str(write_rules(tmp_path, expressions))],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert checked.returncode == 0, checked.stdout + checked.stderr
    # the negative control: promtool refuses an expression that is not PromQL
    broken = write_rules(tmp_path, ["sum by (source (warta_source_health)"])
    assert subprocess.run([promtool, "check", "rules", str(broken)], capture_output=True, check=False).returncode != 0


def test_dashboard_panels_have_unique_ids_and_titles_and_read_the_chosen_datasource() -> None:
    document = dashboard()
    every = list(panels(document))
    assert len({panel["id"] for panel in every}) == len(every)
    queried = [panel for panel in every if panel["type"] != "row"]
    assert len({panel["title"] for panel in queried}) == len(queried)
    assert all(panel["datasource"] == {"type": "prometheus", "uid": "${datasource}"} for panel in queried)
    assert all(panel["targets"] and panel.get("description") for panel in queried)
    (variable,) = [item for item in document["templating"]["list"] if item["type"] == "datasource"]
    assert (variable["name"], variable["query"]) == ("datasource", "prometheus")


def test_dashboard_panels_do_not_overlap() -> None:
    cells: dict[tuple[int, int], str] = {}
    for panel in panels(dashboard()):
        grid = panel["gridPos"]
        assert grid["x"] + grid["w"] <= 24, panel["title"]
        for row in range(grid["y"], grid["y"] + grid["h"]):
            for column in range(grid["x"], grid["x"] + grid["w"]):
                assert (row, column) not in cells, f"{panel['title']} overlaps {cells[(row, column)]}"
                cells[(row, column)] = panel["title"]
