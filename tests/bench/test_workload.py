"""The generated benchmark site: realistic page sizes, listings, feed and sitemap, served by another process."""

from __future__ import annotations

import os
import re
import urllib.request
from pathlib import Path

import feedparser
from lxml import etree

from bench.workload import MAX_PAGE_BYTES, MIN_PAGE_BYTES, SiteProcess, generate_site


def test_generated_pages_are_50_to_150_kb_in_two_languages(tmp_path: Path) -> None:
    workload = generate_site(tmp_path, 12, mix_corpus=False)
    sizes = [file.stat().st_size for file in workload.article_files()]
    assert len(sizes) == 12
    assert all(MIN_PAGE_BYTES <= size <= MAX_PAGE_BYTES + 2_000 for size in sizes)
    languages = {re.search(rb'<html lang="(\w+)"', file.read_bytes()).group(1) for file in workload.article_files()}
    assert languages == {b"id", b"en"}


def test_listings_feed_and_sitemap_name_every_article(tmp_path: Path) -> None:
    workload = generate_site(tmp_path, 120, mix_corpus=False)
    day = workload.day
    listed = set()
    for page in [day / "berita/index.html", *sorted(day.glob("berita/page/*/index.html"))]:
        listed.update(re.findall(r'href="(/berita/[^"/]+)"', page.read_text()))
    assert listed == set(workload.article_paths)
    sitemap = etree.fromstring((day / "sitemap.xml").read_bytes())
    locations = [element.text for element in sitemap.iter("{http://www.sitemaps.org/schemas/sitemap/0.9}loc")]
    assert [url.removeprefix("{{site_url}}") for url in locations] == list(workload.article_paths)
    feed = feedparser.parse((day / "rss.xml").read_text())
    assert not feed.bozo and len(feed.entries) == 50


def test_site_is_served_from_another_process_with_its_url_filled_in(tmp_path: Path) -> None:
    workload = generate_site(tmp_path, 3, mix_corpus=False)
    with SiteProcess(workload.root) as site:
        with urllib.request.urlopen(site.url + workload.article_paths[0]) as response:
            body = response.read()
            etag = response.headers["ETag"]
        assert site._process is not None and site._process.pid != os.getpid()
        assert f'href="{site.url}{workload.article_paths[0]}"'.encode() in body
        assert etag
    # negative control: once the context ends, nothing answers any more
    try:
        urllib.request.urlopen(site.url + "/", timeout=2)
    except OSError:
        pass
    else:
        raise AssertionError("the site server still answers after it was stopped")
