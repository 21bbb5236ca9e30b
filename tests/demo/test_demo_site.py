"""The bundled demo site: served on both days, no broken links, and day two differs exactly as its README says."""

from __future__ import annotations

import re
import tomllib
import urllib.robotparser
from collections import Counter
from urllib.parse import urlsplit

import feedparser
import lxml.html
import pytest

from tests.conftest import ROOT
from tests.demo.sitewalk import SOURCES, article_paths, article_text, get, internal_links
from warta.demo.config import DEMO_SITE
from warta.demo.siteserver import SiteServer

DAYS = ("day1", "day2")
INDONESIAN_DATE_LINE = re.compile(
    r"^(Senin|Selasa|Rabu|Kamis|Jumat|Sabtu|Minggu), \d{1,2} (Januari|Februari|Maret|April|Mei|Juni|Juli|Agustus"
    r"|September|Oktober|November|Desember) \d{4} \| \d{2}:\d{2} WIB$"
)


def expected_table() -> dict[str, dict[str, int]]:
    """Return the "Expected counts" table of the site README, per source."""
    readme = (DEMO_SITE / "README.md").read_text(encoding="utf-8")
    section = readme.split("## Expected counts", 1)[1]
    rows = [line.strip("|").split("|") for line in section.splitlines() if line.startswith("|")]
    header = [cell.strip() for cell in rows[0]]
    return {
        cells[0].strip(): {name: int(cells[i]) for i, name in enumerate(header) if name.startswith("day-")}
        for cells in rows[2:]
    }


def observed_changes(site: SiteServer) -> dict[str, dict[str, int]]:
    """Crawl the site on day one and day two over HTTP and count what a correct crawler must record."""
    site.switch("day1")
    day1 = {
        source: {path: article_text(get(site.url + path).body, source) for path in article_paths(site.url, source)}
        for source in SOURCES
    }
    site.switch("day2")
    counts: dict[str, dict[str, int]] = {}
    for source in SOURCES:
        seen: set[str] = set()
        tally: Counter[str] = Counter()
        for path, text in day1[source].items():
            answer = get(site.url + path)
            if answer.status in (404, 410):
                tally["gone"] += 1
                continue
            if answer.status == 301:
                assert answer.location
                path = urlsplit(answer.location).path
                answer = get(site.url + path)
                tally["moved"] += 1
            assert answer.status == 200, path
            seen.add(path)
            tally["changed"] += article_text(answer.body, source) != text
        day2_paths = article_paths(site.url, source)
        tally["new"] = len(set(day2_paths) - seen - set(day1[source]))
        counts[source] = {
            "day-1 articles": len(day1[source]),
            "day-2 new": tally["new"],
            "day-2 changed": tally["changed"],
            "day-2 gone": tally["gone"],
            "day-2 moved": tally["moved"],
        }
    totals = {key: sum(row[key] for row in counts.values()) for key in counts["disbud"]}
    return {**counts, "total": totals}


def test_day_two_differences_match_the_site_readme(demo_site: SiteServer) -> None:
    expected = expected_table()
    assert set(expected) == {*SOURCES, "total"}
    assert expected["disbud"] == {
        "day-1 articles": 7,
        "day-2 new": 1,
        "day-2 changed": 1,
        "day-2 gone": 1,
        "day-2 moved": 1,
    }
    assert observed_changes(demo_site) == expected
    # the acceptance numbers for a day-two crawl
    assert [expected["total"][key] for key in ("day-2 new", "day-2 changed", "day-2 gone")] == [3, 2, 1]


@pytest.mark.parametrize("day", DAYS)
def test_site_serves_each_day_with_absolute_urls_filled_in(demo_site: SiteServer, day: str) -> None:
    demo_site.switch(day)
    robots = get(demo_site.url + "/robots.txt")
    assert robots.status == 200
    assert f"Sitemap: {demo_site.url}/portal/sitemap.xml" in robots.body.decode()
    for path in ("/", "/disbud/", "/disbud/berita/", "/disbud/berita/page/2/", "/kabar/", "/kabar/rss.xml"):
        answer = get(demo_site.url + path)
        assert answer.status == 200, path
        assert b"{{site_url}}" not in answer.body


@pytest.mark.parametrize("day", DAYS)
def test_every_article_of_listing_feed_and_sitemap_exists(demo_site: SiteServer, day: str) -> None:
    demo_site.switch(day)
    gone = _status_paths(day)
    for source in SOURCES:
        paths = article_paths(demo_site.url, source)
        assert len(paths) >= 5, source
        for path in paths:
            assert get(demo_site.url + path).status == gone.get(path, 200), path


@pytest.mark.parametrize("day", DAYS)
def test_no_internal_link_is_broken(demo_site: SiteServer, day: str) -> None:
    """Walk every page reachable from / and check each same-host link, except those robots.txt forbids."""
    demo_site.switch(day)
    robots = urllib.robotparser.RobotFileParser(demo_site.url + "/robots.txt")
    robots.read()
    expected_status = _status_paths(day)
    queue, visited = [demo_site.url + "/"], set()
    while queue:
        url = queue.pop()
        if url in visited or not robots.can_fetch("warta", url):
            continue
        visited.add(url)
        answer = get(url)
        path = urlsplit(url).path
        if answer.status == 301:
            queue.append(demo_site.url + (answer.location or ""))
            continue
        assert answer.status == expected_status.get(path, 200), url
        if answer.status == 200 and not path.endswith((".xml", ".txt")):
            queue.extend(internal_links(url, answer.body) - visited)
    assert len(visited) >= 20
    # negative control: the walk does reach the disallowed search page's link, and skips it
    assert not robots.can_fetch("warta", demo_site.url + "/disbud/cari?q=festival")


def test_every_page_changes_its_boilerplate_on_day_two(demo_site: SiteServer) -> None:
    pages = sorted(p.relative_to(DEMO_SITE / "day1") for p in (DEMO_SITE / "day1").rglob("*.html"))
    # the root index is a plain table of contents without a footer
    common = [page for page in pages if (DEMO_SITE / "day2" / page).is_file() and str(page) != "index.html"]
    assert len(common) >= 20
    for page in common:
        before = (DEMO_SITE / "day1" / page).read_text(encoding="utf-8")
        after = (DEMO_SITE / "day2" / page).read_text(encoding="utf-8")
        assert _footer_stamp(before) != _footer_stamp(after), page
        assert _footer_stamp(before) is not None, page


@pytest.mark.parametrize("source", SOURCES)
def test_articles_are_full_documents_of_150_to_500_words(demo_site: SiteServer, source: str) -> None:
    demo_site.switch("day2")
    for path in article_paths(demo_site.url, source):
        answer = get(demo_site.url + path)
        if answer.status != 200:
            continue
        tree = lxml.html.fromstring(answer.body)
        assert tree.get("lang") in ("id", "en"), path
        assert tree.findtext(".//title"), path
        assert tree.xpath('//meta[@property="og:title"]/@content'), path
        words = len(article_text(answer.body, source).split())
        assert 150 <= words <= 500, (path, words)


def test_dates_come_as_visible_indonesian_lines_or_published_time_meta(demo_site: SiteServer) -> None:
    demo_site.switch("day1")
    for source in SOURCES:
        for path in article_paths(demo_site.url, source):
            tree = lxml.html.fromstring(get(demo_site.url + path).body)
            meta = tree.xpath('//meta[@property="article:published_time"]/@content')
            if source == "disbud":
                assert meta == [], path
                assert INDONESIAN_DATE_LINE.match(tree.xpath('//span[@class="tanggal"]')[0].text_content()), path
            else:
                assert re.match(r"^2026-\d\d-\d\dT\d\d:\d\d:00\+07:00$", meta[0]), path


def test_some_articles_are_in_english(demo_site: SiteServer) -> None:
    demo_site.switch("day1")
    languages = Counter(
        lxml.html.fromstring(get(demo_site.url + path).body).get("lang")
        for source in SOURCES
        for path in article_paths(demo_site.url, source)
    )
    assert languages["en"] >= 3
    assert languages["id"] > languages["en"]


def test_syndicated_story_differs_by_one_trimmed_sentence_and_an_attribution_line(demo_site: SiteServer) -> None:
    demo_site.switch("day1")
    original = get(demo_site.url + "/disbud/berita/lebaran-betawi-2026-digelar-di-lapangan-banteng")
    copy = get(demo_site.url + "/kabar/budaya/lebaran-betawi-2026-lapangan-banteng")
    original_sentences = _sentences(article_text(original.body, "disbud"))
    copy_sentences = _sentences(article_text(copy.body, "kabar"))
    assert copy_sentences - original_sentences == {"Sumber: Dinas Kebudayaan Provinsi DKI Jakarta"}
    assert len(original_sentences - copy_sentences) == 1
    assert original.body != copy.body


def test_every_shipped_topic_has_a_story_on_the_demo_site(demo_site: SiteServer) -> None:
    demo_site.switch("day2")
    texts = [
        article_text(get(demo_site.url + path).body, source).casefold()
        for source in SOURCES
        for path in article_paths(demo_site.url, source)
        if get(demo_site.url + path).status == 200
    ]
    example = tomllib.loads((ROOT / "config" / "warta.example.toml").read_text(encoding="utf-8"))
    for topic in example["topics"]:
        terms = [re.compile(rf"\b{re.escape(term.casefold())}\b") for term in topic["any"]]
        assert any(term.search(text) for term in terms for text in texts), topic["id"]


def test_every_site_file_is_shipped_as_package_data() -> None:
    pyproject = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    patterns = pyproject["tool"]["setuptools"]["package-data"]["warta.demo"]
    package = DEMO_SITE.parent
    shipped = {path for pattern in patterns for path in package.glob(pattern)}
    files = {path for path in DEMO_SITE.rglob("*") if path.is_file()}
    assert files - shipped == set()
    assert any(path.name == "_redirects" for path in shipped)


def _status_paths(day: str) -> dict[str, int]:
    table = DEMO_SITE / day / "_status"
    if not table.is_file():
        return {}
    return {line.split()[0]: int(line.split()[1]) for line in table.read_text(encoding="utf-8").splitlines() if line}


def _footer_stamp(html: str) -> str | None:
    match = re.search(r'<p class="(?:updated|timestamp|last-update)">([^<]+)</p>', html)
    return match.group(1) if match else None


def _sentences(text: str) -> set[str]:
    return {part.strip() for part in re.split(r"(?<=[.!?])\s+", text.replace("\n", " ")) if part.strip()}


def test_site_folder_holds_two_days() -> None:
    assert sorted(path.name for path in DEMO_SITE.iterdir() if path.is_dir()) == list(DAYS)


@pytest.mark.parametrize(("day", "items"), [("day1", 5), ("day2", 6)])
def test_kabar_feed_is_valid_rss_for_feed_readers(demo_site: SiteServer, day: str, items: int) -> None:
    demo_site.switch(day)
    parsed = feedparser.parse(get(demo_site.url + "/kabar/rss.xml").body)
    assert not parsed.bozo, parsed.get("bozo_exception")
    assert len(parsed.entries) == items
    assert all(entry.link.startswith(demo_site.url + "/kabar/budaya/") and entry.published for entry in parsed.entries)
