"""Every written feed is valid: Atom against RFC 4287's RELAX NG grammar, RSS, JSON Feed 1.1 and OPML."""

from __future__ import annotations

import json

import feedparser
import lxml.html
import pytest
from lxml import etree

from tests.conftest import require_shared
from tests.feeds.conftest import T0, Archive, build, feed_files
from warta.feeds.atom import write_atom_feed
from warta.feeds.model import FeedEntry

ATOM = "{http://www.w3.org/2005/Atom}"


@pytest.fixture
def atom_schema() -> etree.RelaxNG:
    return etree.RelaxNG(etree.parse(str(require_shared("schemas/atom.rng"))))


@pytest.fixture
def built(seeded: Archive) -> Archive:
    build(seeded)
    return seeded


def expected_stems(archive: Archive) -> set[str]:
    cfg = archive.cfg
    return {"all"} | {f"topics/{t.id}" for t in cfg.topics} | {f"sources/{s.id}" for s in cfg.sources}


def test_every_feed_is_written_in_three_formats(built: Archive) -> None:
    for suffix in (".atom", ".rss", ".json"):
        stems = {str(path.relative_to(built.feed_dir).with_suffix("")) for path in feed_files(built.feed_dir, suffix)}
        assert stems == expected_stems(built)


def test_atom_files_validate_against_the_relax_ng_schema(built: Archive, atom_schema: etree.RelaxNG) -> None:
    files = feed_files(built.feed_dir, ".atom")
    entries = 0
    for path in files:
        document = etree.parse(str(path))
        assert atom_schema.validate(document), f"{path}: {atom_schema.error_log}"
        ids = [element.text for element in document.iter(f"{ATOM}id")][1:]
        assert len(ids) == len(set(ids)), path
        entries += len(ids)
    assert entries > 0


def test_schema_check_is_not_vacuous(built: Archive, atom_schema: etree.RelaxNG) -> None:
    document = etree.parse(str(built.feed_dir / "all.atom"))
    entry = document.find(f"{ATOM}entry")
    entry.remove(entry.find(f"{ATOM}id"))
    assert not atom_schema.validate(document)


def test_rss_files_parse_without_bozo_and_have_the_channel_elements(built: Archive) -> None:
    for path in feed_files(built.feed_dir, ".rss"):
        parsed = feedparser.parse(path.read_bytes())
        assert not parsed.bozo, f"{path}: {parsed.get('bozo_exception')}"
        assert parsed.version == "rss20"
        channel = etree.parse(str(path)).find("channel")
        for name in ("title", "link", "description"):
            assert (channel.findtext(name) or "").strip(), f"{path} lacks <{name}>"
        guids = [item.findtext("guid") for item in channel.iter("item")]
        assert len(guids) == len(set(guids))


def test_json_feeds_have_the_required_fields_and_unique_ids(built: Archive) -> None:
    for path in feed_files(built.feed_dir, ".json"):
        feed = json.loads(path.read_text(encoding="utf-8"))
        assert feed["version"] == "https://jsonfeed.org/version/1.1"
        assert feed["title"]
        assert isinstance(feed["items"], list)
        ids = [item["id"] for item in feed["items"]]
        assert all(isinstance(item_id, str) and item_id for item_id in ids)
        assert len(ids) == len(set(ids)), path
        assert all("content_html" in item or "content_text" in item for item in feed["items"])


def test_opml_lists_every_feed(built: Archive) -> None:
    document = etree.parse(str(built.feed_dir / "index.opml"))
    assert document.getroot().get("version") == "2.0"
    urls = {outline.get("xmlUrl") for outline in document.iter("outline") if outline.get("xmlUrl")}
    base = built.cfg.feeds.base_url
    assert urls == {f"{base}{stem}.atom" for stem in expected_stems(built)}
    for outline in document.iter("outline"):
        if outline.get("xmlUrl"):
            assert outline.get("rssUrl").endswith(".rss") and outline.get("jsonUrl").endswith(".json")
            assert outline.get("text")


def test_feeds_use_base_url_for_ids_and_self_links(built: Archive) -> None:
    document = etree.parse(str(built.feed_dir / "topics" / "wccf.atom"))
    root = document.getroot()
    assert root.findtext(f"{ATOM}id") == "https://feeds.example.org/warta/topics/wccf.atom"
    self_links = [link.get("href") for link in root.findall(f"{ATOM}link") if link.get("rel") == "self"]
    assert self_links == ["https://feeds.example.org/warta/topics/wccf.atom"]
    assert root.findtext(f"{ATOM}title") == "warta: World Cities Culture Forum"


def test_entries_carry_source_topics_language_and_dates(built: Archive) -> None:
    parsed = feedparser.parse((built.feed_dir / "all.atom").read_bytes())
    entry = next(e for e in parsed.entries if e.title == "Jakarta gabung WCCF")
    assert entry.author == "Dinas Kebudayaan DKI Jakarta"
    assert {tag.term for tag in entry.tags} == {"wccf", "jakarta-global-city", "government"}
    assert entry.link == "https://disbud.jakarta.go.id/berita/jakarta-gabung-wccf"
    assert entry.updated == "2026-11-23T08:05:00+00:00"
    assert entry.published == "2026-11-23T08:05:00+00:00"
    assert entry.summary.startswith("Jakarta resmi bergabung")
    root = etree.parse(str(built.feed_dir / "all.atom")).getroot()
    languages = {element.get("{http://www.w3.org/XML/1998/namespace}lang") for element in root.iter(f"{ATOM}entry")}
    assert languages == {"id"}


def test_source_feed_holds_only_its_source_and_uses_its_display_name(built: Archive) -> None:
    parsed = feedparser.parse((built.feed_dir / "sources" / "kompas.atom").read_bytes())
    assert parsed.feed.title == "warta: Kompas.com"
    assert [entry.title for entry in parsed.entries] == ["Pameran Batavia di Kota Tua"]


def test_topic_feed_holds_only_matching_documents(built: Archive) -> None:
    parsed = feedparser.parse((built.feed_dir / "topics" / "wccf.atom").read_bytes())
    assert [entry.title for entry in parsed.entries] == ["Jakarta gabung WCCF"]


def test_reusable_atom_writer_makes_a_valid_file_from_plain_values(tmp_path, atom_schema: etree.RelaxNG) -> None:
    path = tmp_path / "alerts.atom"
    entry = FeedEntry(
        id="tag:feeds.example.org,2026:alert-1",
        title="disbud is failing",
        updated=T0,
        content_html="<p>3 crawls in a row failed.</p>",
        link="https://feeds.example.org/warta/",
    )
    assert write_atom_feed(
        path,
        feed_id="https://feeds.example.org/warta/alerts.atom",
        title="warta alerts",
        self_url="https://feeds.example.org/warta/alerts.atom",
        entries=[entry],
    )
    assert atom_schema.validate(etree.parse(str(path))), atom_schema.error_log
    assert not write_atom_feed(
        path,
        feed_id="https://feeds.example.org/warta/alerts.atom",
        title="warta alerts",
        self_url="https://feeds.example.org/warta/alerts.atom",
        entries=[entry],
    )


def test_index_page_offers_every_feed_and_its_latest_stories_without_external_assets(built: Archive) -> None:
    page = lxml.html.parse(str(built.feed_dir / "index.html")).getroot()
    assert page.findall(".//script") == [] and page.findall(".//img") == []
    assert [link.get("rel") for link in page.iter("link")] == ["alternate"]
    hrefs = [a.get("href") for a in page.iter("a")]
    local = [href for href in hrefs if not href.startswith(("http://", "https://", "#"))]
    # alerts.atom is written by the daemon when a source's health changes, not by a build
    feeds = [href for href in local if href not in ("index.opml", "alerts.atom") and not href.endswith(".ics")]
    assert {href.rsplit(".", 1)[0] for href in feeds} == expected_stems(built)
    calendars = {href for href in local if href.endswith(".ics")}
    assert calendars == {f"events/{stem.rsplit('/', 1)[-1]}.ics" for stem in expected_stems(built)}
    assert all((built.feed_dir / href).is_file() for href in feeds + sorted(calendars))
    section = page.get_element_by_id("topics-wccf")
    assert [a.text for a in section.iter("a") if a.get("href", "").startswith("https://")] == ["Jakarta gabung WCCF"]
    sections = {element.get("id") for element in page.iter("section")}
    assert sections == {stem.replace("/", "-") for stem in expected_stems(built)}
