"""The HTML pages of the archive browser: home, search, story, topic, source, changes and captured views."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from itertools import groupby
from zoneinfo import ZoneInfo

from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from warta.storage import browse
from warta.storage.event_dates import DEFAULT_ZONE
from warta.storage.events import CalendarEvent, calendar_events
from warta.web.chart import activity_chart
from warta.web.diff import word_diff
from warta.web.params import bounded_int, choice, page_number
from warta.web.searching import search_from_params, search_link
from warta.web.security import CAPTURE_POLICY
from warta.web.site import Site, site_of

HOME_STORIES = 3
HOME_CHANGES_DAYS = 7
HOME_CHANGES = 15
CHANGES_DAYS = 30
CHANGES_LIMIT = 200
CHART_DAYS = 90
SOURCE_RUNS = 15
# media types a capture is shown as; anything else is shown as text, never sniffed or run
SHOWN_AS_IS = ("text/html", "application/xhtml+xml", "text/plain")


def routes() -> list[Route]:
    """Return the routes of the HTML pages."""
    return [
        Route("/", home),
        Route("/search", search),
        Route("/stories/{story_id:int}", story),
        Route("/captures/{capture_id:int}", captured),
        Route("/topics/{topic_id}", topic),
        Route("/sources/{source_id}", source),
        Route("/changes", changes),
        Route("/events", events),
    ]


def home(request: Request) -> Response:
    """The search box, the topics and sources with their newest stories, and the last days' changes."""
    site = site_of(request)
    since = datetime.now(UTC) - timedelta(days=HOME_CHANGES_DAYS)
    with site.database.reading() as session:
        sources = browse.list_sources(session)
        topic_stories = {t.id: browse.story_page(session, 1, HOME_STORIES, topic_id=t.id) for t in site.topics}
        source_stories = {s.id: browse.story_page(session, 1, HOME_STORIES, source_id=s.id) for s in sources}
        recent = browse.recent_changes(session, since, HOME_CHANGES)
    return site.render(
        request,
        "home.html",
        {
            "sources": sources,
            "topic_stories": topic_stories,
            "source_stories": source_stories,
            "changes": recent,
            "days": HOME_CHANGES_DAYS,
        },
    )


def search(request: Request) -> Response:
    """Ranked results of a full-text search, with counts to narrow by and pages."""
    site = site_of(request)
    sources = _sources(site)
    form, results = search_from_params(site, request.query_params, set(sources))
    stories = {}
    if results is not None:
        with site.database.reading() as session:
            stories = browse.stories_by_id(session, [hit.document_id for hit in results.hits])
    return site.render(
        request,
        "search.html",
        {
            "form": form,
            "results": results,
            "stories": stories,
            "sources": sources,
            "link": lambda **changes: search_link(form, **changes),
            "pages": _page_count(results.total if results is not None else 0, site.page_size),
        },
    )


def story(request: Request) -> Response:
    """One story: its facts, every revision, a diff of two of them, its captures and copies."""
    site = site_of(request)
    with site.database.reading() as session:
        detail = browse.story_detail(session, request.path_params["story_id"])
    if detail is None:
        raise HTTPException(404, "there is no story with this id in the archive")
    newest = detail.revisions[-1].number
    to_number = bounded_int(request.query_params, "to", newest, 1, newest)
    from_number = bounded_int(request.query_params, "from", max(to_number - 1, 1), 1, newest)
    by_number = {revision.number: revision for revision in detail.revisions}
    if from_number not in by_number or to_number not in by_number:
        raise HTTPException(400, f"this story has revisions {', '.join(map(str, by_number))}; choose two of them")
    old, new = by_number[from_number], by_number[to_number]
    return site.render(
        request,
        "story.html",
        {
            "story": detail,
            "old": old,
            "new": new,
            "title_diff": word_diff(old.title, new.title),
            "text_diff": word_diff(old.text, new.text),
            "feeds": _story_feeds(site, detail),
        },
    )


def captured(request: Request) -> Response:
    """A stored response body as captured, sandboxed: no script of it runs, and it gets no origin of ours."""
    site = site_of(request)
    with site.database.reading() as session:
        body = browse.captured_body(session, request.path_params["capture_id"])
    if body is None:
        raise HTTPException(404, "there is no stored capture with this id")
    media_type = body.content_type if body.content_type.split(";")[0].strip().lower() in SHOWN_AS_IS else "text/plain"
    return Response(
        body.body,
        media_type=media_type,
        headers={"content-security-policy": CAPTURE_POLICY, "x-frame-options": "SAMEORIGIN"},
    )


def topic(request: Request) -> Response:
    """A topic's stories, newest first, with pages and subscribe links."""
    site = site_of(request)
    found = site.topic(request.path_params["topic_id"])
    if found is None:
        raise HTTPException(404, "there is no topic with this id; the topics are listed on the home page")
    page = page_number(request.query_params)
    with site.database.reading() as session:
        stories = browse.story_page(session, page, site.page_size, topic_id=found.id)
    return site.render(
        request,
        "topic.html",
        {
            "topic": found,
            "stories": stories,
            "page": page,
            "pages": _page_count(stories.total, site.page_size),
            "feeds": _feed_links(site, f"topics/{found.id}"),
        },
    )


def source(request: Request) -> Response:
    """A source's health, recent runs, activity chart and stories."""
    site = site_of(request)
    page = page_number(request.query_params)
    with site.database.reading() as session:
        found = browse.find_source(session, request.path_params["source_id"])
        if found is None:
            raise HTTPException(404, "there is no source with this id in the archive")
        stories = browse.story_page(session, page, site.page_size, source_id=found.id)
        runs = browse.recent_runs(session, found.id, SOURCE_RUNS)
        days = browse.daily_changes(session, found.id, CHART_DAYS)
    return site.render(
        request,
        "source.html",
        {
            "source": found,
            "stories": stories,
            "runs": runs,
            "chart": activity_chart(days),
            "chart_days": CHART_DAYS,
            "page": page,
            "pages": _page_count(stories.total, site.page_size),
            "feeds": _feed_links(site, f"sources/{found.id}"),
        },
    )


def changes(request: Request) -> Response:
    """A timeline of what was new, changed or gone, optionally of one source or topic."""
    site = site_of(request)
    sources = _sources(site)
    source_id = choice(request.query_params, "source", set(sources))
    topic_id = choice(request.query_params, "topic", {t.id for t in site.topics})
    days = bounded_int(request.query_params, "days", CHANGES_DAYS, 1, 3660)
    since = datetime.now(UTC) - timedelta(days=days)
    with site.database.reading() as session:
        events = browse.recent_changes(session, since, CHANGES_LIMIT, source_id, topic_id)
    return site.render(
        request,
        "changes.html",
        {"events": events, "sources": sources, "source_id": source_id, "topic_id": topic_id, "days": days},
    )


def events(request: Request) -> Response:
    """The events the stories announce that have not ended, by day, soonest first; optionally of one topic."""
    site = site_of(request)
    topic_id = choice(request.query_params, "topic", {t.id for t in site.topics})
    today = datetime.now(ZoneInfo(DEFAULT_ZONE)).date()
    with site.database.reading() as session:
        found = calendar_events(session, topic_id=topic_id, ending_after=today)
    calendar = f"{site.feeds_base_url}events/{topic_id or 'all'}.ics"
    return site.render(
        request,
        "events.html",
        {"days": _by_day(found, today), "topic_id": topic_id, "calendar": calendar, "today": today},
    )


def _by_day(found: list[CalendarEvent], today: date) -> list[tuple[date, list[CalendarEvent]]]:
    """Return events grouped by the day they are next on (today for one already running), soonest first."""
    ordered = sorted(found, key=lambda event: (max(event.starts_on, today), event.start_time is not None, event.name))
    return [(day, list(group)) for day, group in groupby(ordered, key=lambda event: max(event.starts_on, today))]


def _sources(site: Site) -> dict[str, str]:
    with site.database.reading() as session:
        return {row.id: row.name for row in browse.list_sources(session)}


def _page_count(total: int, page_size: int) -> int:
    return max(1, -(-total // page_size))


def _feed_links(site: Site, stem: str) -> list[tuple[str, str]]:
    return [(label, f"{site.feeds_base_url}{stem}.{fmt}") for fmt, label in FEED_FORMATS]


FEED_FORMATS = (("atom", "Atom"), ("rss", "RSS"), ("json", "JSON Feed"))


def _story_feeds(site: Site, detail: browse.StoryDetail) -> list[tuple[str, str]]:
    stems = [("all stories", "all"), (f"source {detail.source_name}", f"sources/{detail.source_id}")]
    stems += [(f"topic {topic_id}", f"topics/{topic_id}") for topic_id in detail.topics]
    return [(name, f"{site.feeds_base_url}{stem}.atom") for name, stem in stems]
