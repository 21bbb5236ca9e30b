"""The /events page: upcoming events of the crawled demo site, by day and soonest first, filterable by topic."""

from __future__ import annotations

import re
from datetime import date, datetime
from zoneinfo import ZoneInfo

from tests.web.conftest import CrawledSite
from warta.storage.events import calendar_events

DAY = re.compile(r'<h2><time datetime="(\d{4}-\d{2}-\d{2})">')
STORY = re.compile(r'<a href="/stories/(\d+)">')


def upcoming(crawled_site: CrawledSite, topic_id: str | None = None) -> list[int]:
    today = datetime.now(ZoneInfo("Asia/Jakarta")).date()
    with crawled_site.database.reading() as session:
        return sorted({event.story_id for event in calendar_events(session, topic_id=topic_id, ending_after=today)})


def test_events_page_lists_upcoming_events_by_day_soonest_first(crawled_site: CrawledSite) -> None:
    response = crawled_site.client.get("/events")
    assert response.status_code == 200
    days = [date.fromisoformat(day) for day in DAY.findall(response.text)]
    assert days == sorted(set(days))
    assert sorted({int(story) for story in STORY.findall(response.text)}) == upcoming(crawled_site)
    assert 'href="/events"' in response.text and "events/all.ics" in response.text


def test_events_page_narrows_to_one_topic(crawled_site: CrawledSite) -> None:
    every = {int(story) for story in STORY.findall(crawled_site.client.get("/events").text)}
    for topic in crawled_site.cfg.topics:
        response = crawled_site.client.get(f"/events?topic={topic.id}")
        shown = {int(story) for story in STORY.findall(response.text)}
        assert sorted(shown) == upcoming(crawled_site, topic.id)
        assert shown <= every
        assert f"events/{topic.id}.ics" in response.text
    assert crawled_site.client.get("/events?topic=no-such-topic").status_code == 400
