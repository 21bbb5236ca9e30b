"""Atom 1.0 (RFC 4287) feeds with feedgen, and a writer of a whole Atom file from plain entry values.

Everything in the output is derived from the data: the feed's `updated` is its
newest entry's and the generator string has no version, so rebuilding from the
same archive gives the same bytes. Each entry carries its language as xml:lang.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from feedgen.feed import FeedGenerator
from lxml import etree

from warta.feeds.model import FeedDocument, FeedEntry
from warta.feeds.writer import write_if_changed

ATOM_NS = "http://www.w3.org/2005/Atom"
XML_LANG = "{http://www.w3.org/XML/1998/namespace}lang"
GENERATOR = "warta"
GENERATOR_URI = "https://github.com/warta-project/warta"


def render_atom(feed: FeedDocument) -> bytes:
    """Return the feed as an Atom document (UTF-8 bytes)."""
    generator = FeedGenerator()
    generator.id(feed.id)
    generator.title(feed.title)
    if feed.subtitle:
        generator.subtitle(feed.subtitle)
    generator.author({"name": feed.author})
    generator.link(href=feed.self_url, rel="self", type="application/atom+xml")
    generator.link(href=feed.home_url, rel="alternate", type="text/html")
    generator.generator(GENERATOR, uri=GENERATOR_URI)
    generator.updated(feed.updated)
    if feed.language:
        generator.language(feed.language)
    for entry in feed.entries:
        _add_entry(generator, entry)
    document = etree.fromstring(generator.atom_str(pretty=False))
    for element, entry in zip(document.iterfind(f"{{{ATOM_NS}}}entry"), feed.entries, strict=True):
        _add_links_and_language(element, entry)
    etree.indent(document)
    serialized: bytes = etree.tostring(document, xml_declaration=True, encoding="UTF-8")
    return serialized + b"\n"


def _add_entry(generator: FeedGenerator, entry: FeedEntry) -> None:
    item = generator.add_entry(order="append")
    item.id(entry.id)
    item.title(entry.title)
    item.updated(entry.updated)
    if entry.published:
        item.published(entry.published)
    if entry.author:
        item.author({"name": entry.author})
    for category in entry.categories:
        item.category(term=category.term, label=category.label)
    if entry.summary:
        item.summary(entry.summary)
    item.content(entry.content_html, type="html")


def _add_links_and_language(element: etree._Element, entry: FeedEntry) -> None:
    """Add the entry's links and xml:lang, which feedgen 1.0 cannot write.

    feedgen drops rel, type and title of entry links (so a related link would read
    as a second alternate) and has no per-entry language.
    """
    links: list[tuple[str, str, str | None]] = [("alternate", entry.link, None)] if entry.link else []
    links += [("related", related.href, related.title) for related in entry.related]
    for rel, href, title in links:
        link = etree.SubElement(element, f"{{{ATOM_NS}}}link", href=href, rel=rel, type="text/html")
        if title:
            link.set("title", title)
    if entry.language:
        element.set(XML_LANG, entry.language)


def write_atom(path: Path, feed: FeedDocument) -> bool:
    """Write the feed to `path` as Atom, atomically and only if it changed; return True if written."""
    return write_if_changed(path, render_atom(feed))


def write_atom_feed(
    path: Path,
    *,
    feed_id: str,
    title: str,
    self_url: str,
    entries: Sequence[FeedEntry],
    home_url: str | None = None,
    subtitle: str = "",
    author: str = "warta",
) -> bool:
    """Write a valid Atom file from plain values (e.g. the daemon's alerts.atom); return True if written.

    Entries need only id, title, updated and content_html (link optional); they
    are written in the order given, which should be newest first.
    """
    feed = FeedDocument(
        id=feed_id,
        title=title,
        self_url=self_url,
        home_url=home_url or self_url,
        entries=tuple(entries),
        subtitle=subtitle,
        author=author,
    )
    return write_atom(path, feed)
