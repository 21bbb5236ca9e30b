"""`kind = "json"` sources: the app site's API read through a JMESPath mapping, over four crawls.

Day 1 archives every story; "again" changes only the shell markup and the JSON's key order;
day 2 edits one story and publishes a late one; day 3 moves the API's list to another key.
Three sources read the same API: `app-json` maps the body, `app-print` fetches each item's
server-rendered page (no `body` mapping, pages counted up with `?page`), and `app-wrong` maps a
list that is not there.
"""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlalchemy import select
from warcio.archiveiterator import ArchiveIterator

from tests.child_crawl import crawl_in_child
from tests.conftest import BACKENDS, postgres_schema_url, write_config
from tests.crawler.appsite import (
    EDITED_SLUG,
    EDITED_STORY,
    LATE_SLUG,
    LATE_STORY,
    STORIES,
    AppSite,
    json_source_toml,
)
from tests.crawler.fixture_sites import fast_crawl_tables, snapshot
from warta.archive.exporter import export
from warta.config import load_config
from warta.crawler.report import CrawlReport
from warta.monitoring.source_monitor import assess_source
from warta.storage.database import Database
from warta.storage.models import Capture, Revision
from warta.storage.runs import run_errors


@dataclass
class JsonStep:
    """One crawl: its report, the requests the site saw, the archive afterwards, and the runs' errors."""

    report: CrawlReport
    paths: list[str]
    requests: list[tuple[str, str, int]]
    documents: list[dict[str, object]]
    errors: dict[str, list[tuple[str, str]]]


@dataclass
class JsonScenario:
    site: AppSite
    db_url: str
    config_path: Path
    steps: dict[str, JsonStep]


def json_config(site: AppSite, db_url: str) -> str:
    return f"""{fast_crawl_tables(db_url)}

{json_source_toml(site.url)}
[[sources]]
id = "app-print"
kind = "json"
urls = ["{site.url}/api/articles?per=print"]
max_pages = 10

[sources.json]
items = "data.items"
url = "print_url"
title = "title"
published = "published"
next_page = "?page"

[[sources]]
id = "app-wrong"
kind = "json"
urls = ["{site.url}/api/articles?page=1&wrong=1"]

[sources.json]
items = "data.stories"
url = "url"
title = "title"
published = "published"
body = "body"
"""


def crawl(scenario_site: AppSite, config_path: Path, db_url: str) -> JsonStep:
    scenario_site.clear_log()
    report = crawl_in_child(config_path, None, timeout_seconds=120)
    database = Database(db_url)
    try:
        with database.reading() as session:
            errors = {
                source.id: run_errors(session, source.run_id) if source.run_id is not None else []
                for source in report.sources
            }
    finally:
        database.dispose()
    return JsonStep(report, scenario_site.paths(), scenario_site.requests, snapshot(db_url), errors)


@pytest.fixture(scope="module", params=BACKENDS)
def json_scenario(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Iterator[JsonScenario]:
    urls = (
        postgres_schema_url()
        if request.param == "postgresql"
        else iter([f"sqlite:///{tmp_path_factory.mktemp('db') / 'warta.db'}"])
    )
    db_url = next(urls)
    with AppSite() as site:
        try:
            config_path = write_config(tmp_path_factory.mktemp("config"), json_config(site, db_url))
            steps = {"day1": crawl(site, config_path, db_url)}
            steps["same"] = crawl(site, config_path, db_url)
            site.change_shell()
            site.reverse_key_order()
            steps["again"] = crawl(site, config_path, db_url)
            site.edit_day_two()
            site.publish_late()
            steps["day2"] = crawl(site, config_path, db_url)
            site.rename_list()
            steps["day3"] = crawl(site, config_path, db_url)
            yield JsonScenario(site, db_url, config_path, steps)
        finally:
            for _ in urls:  # drops the PostgreSQL schema
                pass


def published(document: dict[str, object]) -> datetime:
    value = document["published"]
    assert isinstance(value, datetime)
    return value if value.tzinfo else value.replace(tzinfo=UTC)


def docs(step: JsonStep, source: str) -> dict[str, dict[str, object]]:
    """Return the source's documents by the last segment of their URL (the story's slug)."""
    return {str(doc["canonical_url"]).rsplit("/", 1)[1]: doc for doc in step.documents if doc["source"] == source}


def test_json_source_archives_every_story_with_its_text_title_and_date(json_scenario: JsonScenario) -> None:
    documents = docs(json_scenario.steps["day1"], "app-json")
    assert sorted(documents) == sorted(story.slug for story in STORIES)
    for story in STORIES:
        document = documents[story.slug]
        assert document["canonical_url"] == f"{json_scenario.site.url}/articles/{story.slug}"
        assert document["title"] == story.title
        assert document["text"] == story.text()
        assert published(document) == datetime.fromisoformat(story.published)
        assert document["language"] == "id"


def test_json_source_follows_the_next_page_field_through_every_page(json_scenario: JsonScenario) -> None:
    paths = json_scenario.steps["day1"].paths
    assert {"/api/articles?page=1", "/api/articles?page=2", "/api/articles?page=3"} <= set(paths)
    report = json_scenario.steps["day1"].report.source("app-json")
    assert (report.status, report.new, report.errors) == ("ok", len(STORIES), 0)
    # with the body in the JSON, the app's shell pages are never requested
    assert not any(path.startswith("/articles/") for path in paths)


def test_json_response_is_kept_as_the_capture_of_its_items(json_scenario: JsonScenario) -> None:
    documents = docs(json_scenario.steps["day1"], "app-json")
    database = Database(json_scenario.db_url)
    try:
        with database.reading() as session:
            captures = session.execute(
                select(Capture.url).where(Capture.id.in_([doc["capture_id"] for doc in documents.values()]))
            ).scalars()
            urls = set(captures)
    finally:
        database.dispose()
    site = json_scenario.site.url
    assert urls == {f"{site}/api/articles?page=1", f"{site}/api/articles?page=2", f"{site}/api/articles?page=3"}


def test_a_json_items_revision_is_dated_by_the_api_answer_it_came_in(json_scenario: JsonScenario) -> None:
    documents = docs(json_scenario.steps["day1"], "app-json")
    database = Database(json_scenario.db_url)
    try:
        with database.reading() as session:
            rows = session.execute(
                select(Revision.fetched_at, Revision.recorded_at, Capture.fetched_at)
                .join(Capture, Capture.id == Revision.capture_id)
                .where(Revision.capture_id.in_([doc["capture_id"] for doc in documents.values()]))
            ).all()
    finally:
        database.dispose()
    assert len(rows) == len(STORIES)
    for revision_fetched, recorded, capture_fetched in rows:
        assert revision_fetched == capture_fetched  # the exchange's time, its WARC-Date
        assert recorded >= revision_fetched


def test_json_source_without_body_fetches_each_item_page_counting_pages_up(json_scenario: JsonScenario) -> None:
    step = json_scenario.steps["day1"]
    documents = docs(step, "app-print")
    assert sorted(documents) == sorted(story.slug for story in STORIES)
    for story in STORIES:
        assert all(paragraph in str(documents[story.slug]["text"]) for paragraph in story.paragraphs)
    counted = [path for path in step.paths if "per=print" in path]
    assert counted == [f"/api/articles?per=print{page}" for page in ("", "&page=2", "&page=3", "&page=4")]
    assert step.report.source("app-print").errors == 0


def test_an_unchanged_api_is_read_in_full_when_its_next_page_is_a_field(json_scenario: JsonScenario) -> None:
    step = json_scenario.steps["same"]
    statuses = {path: status for _method, path, status in step.requests}
    # app-json follows data.next: a 304 would hide the later pages, so each page is read in full
    assert [statuses[f"/api/articles?page={page}"] for page in (1, 2, 3)] == [200, 200, 200]
    # app-print counts pages up: unchanged pages answer 304, counting goes on to the empty page 4
    counted = [(path, status) for _method, path, status in step.requests if "per=print" in path]
    assert counted == [
        ("/api/articles?per=print", 304),
        ("/api/articles?per=print&page=2", 304),
        ("/api/articles?per=print&page=3", 304),
        ("/api/articles?per=print&page=4", 200),
    ]
    for source in ("app-json", "app-print"):
        report = step.report.source(source)
        assert (report.status, report.new, report.changed, report.errors) == ("ok", 0, 0, 0), report


def test_shell_and_key_order_changes_make_no_revision(json_scenario: JsonScenario) -> None:
    step = json_scenario.steps["again"]
    assert any(path.startswith("/api/articles?page=") for path in step.paths)  # the API was read again
    for source in ("app-json", "app-print"):
        report = step.report.source(source)
        assert (report.status, report.new, report.changed) == ("ok", 0, 0), report
    assert all(doc["revision"] == 1 for doc in step.documents)


def test_day_two_finds_the_edit_and_the_late_story(json_scenario: JsonScenario) -> None:
    step = json_scenario.steps["day2"]
    for source in ("app-json", "app-print"):
        report = step.report.source(source)
        assert (report.new, report.changed) == (1, 1), report
    documents = docs(step, "app-json")
    assert documents[EDITED_SLUG]["revision"] == 2
    assert documents[EDITED_SLUG]["text"] == EDITED_STORY.text()
    assert documents[LATE_SLUG]["text"] == LATE_STORY.text()
    assert [slug for slug, doc in documents.items() if doc["revision"] != 1] == [EDITED_SLUG]


def test_a_mapping_that_finds_nothing_is_an_error_naming_the_expression(json_scenario: JsonScenario) -> None:
    step = json_scenario.steps["day1"]
    assert docs(step, "app-wrong") == {}
    messages = [reason for _url, reason in step.errors["app-wrong"]]
    assert any("json.items = 'data.stories' found no items" in message for message in messages), messages


def test_health_turns_degraded_when_the_mapping_stops_finding_items(json_scenario: JsonScenario) -> None:
    step = json_scenario.steps["day3"]
    assert step.report.source("app-json").links_found == 0
    assert any("json.items = 'data.items' found no items" in reason for _url, reason in step.errors["app-json"])
    cfg = load_config(json_scenario.config_path)
    database = Database(json_scenario.db_url)
    try:
        with database.reading() as session:
            verdict = assess_source(session, cfg.source("app-json"), datetime.now(UTC), failing_after=2)
    finally:
        database.dispose()
    assert verdict.health == "degraded", verdict
    assert "sources[].json.items" in verdict.reason
    # the stories archived before the redesign stay
    assert len(docs(step, "app-json")) == len(STORIES) + 1


def test_preview_shows_the_items_a_json_source_would_record(tmp_path: Path) -> None:
    with AppSite() as site:
        config = write_config(tmp_path, json_config(site, f"sqlite:///{tmp_path / 'never.db'}"))
        env = {key: value for key, value in os.environ.items() if key != "WARTA_STORAGE_URL"}
        result = subprocess.run(
            [sys.executable, "-m", "warta", "--config", str(config), "preview", "app-json", "--limit", "3"],
            capture_output=True,
            text=True,
            timeout=120,
            env={**env, "COLUMNS": "200"},
        )
    assert result.returncode == 0, result.stderr[-2000:]
    assert "app-json: 3 pages would be recorded" in result.stdout
    assert STORIES[0].title in result.stdout and f"{site.url}/articles/{STORIES[0].slug}" in result.stdout
    assert f"{site.url}/articles/{STORIES[4].slug}: over the article limit of this run" in result.stdout
    assert not (tmp_path / "never.db").exists()


def test_the_warc_export_holds_the_json_responses_with_a_conversion_per_item(
    json_scenario: JsonScenario, tmp_path: Path
) -> None:
    cfg = load_config(json_scenario.config_path)
    database = Database(json_scenario.db_url)
    try:
        export(cfg, database, "warc", tmp_path / "archive.warc.gz")
    finally:
        database.dispose()
    api = f"{json_scenario.site.url}/api/articles?page="
    responses: dict[str, str] = {}
    titles_by_response: dict[str, set[str]] = {}
    with (tmp_path / "archive.warc.gz").open("rb") as stream:
        for record in ArchiveIterator(stream):
            uri = record.rec_headers.get_header("WARC-Target-URI") or ""
            if not uri.startswith(api):
                continue
            if record.rec_type == "response":
                responses[record.rec_headers.get_header("WARC-Record-ID")] = uri
            elif record.rec_type == "conversion":
                title = record.content_stream().read().decode().split("\n", 1)[0]
                titles_by_response.setdefault(record.rec_headers.get_header("WARC-Refers-To"), set()).add(title)
    assert set(titles_by_response) <= set(responses)
    titles = set().union(*titles_by_response.values())
    assert titles == {story.title for story in STORIES} | {LATE_STORY.title}
