"""Topic memberships follow the config: a changed [[topics]] table is rematched automatically on build."""

from __future__ import annotations

from pathlib import Path

import feedparser
import pytest
from click.testing import CliRunner
from sqlalchemy import text

from tests.child_crawl import crawl_in_child
from tests.conftest import write_config
from tests.feeds.conftest import CONFIG, FESTIVAL, Archive, build, make_config
from warta.cli.root import cli
from warta.config import WartaError, load_config
from warta.demo.siteserver import SiteServer
from warta.feeds.builder import build_feeds
from warta.feeds.errors import FeedWriteError
from warta.storage.database import Database

# Every matching of a document writes its membership rows anew (the feed build replaces them, and
# the crawl's topic hook of old inserted them); with one topic that every page matches, a row
# written is a document matched. The triggers log each written row beside the archive.
MATCH_LOG = {
    "sqlite": [
        "CREATE TABLE match_log (document_id INTEGER NOT NULL)",
        "CREATE TRIGGER log_match AFTER INSERT ON topic_memberships "
        "BEGIN INSERT INTO match_log VALUES (NEW.document_id); END",
    ],
    "postgresql": [
        "CREATE TABLE match_log (document_id INTEGER NOT NULL)",
        "CREATE FUNCTION log_match() RETURNS trigger LANGUAGE plpgsql AS "
        "$$ BEGIN INSERT INTO match_log VALUES (NEW.document_id); RETURN NEW; END $$",
        "CREATE TRIGGER log_match AFTER INSERT ON topic_memberships FOR EACH ROW EXECUTE FUNCTION log_match()",
    ],
}
ARTICLES = {
    "festival-betawi": FESTIVAL,
    "festival-keroncong": (
        "Festival Keroncong Kemayoran kembali digelar di Taman Ismail Marzuki dengan dua belas orkes dari "
        "berbagai kota. Panitia menyiapkan panggung terbuka, lokakarya biola dan cak bagi pelajar, serta "
        "pameran foto sejarah keroncong Tugu yang dipinjam dari koleksi keluarga pemusik di Jakarta Utara."
    ),
    "festival-film": (
        "Festival film pendek pelajar menerima lebih dari tiga ratus karya tahun ini. Juri memilih empat puluh "
        "film untuk diputar di bioskop Metropole selama sepekan, dan para sutradara muda akan berdiskusi "
        "dengan penonton setelah setiap pemutaran tentang cara mereka merekam kehidupan kampung kota."
    ),
}


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
    env = {"WARTA_STORAGE_URL": ""}
    upgraded = CliRunner().invoke(cli, ["--config", str(config), "db", "upgrade"], env=env)
    assert upgraded.exit_code == 0, upgraded.output
    result = CliRunner().invoke(cli, ["--config", str(config), "feeds", "build"], env=env)
    assert result.exit_code == 1
    assert f"Error: cannot write the feeds into {blocker / 'public'}" in result.output
    assert "check [feeds] dir" in result.output and "Traceback" not in result.output


def test_a_build_that_cannot_write_raises_a_feed_write_error_with_the_cause(seeded: Archive, tmp_path: Path) -> None:
    blocker = tmp_path / "blocker"
    blocker.write_text("a file where the feed folder should be", encoding="utf-8")
    feeds = seeded.cfg.feeds.model_copy(update={"dir": blocker / "public"})
    with pytest.raises(FeedWriteError, match=r"check \[feeds\] dir and its permissions") as caught:
        build_feeds(seeded.cfg.model_copy(update={"feeds": feeds}), seeded.db)
    assert isinstance(caught.value, WartaError) and isinstance(caught.value.__cause__, OSError)
    assert build(seeded).written > 0  # negative control: the same archive builds into a writable folder


def log_matches(db: Database) -> None:
    """Start logging every membership row written to the archive."""
    with db.transaction() as session:
        for statement in MATCH_LOG[db.engine.dialect.name]:
            session.execute(text(statement))


def times_matched(db: Database) -> list[int]:
    """Return how often each document was matched to the topics, by document id."""
    with db.reading() as session:
        rows = session.execute(text("SELECT count(*) FROM match_log GROUP BY document_id ORDER BY document_id"))
        return [count for (count,) in rows]


def write_site(root: Path) -> None:
    """Write a listing of three festival articles."""
    (root / "day1" / "berita").mkdir(parents=True)
    links = "".join(f"<li><a href='/berita/{slug}'>{slug}</a></li>" for slug in ARTICLES)
    (root / "day1" / "berita" / "index.html").write_text(f"<html><body><ul>{links}</ul></body></html>")
    for slug, paragraph in ARTICLES.items():
        title = slug.replace("-", " ").title()
        body = f"<p>{paragraph}</p><p>{paragraph}</p>"
        page = f"<html lang='id'><head><title>{title}</title></head><body><article><h1>{title}</h1>{body}</article>"
        (root / "day1" / "berita" / f"{slug}.html").write_text(page + "</body></html>")


def test_a_crawl_and_a_feed_build_match_each_new_revision_once(tmp_path: Path, db: Database, db_url: str) -> None:
    log_matches(db)
    write_site(tmp_path / "site")
    with SiteServer(tmp_path / "site") as site:
        config = write_config(
            tmp_path,
            f"""
[storage]
url = "{db_url}"
[crawler]
download_delay = "0s"
[feeds]
dir = "{tmp_path / "public"}"
[[sources]]
id = "disbud"
kind = "listing"
urls = ["{site.url}/berita/"]
follow = ['/berita/[a-z-]+$']
[[topics]]
id = "festivals"
title = "Festivals"
any = ["festival"]
""",
        )
        report = crawl_in_child(config, timeout_seconds=120).source("disbud")
    assert report.new == len(ARTICLES), report
    build_feeds(load_config(config), db)
    assert times_matched(db) == [1] * len(ARTICLES)
    feed = feedparser.parse((tmp_path / "public" / "topics" / "festivals.atom").read_bytes())
    assert len(feed.entries) == len(ARTICLES)  # matched once, and matched right
