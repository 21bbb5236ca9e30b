"""RSS 2.0 feeds with feedgen, byte-identical when rebuilt from the same archive.

lastBuildDate is the newest entry's updated time, not the build time. An item's
source name and language are Dublin Core elements (RSS 2.0 `author` must be an
e-mail address), its topics and source tags are categories.
"""

from __future__ import annotations

from feedgen.feed import FeedGenerator
from lxml import etree

from warta.feeds.atom import GENERATOR
from warta.feeds.model import FeedDocument, FeedEntry


def render_rss(feed: FeedDocument) -> bytes:
    """Return the feed as an RSS 2.0 document (UTF-8 bytes)."""
    generator = FeedGenerator()
    generator.load_extension("dc")
    generator.id(feed.id)
    generator.title(feed.title)
    generator.description(feed.subtitle or feed.title)
    # feedgen uses the last link given as the channel's <link>, which must be the web page.
    generator.link(href=feed.self_url, rel="self")
    generator.link(href=feed.home_url, rel="alternate")
    generator.generator(GENERATOR)
    generator.lastBuildDate(feed.updated)
    if feed.language:
        generator.language(feed.language)
    for entry in feed.entries:
        _add_item(generator, entry)
    document = etree.fromstring(generator.rss_str(pretty=False))
    etree.indent(document)
    serialized: bytes = etree.tostring(document, xml_declaration=True, encoding="UTF-8")
    return serialized + b"\n"


def _add_item(generator: FeedGenerator, entry: FeedEntry) -> None:
    item = generator.add_entry(order="append")
    item.id(entry.id)
    item.title(entry.title)
    if entry.link:
        item.link(href=entry.link)
    item.description(entry.content_html)
    if entry.published:
        item.pubDate(entry.published)
    for category in entry.categories:
        item.category(term=category.term, label=category.label)
    if entry.author:
        item.dc.dc_creator(entry.author)
    if entry.language:
        item.dc.dc_language(entry.language)
