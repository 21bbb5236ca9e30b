"""Fixtures of the deployment files' tests: the metric names a live daemon exports, promtool, the files."""

from __future__ import annotations

import json
import re
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml

from tests.conftest import ROOT, free_port, require_tool, write_config
from warta.config import load_config
from warta.config.secrets import reveal
from warta.daemon.service import Daemon
from warta.storage.database import Database

DEPLOY = ROOT / "deploy"
RULES = DEPLOY / "prometheus" / "warta-rules.yml"
RULE_TESTS = [DEPLOY / "prometheus" / "warta-rules.test.yml", DEPLOY / "prometheus" / "warta-rules.days.test.yml"]
DASHBOARD = DEPLOY / "grafana" / "warta-dashboard.json"
TYPE_LINE = re.compile(r"^# TYPE (\S+) (\S+)$", re.MULTILINE)
SUFFIXES = {"histogram": ("_bucket", "_sum", "_count"), "summary": ("", "_sum", "_count")}


def series_names(exposition: str) -> set[str]:
    """Return every series name a Prometheus text exposition can carry, from its TYPE lines."""
    names = set()
    for family, kind in TYPE_LINE.findall(exposition):
        names.update(family + suffix for suffix in SUFFIXES.get(kind, ("",)))
    return names


@pytest.fixture(scope="session")
def exported_names(tmp_path_factory: pytest.TempPathFactory) -> set[str]:
    """Return the series names a daemon's /metrics carries (scraped over HTTP)."""
    folder = tmp_path_factory.mktemp("exporter")
    url = f"sqlite:///{folder / 'warta.db'}"
    body = f'[storage]\nurl = "{url}"\n[daemon]\nlisten = "127.0.0.1:{free_port()}"\n'
    cfg = load_config(write_config(folder, body), environ={})
    database = Database(reveal(cfg.storage.url))
    database.ensure_schema()
    daemon = Daemon.from_config(cfg, database)
    daemon.http.start()
    try:
        host, port = daemon.http.address
        with urllib.request.urlopen(f"http://{host}:{port}/metrics", timeout=10) as response:
            exposition = response.read().decode()
    finally:
        daemon.http.stop()
        database.dispose()
    return series_names(exposition)


@pytest.fixture(scope="session")
def promtool() -> str:
    """Return the path of promtool (Debian's prometheus package)."""
    return require_tool("promtool", "prometheus")


def rules() -> list[dict[str, Any]]:
    """Return every rule of the rules file."""
    document = yaml.safe_load(RULES.read_text(encoding="utf-8"))
    return [rule for group in document["groups"] for rule in group["rules"]]


def dashboard() -> dict[str, Any]:
    """Return the Grafana dashboard as parsed JSON."""
    loaded: dict[str, Any] = json.loads(DASHBOARD.read_text(encoding="utf-8"))
    return loaded


def panels(document: dict[str, Any]) -> Iterator[dict[str, Any]]:
    """Yield every panel of a dashboard, those inside collapsed rows too."""
    for panel in document["panels"]:
        yield panel
        yield from panel.get("panels", [])


def dashboard_expressions() -> list[tuple[str, str]]:
    """Return (panel title, PromQL expression) for every query of the dashboard."""
    return [(panel["title"], target["expr"]) for panel in panels(dashboard()) for target in panel.get("targets", [])]


def write_rules(folder: Path, expressions: list[str]) -> Path:
    """Write a rules file recording each expression (so that promtool parses it) and return its path."""
    recorded = [{"record": f"warta:check_{index}", "expr": expression} for index, expression in enumerate(expressions)]
    path = folder / "expressions.yml"
    path.write_text(yaml.safe_dump({"groups": [{"name": "check", "rules": recorded}]}), encoding="utf-8")
    return path
