"""Feed and sitemap XML is parsed without entity expansion, and gzip is bounded after decompression."""

from __future__ import annotations

import gzip
from zoneinfo import ZoneInfo

import pytest

from warta.crawler.feed_items import parse_feed
from warta.crawler.safexml import UnsafeXmlError, gunzip_bounded, parse_xml
from warta.crawler.sitemaps import parse_sitemap

JAKARTA = ZoneInfo("Asia/Jakarta")
LAUGHS = b"""<?xml version="1.0"?>
<!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">
<!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">]>
<rss version="2.0"><channel><item><title>&lol3;</title><link>http://a.example/x</link></item></channel></rss>"""
XXE = b"""<?xml version="1.0"?><!DOCTYPE r [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>
<rss version="2.0"><channel><item><title>&xxe;</title><link>http://a.example/y</link></item></channel></rss>"""


def test_entities_are_not_expanded() -> None:
    [item] = parse_feed(LAUGHS, "http://a.example/feed", JAKARTA, 1_000_000)
    assert "lollol" not in (item.title or "")


def test_external_entities_are_not_read() -> None:
    [item] = parse_feed(XXE, "http://a.example/feed", JAKARTA, 1_000_000)
    assert "root:" not in (item.title or "")


def test_oversized_xml_is_refused() -> None:
    with pytest.raises(UnsafeXmlError, match="larger than the limit"):
        parse_xml(b"<a>" + b"x" * 2000 + b"</a>", 1000)


def test_gzip_is_refused_once_it_expands_past_the_limit() -> None:
    bomb = gzip.compress(b"\0" * 5_000_000)
    assert len(bomb) < 10_000
    with pytest.raises(UnsafeXmlError, match="expands past"):
        gunzip_bounded(bomb, 1_000_000)
    assert gunzip_bounded(gzip.compress(b"small"), 1_000_000) == b"small"  # control: small bodies pass


def test_gzipped_sitemap_entries_are_read_with_lastmod() -> None:
    body = gzip.compress(
        b'<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9"><url><loc>/a</loc>'
        b"<lastmod>2026-11-23</lastmod></url></urlset>"
    )
    sitemap = parse_sitemap(body, "http://a.example/sitemap.xml.gz", JAKARTA, 1_000_000)
    assert not sitemap.is_index
    [entry] = sitemap.entries
    assert entry.loc == "http://a.example/a"
    assert entry.lastmod is not None and entry.lastmod.isoformat() == "2026-11-23T00:00:00+07:00"
