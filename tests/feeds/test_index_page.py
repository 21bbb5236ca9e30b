"""index.html: stories dated by publication in the configured timezone, edited and gone badges, the alerts feed."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import lxml.html

from tests.feeds.conftest import MUSEUM, T0, WCCF, Archive, build, make_config, page
from warta.storage.database import Database
from warta.storage.revisions import mark_gone
from warta.storage.sources import ensure_source
from warta.storage.topics import TopicMatcher

PUBLISHED = datetime(2026, 11, 20, 3, 0, tzinfo=UTC)


def story_items(archive: Archive) -> dict[str, lxml.html.HtmlElement]:
    """Return the stories of the 'all' section of the built index page, by headline."""
    page_root = lxml.html.parse(str(archive.feed_dir / "index.html")).getroot()
    section = page_root.get_element_by_id("all")
    return {item.findtext("a"): item for item in section.iter("li")}


def test_a_story_shows_its_publication_time_in_jakarta_time(archive: Archive) -> None:
    archive.record(page("festival-betawi", published=PUBLISHED))
    build(archive)
    item = story_items(archive)["Festival Betawi"]
    time = item.find(".//time")
    assert time.text == "2026-11-20 10:00 WIB"  # 03:00 UTC; the crawl (T0, 2026-11-23 07:05 UTC) is not shown
    assert time.get("datetime") == "2026-11-20T10:00:00+07:00"


def test_the_configured_timezone_names_the_times(db: Database, db_url: str, tmp_path: Path) -> None:
    cfg = make_config(tmp_path, db_url, crawler={"timezone": "Asia/Jayapura"})
    archive = Archive(db, cfg, TopicMatcher.from_config(cfg))
    with db.transaction() as session:
        ensure_source(session, "disbud", "Dinas Kebudayaan DKI Jakarta", "listing")
    archive.record(page("festival-betawi", published=PUBLISHED))
    build(archive)
    assert story_items(archive)["Festival Betawi"].find(".//time").text == "2026-11-20 12:00 WIT"


def test_edited_and_gone_stories_carry_a_badge_and_others_none(archive: Archive) -> None:
    archive.record(page("festival-betawi"))
    archive.record(page("festival-betawi", hours=3, text="Festival ditunda ke pekan depan. " * 5))
    archive.record(page("jakarta-gabung-wccf", hours=1, text=WCCF, title="Jakarta gabung WCCF"))
    archive.record(page("pameran-batavia", hours=2, text=MUSEUM, title="Pameran Batavia"))
    with archive.db.transaction() as session:
        assert mark_gone(session, page("pameran-batavia").canonical_url, T0.replace(day=25))
    build(archive)
    items = story_items(archive)
    badges = {title: [span.text for span in item.find_class("badge")] for title, item in items.items()}
    assert badges == {"Festival Betawi": ["edited"], "Jakarta gabung WCCF": [], "Pameran Batavia": ["gone"]}


def test_the_page_links_the_alerts_feed(archive: Archive) -> None:
    build(archive)
    page_root = lxml.html.parse(str(archive.feed_dir / "index.html")).getroot()
    links = [a for a in page_root.iter("a") if a.get("href") == "alerts.atom"]
    assert len(links) == 1 and links[0].get("type") == "application/atom+xml"
