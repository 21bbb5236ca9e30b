"""Reading sitemaps: an index lists child sitemaps, a urlset lists pages with their `<lastmod>`.

Gzipped sitemaps (by magic bytes, whatever the Content-Type) are decompressed
with a size bound first. See https://www.sitemaps.org/protocol.html.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from urllib.parse import urljoin
from zoneinfo import ZoneInfo

from warta.crawler.feed_items import parse_feed_date
from warta.crawler.safexml import gunzip_bounded, is_gzipped, local_name, parse_xml


@dataclass(frozen=True)
class SitemapEntry:
    """One `<sitemap>` or `<url>` entry."""

    loc: str
    lastmod: datetime | None


@dataclass(frozen=True)
class Sitemap:
    """A parsed sitemap: either an index of child sitemaps or a set of page URLs."""

    is_index: bool
    entries: list[SitemapEntry]


def parse_sitemap(body: bytes, sitemap_url: str, timezone: ZoneInfo, max_bytes: int) -> Sitemap:
    """Return the entries of the sitemap (or sitemap index) in `body`."""
    if is_gzipped(body):
        body = gunzip_bounded(body, max_bytes)
    root = parse_xml(body, max_bytes)
    is_index = local_name(root) == "sitemapindex"
    wanted = "sitemap" if is_index else "url"
    entries: list[SitemapEntry] = []
    for element in root:
        if local_name(element) != wanted:
            continue
        fields = {local_name(child): (child.text or "").strip() for child in element}
        if not fields.get("loc"):
            continue
        lastmod = parse_feed_date(fields["lastmod"], timezone) if fields.get("lastmod") else None
        entries.append(SitemapEntry(urljoin(sitemap_url, fields["loc"]), lastmod))
    return Sitemap(is_index, entries)
