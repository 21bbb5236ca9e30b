"""A real crawl on two days: the festival whose date an edit moved is the same calendar event, one sequence higher."""

from __future__ import annotations

import shutil
import time
from datetime import date
from pathlib import Path

import icalendar
from click.testing import CliRunner

from tests.child_crawl import crawl_in_child
from tests.conftest import wait_for, write_config
from warta.cli import cli
from warta.demo.siteserver import SiteServer

SITE = Path(__file__).parent / "sites" / "agenda"


def festival(feed_dir: Path) -> icalendar.Event:
    calendar = icalendar.Calendar.from_ical((feed_dir / "events" / "all.ics").read_bytes())
    (event,) = calendar.walk("VEVENT")
    return event


def crawl_and_build(config: Path) -> None:
    report = crawl_in_child(config, None, timeout_seconds=120)
    assert [source.new + source.changed for source in report.sources] == [1]
    result = CliRunner().invoke(cli, ["--config", str(config), "feeds", "build"], env={"WARTA_STORAGE_URL": ""})
    assert result.exit_code == 0, result.output


def wait_for_next_second() -> None:
    """Return once the clock shows a later whole second: iCalendar times have whole seconds, and a
    fast machine crawls both days within one."""
    start = int(time.time())
    wait_for(lambda: int(time.time()) > start, timeout=5, interval=0.01)


def test_an_edit_on_day_two_moves_the_festival_in_the_calendar(tmp_path: Path) -> None:
    shutil.copytree(SITE, tmp_path / "site")
    server = SiteServer(tmp_path / "site").start()
    feed_dir = tmp_path / "public"
    config = write_config(
        tmp_path,
        f"""
[storage]
url = "sqlite:///{tmp_path / "warta.db"}"
[feeds]
dir = "{feed_dir}"
[crawler]
download_delay = "0s"
[[sources]]
id = "agenda"
kind = "page"
urls = ["{server.url}/festival-betawi.html"]
""",
    )
    try:
        crawl_and_build(config)
        day_one = festival(feed_dir)
        wait_for_next_second()
        server.switch("day2")
        crawl_and_build(config)
        day_two = festival(feed_dir)
    finally:
        server.stop()
    assert (day_one.decoded("DTSTART"), day_two.decoded("DTSTART")) == (date(2026, 12, 18), date(2027, 1, 8))
    assert str(day_two["UID"]) == str(day_one["UID"])
    assert day_two.decoded("SEQUENCE") == day_one.decoded("SEQUENCE") + 1
    assert day_two.decoded("LAST-MODIFIED") > day_one.decoded("LAST-MODIFIED")
    assert str(day_two["LOCATION"]) == "Perkampungan Budaya Betawi Setu Babakan"
