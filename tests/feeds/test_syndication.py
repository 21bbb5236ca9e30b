"""Acceptance: a press release and its syndicated copy are one story in every feed; a series stays two stories.

The release and its copy are the demo site's (warta/demo/site: the copy trims a sentence and adds an
attribution line), extracted as the crawler extracts them; the series is two announcements of one
concert series that differ in date, venue and performers.
"""

from __future__ import annotations

import json

import feedparser

from tests.feeds.conftest import Archive, build, feed_files, page
from warta.crawler.extraction import extract_article
from warta.demo.config import DEMO_SITE

ORIGINAL = "lebaran-betawi-2026-digelar-di-lapangan-banteng"
COPY = "lebaran-betawi-2026-lapangan-banteng"
SERIES = (
    "Seri konser Jazz di Museum kembali hadir pada {date}. Konser edisi ini digelar di {venue} dan menghadirkan "
    "{performers}.\n\nKonser jazz di museum merupakan upaya Unit Pengelola Museum Kesejarahan Jakarta untuk "
    "mendekatkan museum kepada anak muda. Penonton dapat menikmati musik sambil melihat koleksi museum yang "
    "dibuka hingga malam hari.\n\nTiket dapat dipesan secara daring melalui laman resmi museum dengan harga "
    "Rp 50.000 untuk umum dan Rp 25.000 untuk pelajar. Kuota penonton dibatasi 300 orang per konser.\n\n"
    "Pengelola museum mengingatkan pengunjung untuk tidak membawa makanan dan minuman ke ruang pamer."
)


def _demo_text(path: str) -> str:
    extracted = extract_article((DEMO_SITE / "day1" / path).read_bytes(), "https://demo.example/" + path)
    assert extracted is not None
    return extracted.text


def _record_stories(archive: Archive) -> None:
    archive.record(page(ORIGINAL, "disbud", hours=0, text=_demo_text(f"disbud/berita/{ORIGINAL}.html")))
    copy = _demo_text(f"kabar/budaya/{COPY}.html")
    assert "Sumber: Dinas Kebudayaan" in copy
    archive.record(page(COPY, "kompas", hours=1, text=copy, title="Lebaran Betawi (Kabar)"))
    first = SERIES.format(date="Jumat, 4 Desember 2026", venue="Museum Fatahillah", performers="Indra Lesmana Trio")
    second = SERIES.format(date="Jumat, 8 Januari 2027", venue="Museum Wayang", performers="Dwiki Dharmawan Quartet")
    archive.record(page("jazz-museum-desember", "disbud", hours=2, text=first, title="Jazz di Museum"))
    archive.record(page("jazz-museum-januari", "disbud", hours=3, text=second, title="Jazz di Museum"))


def test_release_and_its_syndicated_copy_are_one_story_in_every_feed(archive: Archive) -> None:
    _record_stories(archive)
    build(archive)
    story_urls = {f"https://disbud.jakarta.go.id/berita/{ORIGINAL}", f"https://www.kompas.com/read/{COPY}"}
    counts = {}
    for path in feed_files(archive.feed_dir, ".json"):
        if path.name == "index.json" or "items" not in (feed := json.loads(path.read_text(encoding="utf-8"))):
            continue
        counts[path.relative_to(archive.feed_dir).as_posix()] = sum(item["url"] in story_urls for item in feed["items"])
    assert counts["all.json"] == counts["topics/jakarta-global-city.json"] == 1
    assert counts["sources/disbud.json"] == counts["sources/kompas.json"] == 1
    assert max(counts.values()) == 1, counts
    for feed in ("all.atom", "topics/jakarta-global-city.atom"):
        entries = feedparser.parse((archive.feed_dir / feed).read_bytes()).entries
        [story] = [entry for entry in entries if entry.link in story_urls]
        assert [link.href for link in story.links if link.rel == "related"] == [f"https://www.kompas.com/read/{COPY}"]
        assert "Also reported by" in story.content[0].value


def test_two_announcements_of_one_series_remain_two_stories(archive: Archive) -> None:
    _record_stories(archive)
    build(archive)
    for feed in ("all.atom", "topics/museums.atom", "sources/disbud.atom"):
        links = [entry.link for entry in feedparser.parse((archive.feed_dir / feed).read_bytes()).entries]
        assert "https://disbud.jakarta.go.id/berita/jazz-museum-desember" in links, feed
        assert "https://disbud.jakarta.go.id/berita/jazz-museum-januari" in links, feed
