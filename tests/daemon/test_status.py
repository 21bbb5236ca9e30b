"""`warta status` reads the database, with or without a daemon: schedule, last and next run, documents, health."""

from __future__ import annotations

import json
import re
from datetime import datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from click.testing import CliRunner

from tests.conftest import modules_loaded, write_config
from tests.daemon.conftest import add_run
from warta.cli.daemon import span
from warta.cli.root import cli
from warta.storage.database import Database
from warta.storage.revisions import PageRecord, record_page
from warta.storage.sources import ensure_source
from warta.storage.types import utcnow

CONFIG = """
[storage]
url = "{url}"

[[sources]]
id = "healthy"
name = "Healthy site"
kind = "listing"
urls = ["https://healthy.example/berita/"]
schedule = "every 6h"

[[sources]]
id = "broken"
kind = "feed"
urls = ["https://broken.example/rss"]
schedule = "every 1h"

[[sources]]
id = "resting"
kind = "page"
urls = ["https://resting.example/agenda"]
enabled = false
"""


def seed(database: Database, now: datetime) -> None:
    with database.transaction() as session:
        for source_id, kind in (("healthy", "listing"), ("broken", "feed")):
            ensure_source(session, source_id, source_id, kind)
        for number in range(3):
            url = f"https://healthy.example/berita/{number}"
            text = f"Berita kebudayaan nomor {number}. " * 30
            record_page(
                session,
                PageRecord(
                    source_id="healthy",
                    url=url,
                    canonical_url=url,
                    title=f"Berita {number}",
                    text=text,
                    html=f"<p>{text}</p>",
                    fetched_at=now - timedelta(hours=1),
                ),
            )
    add_run(database, "healthy", now - timedelta(hours=1), new=3)
    for hours in (3, 2):
        add_run(database, "broken", now - timedelta(hours=hours), "failed")


def run_status(config: Path, *args: str) -> tuple[int, str]:
    result = CliRunner().invoke(cli, ["--config", str(config), "status", *args], env={"COLUMNS": "200"})
    return result.exit_code, result.output


def test_status_json_has_one_row_per_source(db_url: str, tmp_path: Path) -> None:
    now = utcnow()
    database = Database(db_url)
    database.ensure_schema()
    seed(database, now)
    database.dispose()
    code, output = run_status(write_config(tmp_path, CONFIG.format(url=db_url)), "--json")
    assert code == 0, output
    rows = {row["id"]: row for row in json.loads(output)["sources"]}
    assert list(rows) == ["healthy", "broken", "resting"]

    healthy = rows["healthy"]
    assert (healthy["name"], healthy["schedule"], healthy["documents"], healthy["health"]) == (
        "Healthy site", "every 6h", 3, "ok",
    )  # fmt: skip
    assert healthy["last_run"]["status"] == "ok" and healthy["last_run"]["new"] == 3
    started = datetime.fromisoformat(healthy["last_run"]["started_at"])
    assert datetime.fromisoformat(healthy["next_run"]) == started + timedelta(hours=6)
    assert healthy["overdue"] is False

    broken = rows["broken"]
    assert broken["health"] == "failing"
    assert "start URL answered 500" in broken["health_reason"]
    assert broken["overdue"] is True

    resting = rows["resting"]
    assert (resting["enabled"], resting["last_run"], resting["next_run"], resting["health"]) == (
        False, None, None, "unknown",
    )  # fmt: skip


def test_status_table_shows_health_and_reason(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'warta.db'}"
    database = Database(url)
    database.ensure_schema()
    seed(database, utcnow())
    database.dispose()
    code, output = run_status(write_config(tmp_path, CONFIG.format(url=url)))
    assert code == 0, output
    assert "healthy" in output and "every 6h" in output
    assert "failing: the last 2 runs failed" in output
    assert "due now" in output
    assert "(disabled)" in output


def test_status_with_a_bad_config_exits_2(tmp_path: Path) -> None:
    config = write_config(tmp_path, CONFIG.format(url=f"sqlite:///{tmp_path / 'w.db'}").replace("every 6h", "often"))
    code, output = run_status(config)
    assert code == 2
    assert "sources[0] (healthy).schedule" in output


@pytest.mark.parametrize(
    ("seconds", "expected"),
    [(45, "45s"), (300, "5m"), (7020, "1h 57m"), (21600, "6h"), (21640, "6h"), (183900, "2d 3h"), (86400, "1d")],
)
def test_durations_have_one_format_with_their_two_largest_units(seconds: int, expected: str) -> None:
    assert span(timedelta(seconds=seconds)) == expected


def test_status_table_shows_times_in_the_configured_timezone_with_its_name_and_the_gone_count(
    tmp_path: Path,
) -> None:
    url = f"sqlite:///{tmp_path / 'warta.db'}"
    database = Database(url)
    database.ensure_schema()
    started = utcnow() - timedelta(minutes=63)
    with database.transaction() as session:
        ensure_source(session, "healthy", "healthy", "listing")
    add_run(database, "healthy", started, new=3, changed=1, gone=2)
    database.dispose()
    body = CONFIG.format(url=url).replace("[[sources]]", '[crawler]\ntimezone = "Asia/Makassar"\n\n[[sources]]', 1)
    code, output = run_status(write_config(tmp_path, body))
    assert code == 0, output
    local = started.astimezone(ZoneInfo("Asia/Makassar"))
    assert f"{local:%Y-%m-%d %H:%M} WITA (1h " in output  # 1h 3m ago, give or take the seconds the test takes
    assert f"{local + timedelta(hours=6):%Y-%m-%d %H:%M} WITA (in 4h " in output
    assert "ok: 3 new, 1 changed, 2 gone" in output
    assert re.search(r"\(in \d+m\)|\d{3}m", output) is None  # minutes past an hour are written as hours
    assert "times in Asia/Makassar" in output


def test_the_status_command_loads_neither_the_daemon_nor_the_archive_nor_scrapy() -> None:
    # an operator's `warta status` took 1.8 CPU-seconds when it imported the scheduler, the archive and Scrapy
    names = ("warta.daemon.service", "warta.archive", "scrapy", "pkg_resources")
    assert modules_loaded("c.cli.get_command(click.Context(c.cli), 'status')", names) == []
