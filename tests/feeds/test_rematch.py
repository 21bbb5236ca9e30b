"""Topic memberships follow the config: a changed [[topics]] table is rematched automatically on build."""

from __future__ import annotations

import feedparser
from click.testing import CliRunner

from tests.conftest import write_config
from tests.feeds.conftest import CONFIG, Archive, build, make_config
from warta.cli.root import cli


def entry_titles(archive: Archive, feed: str) -> list[str]:
    return [entry.title for entry in feedparser.parse((archive.feed_dir / feed).read_bytes()).entries]


def test_changed_topics_are_rematched_automatically_on_build(seeded: Archive, db_url: str, tmp_path) -> None:
    first = build(seeded)
    assert entry_titles(seeded, "topics/museums.atom") == ["Pameran Batavia di Kota Tua"]
    unchanged = build(seeded)
    assert unchanged.rematch is None
    topics = [t for t in CONFIG["topics"] if t["id"] != "museums"]
    topics.append({"id": "museums", "title": "Museums", "any": ["Leadership Exchange Programme"]})
    seeded.cfg = make_config(tmp_path, db_url, topics=topics)
    report = build(seeded)
    assert first.rematch is not None
    assert report.rematch is not None and report.rematch.documents == 3
    assert entry_titles(seeded, "topics/museums.atom") == ["Jakarta gabung WCCF"]


def test_removed_topic_loses_its_feed_files(seeded: Archive, db_url: str, tmp_path) -> None:
    build(seeded)
    assert (seeded.feed_dir / "topics" / "museums.rss").exists()
    seeded.cfg = make_config(tmp_path, db_url, topics=[t for t in CONFIG["topics"] if t["id"] != "museums"])
    report = build(seeded)
    assert report.removed == 4  # three feed formats and the events calendar
    assert not list((seeded.feed_dir / "topics").glob("museums.*"))
    assert not (seeded.feed_dir / "events" / "museums.ics").exists()
    assert (seeded.feed_dir / "topics" / "wccf.rss").exists()


def test_cli_build_reports_counts_and_rematches_when_asked(seeded: Archive, db_url: str, tmp_path) -> None:
    config = write_config(
        tmp_path,
        f"""
[storage]
url = "{db_url}"
[feeds]
dir = "{seeded.feed_dir}"
[[sources]]
id = "disbud"
name = "Dinas Kebudayaan DKI Jakarta"
kind = "listing"
urls = ["https://disbud.jakarta.go.id/berita"]
[[sources]]
id = "kompas"
kind = "feed"
urls = ["https://www.kompas.com/rss"]
[[topics]]
id = "museums"
title = "Museums"
any = ["museum"]
""",
    )
    runner = CliRunner()
    env = {"WARTA_STORAGE_URL": ""}
    first = runner.invoke(cli, ["--config", str(config), "feeds", "build"], env=env)
    assert first.exit_code == 0, first.output
    assert "topics rematched: 3 documents, 1 memberships" in first.output
    # four feeds in three formats and their calendars, the index and the OPML
    assert "4 feeds, 7 entries, 0 events; 18 files written, 0 unchanged" in first.output
    second = runner.invoke(cli, ["--config", str(config), "feeds", "build"], env=env)
    assert "0 files written, 18 unchanged" in second.output
    assert "rematched" not in second.output
    forced = runner.invoke(cli, ["--config", str(config), "feeds", "build", "--rematch"], env=env)
    assert forced.exit_code == 0, forced.output
    assert "topics rematched: 3 documents" in forced.output


def test_cli_build_into_an_unwritable_place_fails_with_the_setting_named(tmp_path) -> None:
    blocker = tmp_path / "blocker"
    blocker.write_text("a file where the feed folder should be", encoding="utf-8")
    config = write_config(
        tmp_path, f'[storage]\nurl = "sqlite:///{tmp_path}/w.db"\n[feeds]\ndir = "{blocker}/public"\n'
    )
    result = CliRunner().invoke(cli, ["--config", str(config), "feeds", "build"], env={"WARTA_STORAGE_URL": ""})
    assert result.exit_code == 1
    assert "[feeds] dir" in result.output
