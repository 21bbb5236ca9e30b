"""deploy/prometheus/warta-rules.yml: promtool accepts it, and its unit tests show each alert fires when it should."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

from tests.deploy.conftest import RULE_TESTS, RULES, rules


def run_promtool(promtool: str, *args: str | Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run([promtool, *map(str, args)], capture_output=True, text=True, timeout=120, check=False)


def test_rules_pass_promtool_check_rules(promtool: str) -> None:
    checked = run_promtool(promtool, "check", "rules", RULES)
    assert checked.returncode == 0, checked.stdout + checked.stderr
    assert f"SUCCESS: {len(rules())} rules found" in checked.stdout


def test_rule_unit_tests_pass(promtool: str) -> None:
    tested = run_promtool(promtool, "test", "rules", *RULE_TESTS)
    assert tested.returncode == 0, tested.stdout + tested.stderr
    assert tested.stdout.count("SUCCESS") == len(RULE_TESTS)


def test_rule_unit_tests_catch_a_rule_that_watches_the_wrong_state(promtool: str, tmp_path: Path) -> None:
    minutes = RULE_TESTS[0]
    shutil.copy(minutes, tmp_path / minutes.name)
    text = RULES.read_text(encoding="utf-8")
    broken = text.replace('warta_source_health{health="failing"} == 1', 'warta_source_health{health="degraded"} == 1')
    assert broken != text
    (tmp_path / RULES.name).write_text(broken, encoding="utf-8")
    tested = run_promtool(promtool, "test", "rules", tmp_path / minutes.name)
    assert tested.returncode != 0
    assert "alertname: WartaSourceFailing" in tested.stdout + tested.stderr


def test_every_alert_says_how_bad_what_happened_and_what_to_do() -> None:
    for rule in rules():
        assert rule["labels"]["severity"] in ("critical", "warning", "info"), rule["alert"]
        assert rule["annotations"]["summary"] and rule["annotations"]["description"], rule["alert"]
