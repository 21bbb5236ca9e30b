"""`warta demo --once` (what `make run` does) crawls both days offline, reports the counts and builds valid feeds.

The demo runs in a folder an earlier demo made, so it also shows a rerun starts a fresh archive and leaves
the user's files there alone.
"""

from __future__ import annotations

import json
import os
import re
import signal
import subprocess
import sys
import urllib.request
from pathlib import Path

import feedparser
import pytest
from lxml import etree

from tests.conftest import require_shared, signal_and_wait
from warta.crawler.browser import find_browser
from warta.crawler.errors import CrawlProcessError
from warta.crawler.report import CrawlReport, SourceReport
from warta.demo.folder import claim_demo_folder
from warta.demo.runner import require_all_ran

USER_NOTE = "notes the user keeps next to the demo"
HAS_BROWSER = find_browser(None) is not None


@pytest.fixture(scope="module")
def demo_run(tmp_path_factory: pytest.TempPathFactory) -> tuple[subprocess.CompletedProcess[str], Path]:
    data_dir = tmp_path_factory.mktemp("demo") / "data"
    # the folder as an earlier demo left it (its marker, its archive), plus a file the user added since
    claim_demo_folder(data_dir)
    (data_dir / "warta.db").write_bytes(b"the earlier demo's archive: a fresh one replaces it")
    (data_dir / "notes.txt").write_text(USER_NOTE, encoding="utf-8")
    env = {**os.environ, "COLUMNS": "200"}
    env.pop("WARTA_STORAGE_URL", None)
    result = subprocess.run(
        [sys.executable, "-m", "warta", "demo", "--once", "--dir", str(data_dir), "--port", "0"],
        capture_output=True,
        text=True,
        timeout=240,
        env=env,
    )
    return result, data_dir


def summary_rows(output: str) -> dict[tuple[str, str], list[int]]:
    rows = {}
    for line in output.splitlines():
        cells = [cell.strip() for cell in line.strip("│┃ ").split("│")]
        if len(cells) == 7 and cells[0].startswith("day "):
            rows[(cells[0], cells[1])] = [int(value) for value in cells[2:]]
    return rows


def test_demo_reports_the_counts_of_the_two_days(demo_run) -> None:
    result, _ = demo_run
    assert result.returncode == 0, result.stderr[-2000:]
    rows = summary_rows(result.stdout)
    # new, changed, unchanged, gone, errors per source (warta/demo/site/README.md)
    assert rows[("day 1", "disbud")][:2] == [7, 0]
    assert rows[("day 1", "kabar")][:2] == [5, 0]
    assert rows[("day 1", "portal")][:2] == [5, 0]
    assert rows[("day 2", "disbud")] == [1, 1, 5, 1, 0]
    assert rows[("day 2", "kabar")] == [1, 1, 4, 0, 0]
    assert rows[("day 2", "portal")] == [1, 0, 5, 0, 0]
    if HAS_BROWSER:
        # the agenda's pages are built by scripts from JSON: only a browser sees its events
        assert rows[("day 1", "agenda")][:2] == [3, 0]
        assert rows[("day 2", "agenda")] == [1, 1, 2, 0, 0]
        assert "Day two: 4 new, 3 changed, 1 gone stories" in result.stdout
    else:
        assert ("day 1", "agenda") not in rows
        assert "no Chromium found: the demo skips its fourth source, agenda" in result.stdout
        assert "Day two: 3 new, 2 changed, 1 gone stories" in result.stdout


def test_a_demo_crawl_that_left_a_source_uncrawled_fails_naming_it() -> None:
    ran = SourceReport("disbud")
    assert require_all_ran(CrawlReport([ran])).sources == [ran]
    stopped = SourceReport("kabar", status="timeout", error="stopped after 300s")
    with pytest.raises(CrawlProcessError, match=r"^kabar: timeout \(stopped after 300s\)$"):
        require_all_ran(CrawlReport([ran, stopped]))


def test_demo_rerun_in_its_own_folder_leaves_the_users_files(demo_run) -> None:
    result, data_dir = demo_run
    assert result.returncode == 0, result.stderr[-2000:]
    assert (data_dir / "notes.txt").read_text(encoding="utf-8") == USER_NOTE
    assert (data_dir / ".warta-demo").is_file()


def test_demo_builds_feeds_that_validate(demo_run) -> None:
    result, data_dir = demo_run
    assert result.returncode == 0, result.stderr[-2000:]
    schema = etree.RelaxNG(etree.parse(str(require_shared("schemas/atom.rng"))))
    feeds = data_dir / "feeds"
    atom_files = sorted(feeds.rglob("*.atom"))
    assert {path.name for path in atom_files} >= {"all.atom", "wccf.atom", "jakarta-global-city.atom", "disbud.atom"}
    for path in atom_files:
        assert schema.validate(etree.parse(str(path))), (path, schema.error_log)
    for path in sorted(feeds.rglob("*.rss")):
        parsed = feedparser.parse(path.read_bytes())
        assert not parsed.bozo, path
    all_items = json.loads((feeds / "all.json").read_text())["items"]
    # 20 documents, the syndicated pair shown once; and the agenda's 4 events when a browser rendered them
    assert len(all_items) == (23 if HAS_BROWSER else 19)


def test_demo_edit_is_visible_in_the_feed(demo_run) -> None:
    _, data_dir = demo_run
    entries = feedparser.parse((data_dir / "feeds" / "sources" / "disbud.atom").read_bytes()).entries
    festival = [entry for entry in entries if "Setu Babakan" in entry.title]
    assert festival and "Edited" in festival[0].content[0].value


def test_serving_demo_serves_the_archive_and_its_feeds_then_stops_cleanly_on_sigterm(tmp_path: Path) -> None:
    env = {**os.environ, "COLUMNS": "200"}
    env.pop("WARTA_STORAGE_URL", None)
    demo = subprocess.Popen(
        [sys.executable, "-m", "warta", "demo", "--dir", str(tmp_path / "data"), "--port", "0"],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        env=env,
    )
    assert demo.stdout is not None
    lines = []
    try:
        for line in demo.stdout:  # the crawls of both days, the summary, then the archive is served
            lines.append(line)
            if line.startswith("Serving the archive at"):
                break
        served = re.match(r"Serving the archive at (http://127\.0\.0\.1:\d+/) ", lines[-1])
        assert served, "".join(lines)
        # no retries: the port listens before the line is printed
        home = fetch(served.group(1))
        changes = fetch(served.group(1) + "changes")
        feed = fetch(served.group(1) + "all.atom")
    finally:
        rest = signal_and_wait(demo, signal.SIGTERM)
    assert b"Setu Babakan" in home, "the home page lists the demo's stories"
    assert b"changed" in changes
    assert feedparser.parse(feed).entries, "the feeds are served beside the pages"
    assert demo.returncode == 0, rest
    assert rest.strip().endswith("stopped"), rest


def fetch(url: str) -> bytes:
    """Return the body of a 200 answer to GET `url`."""
    with urllib.request.urlopen(url, timeout=30) as response:
        assert response.status == 200
        return bytes(response.read())
