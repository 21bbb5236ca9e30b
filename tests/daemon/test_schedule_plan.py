"""When jobs run next: derived from the last stored run, overdue jobs staggered, cron in the source's timezone."""

from __future__ import annotations

from collections import Counter
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from apscheduler.triggers.cron import CronTrigger
from apscheduler.triggers.interval import IntervalTrigger

from tests.conftest import write_config
from warta.config import load_config
from warta.config.schedules import CronSchedule, IntervalSchedule
from warta.daemon.schedule_plan import jitter_seconds, plan_jobs, stagger_overdue

NOW = datetime(2026, 11, 26, 12, 0, tzinfo=UTC)
JAKARTA = ZoneInfo("Asia/Jakarta")


def test_interval_is_due_one_interval_after_the_last_start() -> None:
    schedule = IntervalSchedule(timedelta(hours=6))
    assert schedule.due_time(NOW - timedelta(hours=1), NOW, JAKARTA) == NOW + timedelta(hours=5)
    assert schedule.due_time(NOW - timedelta(hours=7), NOW, JAKARTA) == NOW - timedelta(hours=1)


def test_source_that_never_ran_is_due_now() -> None:
    assert IntervalSchedule(timedelta(hours=6)).due_time(None, NOW, JAKARTA) == NOW


def test_cron_is_read_in_the_given_timezone() -> None:
    # 02:00 in Jakarta is 19:00 UTC the day before.
    due = CronSchedule("0 2 * * *").due_time(None, NOW, JAKARTA)
    assert due == datetime(2026, 11, 26, 19, 0, tzinfo=UTC)


def test_cron_missed_while_down_is_overdue() -> None:
    last = datetime(2026, 11, 24, 19, 0, tzinfo=UTC)
    assert CronSchedule("0 2 * * *").due_time(last, NOW, JAKARTA) == datetime(2026, 11, 25, 19, 0, tzinfo=UTC)


def test_overdue_jobs_are_staggered_most_overdue_first() -> None:
    due = {"a": NOW - timedelta(hours=1), "b": NOW - timedelta(hours=3), "c": NOW + timedelta(hours=2)}
    intervals = dict.fromkeys(due, timedelta(hours=6))
    plan = stagger_overdue(due, intervals, NOW)
    assert plan["b"] == NOW
    assert plan["a"] == NOW + timedelta(seconds=10)
    assert plan["c"] == NOW + timedelta(hours=2)


def test_stagger_step_is_shorter_for_short_intervals() -> None:
    due = {"a": NOW, "b": NOW}
    plan = stagger_overdue(due, dict.fromkeys(due, timedelta(seconds=2)), NOW)
    assert sorted(plan.values()) == [NOW, NOW + timedelta(seconds=1)]


def test_jitter_is_a_small_share_of_the_interval() -> None:
    assert jitter_seconds(IntervalSchedule(timedelta(seconds=2))) == 0.2
    assert jitter_seconds(IntervalSchedule(timedelta(hours=6))) == 60


def test_restart_plan_keeps_recently_crawled_sources_waiting(tmp_path: Path) -> None:
    cfg = load_config(
        write_config(
            tmp_path,
            """
[[sources]]
id = "fresh"
kind = "feed"
urls = ["https://example.org/feed.xml"]
schedule = "every 6h"

[[sources]]
id = "late"
kind = "feed"
urls = ["https://example.org/other.xml"]
schedule = "every 1h"

[[snapshots]]
id = "nightly"
format = "jsonl"
schedule = "0 2 * * *"
""",
        )
    )
    last_runs = {"fresh": NOW - timedelta(hours=1), "late": NOW - timedelta(hours=5)}
    jobs = {job.job_id: job for job in plan_jobs(cfg, cfg.sources, cfg.snapshots, last_runs, {}, NOW)}
    assert jobs["source:fresh"].first_run == NOW + timedelta(hours=5)
    assert jobs["source:late"].first_run == NOW
    assert jobs["snapshot:nightly"].first_run == datetime(2026, 11, 26, 19, 0, tzinfo=UTC)
    assert isinstance(jobs["source:fresh"].trigger, IntervalTrigger)
    assert isinstance(jobs["snapshot:nightly"].trigger, CronTrigger)


CRON_CONFIG = """
[crawler]
timezone = "Asia/Jakarta"

[[sources]]
id = "nightly-source"
kind = "feed"
urls = ["https://example.org/feed.xml"]
schedule = "30 1 * * *"

[[snapshots]]
id = "nightly"
format = "jsonl"
schedule = "0 2 * * *"
"""


def test_a_cron_expression_is_compiled_once_per_timezone(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    compiled: Counter[tuple[str, str]] = Counter()
    from_crontab = CronTrigger.from_crontab

    def counting_from_crontab(expr: str, timezone: Any = None) -> CronTrigger:
        compiled[(expr, str(timezone))] += 1
        return from_crontab(expr, timezone=timezone)

    monkeypatch.setattr(CronTrigger, "from_crontab", staticmethod(counting_from_crontab))
    cfg = load_config(write_config(tmp_path, CRON_CONFIG))
    for _ in range(3):  # a daemon plans again on every reload; the config's schedules keep their triggers
        plan_jobs(cfg, cfg.sources, cfg.snapshots, {"nightly-source": NOW - timedelta(days=2)}, {}, NOW)
    # once to validate the config (in UTC), once in the timezone the daemon reads it in
    assert compiled == {
        ("30 1 * * *", "UTC"): 1,
        ("30 1 * * *", "Asia/Jakarta"): 1,
        ("0 2 * * *", "UTC"): 1,
        ("0 2 * * *", "Asia/Jakarta"): 1,
    }


def test_a_cron_schedule_reuses_its_trigger_and_jitters_only_a_copy() -> None:
    schedule = CronSchedule("0 2 * * *")
    assert schedule.trigger(JAKARTA) is schedule.trigger(JAKARTA)
    jittered = schedule.trigger(JAKARTA, jitter=30)
    assert (jittered.jitter, schedule.trigger(JAKARTA).jitter) == (30, None)


def test_a_schedule_is_written_back_as_the_config_wrote_it(tmp_path: Path) -> None:
    cfg = load_config(write_config(tmp_path, CRON_CONFIG.replace("30 1 * * *", "every 90m")))
    dumped = cfg.model_dump(mode="json")
    assert (dumped["sources"][0]["schedule"], dumped["snapshots"][0]["schedule"]) == ("every 90m", "0 2 * * *")
    assert cfg.sources[0].schedule == IntervalSchedule(timedelta(minutes=90))
