"""The archive browser's pages and JSON over a crawled archive: what they show, and what they refuse."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import select

from tests.web.conftest import HOSTILE_PATH, HOSTILE_TITLE, CrawledSite
from warta.storage.models import Document
from warta.storage.revisions import find_document

EDITED_PATH = "disbud/berita/festival-setu-babakan-2026"


def story_id(crawled_site: CrawledSite, path: str) -> int:
    with crawled_site.database.reading() as session:
        any_url = session.execute(select(Document.url).limit(1)).scalar_one()
        document = find_document(session, "/".join(any_url.split("/", 3)[:3]) + "/" + path)
        assert document is not None, path
        return document.id


def marked(html: str, tag: str) -> list[str]:
    return re.findall(rf"<{tag}>(.*?)</{tag}>", html, re.DOTALL)


def test_home_shows_search_topics_sources_and_recent_changes(crawled_site: CrawledSite) -> None:
    page = crawled_site.client.get("/")
    assert page.status_code == 200
    html = page.text
    assert '<html lang="en">' in html
    assert '<label for="home-q">' in html and 'id="home-q"' in html
    for topic in crawled_site.cfg.topics:
        assert f'href="/topics/{topic.id}"' in html
    for source in ("disbud", "kabar", "portal"):
        assert f'href="/sources/{source}"' in html
    assert 'class="change-changed"' in html and 'class="change-new"' in html and 'class="change-gone"' in html


def test_story_diff_marks_exactly_the_edited_words(crawled_site: CrawledSite) -> None:
    page = crawled_site.client.get(f"/stories/{story_id(crawled_site, EDITED_PATH)}")
    assert page.status_code == 200
    # day two moved the festival and added a paragraph that reuses "di Panggung Utama" (kept, not marked)
    assert marked(page.text, "del") == ["deleted", "28-29 November", "Perkampungan Budaya Betawi"]
    assert marked(page.text, "ins") == [
        "inserted",  # the legend
        "5-6 Desember",
        "Plaza Danau Setu Babakan. Jadwal dan lokasi festival berubah dari rencana semula, "
        "yaitu 28-29 November 2026 di",
        ", karena panggung tersebut sedang diperbaiki setelah hujan deras pekan lalu",
    ]


def test_diff_between_chosen_revisions_and_refusal_of_unknown_ones(crawled_site: CrawledSite) -> None:
    story = story_id(crawled_site, EDITED_PATH)
    same = crawled_site.client.get(f"/stories/{story}?from=2&to=2")
    assert same.status_code == 200
    assert marked(same.text, "del") == ["deleted"] and marked(same.text, "ins") == ["inserted"]
    reverse = crawled_site.client.get(f"/stories/{story}?from=2&to=1")
    assert "28-29 November" in marked(reverse.text, "ins")
    for query in ("from=3", "to=0", "to=abc", "from=-1", "to=99999999999999999999"):
        refused = crawled_site.client.get(f"/stories/{story}?{query}")
        assert refused.status_code == 400, query
        assert "Traceback" not in refused.text


def test_story_page_shows_facts_revisions_feeds_and_json_link(crawled_site: CrawledSite) -> None:
    story = story_id(crawled_site, EDITED_PATH)
    html = crawled_site.client.get(f"/stories/{story}").text
    assert html.count("<li>Revision ") == 2
    assert 'href="/sources/disbud"' in html
    assert f'href="/api/stories/{story}"' in html
    assert f"{crawled_site.cfg.feeds.base_url}sources/disbud.atom" in html
    assert '<h1 lang="id">Festival Setu Babakan 2026' in html


def test_story_json_holds_every_revision(crawled_site: CrawledSite) -> None:
    story = story_id(crawled_site, EDITED_PATH)
    data = crawled_site.client.get(f"/api/stories/{story}").json()
    assert [revision["number"] for revision in data["revisions"]] == [1, 2]
    assert "28-29 November 2026" in data["revisions"][0]["text"]
    assert "5-6 Desember 2026" in data["revisions"][1]["text"]
    assert all(revision["title"] and revision["fetched_at"] for revision in data["revisions"])
    assert data["source_id"] == "disbud" and data["language"] == "id"


def test_story_json_names_the_cluster_its_first_seen_member_and_the_other_copies(crawled_site: CrawledSite) -> None:
    original = story_id(crawled_site, "disbud/berita/lebaran-betawi-2026-digelar-di-lapangan-banteng")
    copy = story_id(crawled_site, "kabar/budaya/lebaran-betawi-2026-lapangan-banteng")
    stories = {story: crawled_site.client.get(f"/api/stories/{story}").json() for story in (original, copy)}
    clusters = {story: data["cluster"] for story, data in stories.items()}
    # one cluster, whose id is its first recorded member's: the crawl records the two in either order
    assert clusters[original]["id"] == clusters[copy]["id"] in (original, copy)
    # its first-seen member is the one fetched first, which need not be the one recorded first (its
    # extraction may finish later)
    first_seen = min((original, copy), key=lambda story: (stories[story]["first_seen"], story))
    assert clusters[original]["first_seen"]["id"] == clusters[copy]["first_seen"]["id"] == first_seen
    assert [member["id"] for member in clusters[copy]["members"]] == [original]
    assert [member["id"] for member in clusters[original]["members"]] == [copy]
    # a story no other source carried is in no cluster of several
    assert crawled_site.client.get(f"/api/stories/{story_id(crawled_site, EDITED_PATH)}").json()["cluster"] is None


def test_markup_in_a_title_is_shown_as_text_everywhere(crawled_site: CrawledSite) -> None:
    story = story_id(crawled_site, HOSTILE_PATH)
    for path in ("/", f"/stories/{story}", "/sources/kabar", "/changes", "/changes?source=kabar"):
        html = crawled_site.client.get(path).text
        assert "<script>" not in html and "<b>Cikini</b>" not in html, path
        assert "&lt;script&gt;" in html and "&lt;b&gt;Cikini&lt;/b&gt;" in html, path
    assert crawled_site.client.get(f"/api/stories/{story}").json()["title"].startswith("Malam Puisi di Kafé Sénirupa <")
    assert HOSTILE_TITLE.startswith("Malam Puisi")


def test_captured_page_is_served_sandboxed_inside_an_iframe(crawled_site: CrawledSite) -> None:
    story = story_id(crawled_site, HOSTILE_PATH)
    detail = crawled_site.client.get(f"/api/stories/{story}").json()
    view = detail["captures"][-1]["view"]
    html = crawled_site.client.get(f"/stories/{story}").text
    assert re.search(rf'<iframe [^>]*src="{view}" sandbox ', html)
    captured = crawled_site.client.get(view)
    assert captured.status_code == 200
    policy = captured.headers["content-security-policy"]
    assert policy.startswith("sandbox;") and "allow-scripts" not in policy and "allow-same-origin" not in policy
    assert captured.headers["x-content-type-options"] == "nosniff"
    # as captured: the script and the javascript: links are still in the body, and only the sandbox holds them
    assert b"data-captured-script-ran" in captured.content and b'href="javascript:' in captured.content


@pytest.mark.parametrize("path", ["/", "/changes", "/sources/kabar", "/topics/wccf", "/api/stories/1", "/nope"])
def test_every_response_carries_a_strict_policy_without_scripts(crawled_site: CrawledSite, path: str) -> None:
    policy = crawled_site.client.get(path).headers["content-security-policy"]
    assert "default-src 'none'" in policy and "script-src" not in policy and "unsafe" not in policy
    assert "frame-ancestors 'none'" in policy


@pytest.mark.parametrize(
    "path",
    [
        "/stories/999999",
        "/stories/99999999999999999999999",
        "/api/stories/999999",
        "/captures/999999",
        "/topics/no-such-topic",
        "/sources/no-such-source",
        "/stories/abc",
    ],
)
def test_unknown_ids_answer_404(crawled_site: CrawledSite, path: str) -> None:
    answer = crawled_site.client.get(path)
    assert answer.status_code == 404
    assert "Traceback" not in answer.text


@pytest.mark.parametrize(
    "path",
    [
        "/sources/kabar?page=0",
        "/sources/kabar?page=x",
        "/topics/wccf?page=100000",
        "/changes?source=nope",
        "/changes?topic=nope",
        "/changes?days=0",
        "/search?q=x&from=2026-13-01",
        "/search?q=x&lang=fr",
        "/search?q=x&from=2026-12-01&to=2026-01-01",
        "/api/search?q=",
    ],
)
def test_bad_parameters_answer_400_saying_what_is_accepted(crawled_site: CrawledSite, path: str) -> None:
    answer = crawled_site.client.get(path)
    assert answer.status_code == 400, answer.text[:300]
    assert "Traceback" not in answer.text
    message = answer.json()["error"] if path.startswith("/api/") else answer.text
    assert re.search(r"is not|is unknown|is after|is empty|whole number", message)


def test_source_page_shows_health_runs_and_a_drawn_chart(crawled_site: CrawledSite) -> None:
    html = crawled_site.client.get("/sources/disbud").text
    assert "Health: <strong" in html
    runs = re.findall(r'<tr class="run-(\w+)">', html)
    assert runs == ["ok", "ok"]
    assert '<svg id="activity-chart" role="img"' in html
    bars = re.findall(r'<rect class="bar bar-(new|changed)"', html)
    assert "new" in bars and "changed" in bars
    assert re.search(r"<title id=\"chart-title\">(\d+) new and (\d+) changed", html)
    assert "http://" not in html.split('<svg id="activity-chart"')[1].split("</svg>")[0].replace(
        'xmlns="http://www.w3.org/2000/svg"', ""
    ), "the chart loads nothing"


def test_topic_and_source_list_stories_newest_first_with_subscribe_links(crawled_site: CrawledSite) -> None:
    html = crawled_site.client.get("/sources/kabar").text
    dates = re.findall(r'<time datetime="([^"]+)">', html.split('id="stories-heading"')[1])
    assert dates == sorted(dates, reverse=True) and len(dates) == 7
    assert f'href="{crawled_site.cfg.feeds.base_url}sources/kabar.atom"' in html
    topic = crawled_site.cfg.topics[0]
    topic_html = crawled_site.client.get(f"/topics/{topic.id}").text
    assert f'href="{crawled_site.cfg.feeds.base_url}topics/{topic.id}.rss"' in topic_html


def test_changes_narrow_by_source_and_by_topic(crawled_site: CrawledSite) -> None:
    every = crawled_site.client.get("/changes").text
    kabar = crawled_site.client.get("/changes?source=kabar").text
    sources_of = lambda html: set(re.findall(r'<span class="meta"><a href="/sources/(\w+)">', html))  # noqa: E731
    assert sources_of(every) == {"disbud", "kabar", "portal"}
    assert sources_of(kabar) == {"kabar"}
    topic = crawled_site.cfg.topics[0].id
    in_topic = crawled_site.client.get(f"/changes?topic={topic}").text
    stories = set(re.findall(r'<a href="/stories/(\d+)">', in_topic))
    all_stories = set(re.findall(r'<a href="/stories/(\d+)">', every))
    assert stories and stories < all_stories


def test_search_json_holds_hits_snippets_and_facets(crawled_site: CrawledSite) -> None:
    answer = crawled_site.client.get("/api/search?q=festival")
    assert answer.status_code == 200, answer.text
    data = answer.json()
    assert data["total"] >= 1 and data["hits"]
    assert all(isinstance(part, list) and len(part) == 2 for part in data["hits"][0]["snippet"])
    # facets are (value, count) pairs whose counts add up to the total, per source
    assert sum(count for _, count in data["facets"]["sources"]) == data["total"]
    assert {source for source, _ in data["facets"]["sources"]} <= {"disbud", "kabar", "portal"}
