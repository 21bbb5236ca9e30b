"""index.opml: every feed warta publishes, for importing into a feed reader in one go.

One outline per feed, grouped into topics, sources and all stories. Each
outline subscribes to the Atom version (`xmlUrl`); the RSS and JSON Feed
versions are named in `rssUrl` and `jsonUrl` attributes for readers that
prefer them. The events calendars (feeds.calendar) follow as OPML links
(`type="link"`, `url`): a feed reader does not subscribe to them, a person can.
No creation date is written, so rebuilds are byte-identical.
"""

from __future__ import annotations

from collections.abc import Sequence

from lxml import etree

from warta.feeds.calendar import calendar_path
from warta.feeds.catalog import FeedSpec

SECTION_TITLES = {"all": "All stories", "topic": "Topics", "source": "Sources"}


def render_opml(specs: Sequence[FeedSpec], base_url: str, title: str) -> bytes:
    """Return an OPML 2.0 document listing every feed in `specs`."""
    root = etree.Element("opml", version="2.0")
    head = etree.SubElement(root, "head")
    etree.SubElement(head, "title").text = title
    etree.SubElement(head, "docs").text = "https://opml.org/spec2.opml"
    body = etree.SubElement(root, "body")
    for section, section_title in SECTION_TITLES.items():
        members = [spec for spec in specs if spec.section == section]
        if not members:
            continue
        group = etree.SubElement(body, "outline", text=section_title, title=section_title)
        for spec in members:
            etree.SubElement(
                group,
                "outline",
                type="rss",
                text=spec.title,
                title=spec.title,
                description=spec.description,
                xmlUrl=spec.url(base_url, "atom"),
                htmlUrl=spec.home_url(base_url),
                rssUrl=spec.url(base_url, "rss"),
                jsonUrl=spec.url(base_url, "json"),
            )
    calendars = etree.SubElement(body, "outline", text="Event calendars", title="Event calendars")
    for spec in specs:
        etree.SubElement(
            calendars,
            "outline",
            type="link",
            text=f"{spec.title} (events calendar)",
            url=base_url + calendar_path(spec.key),
        )
    etree.indent(root)
    serialized: bytes = etree.tostring(root, xml_declaration=True, encoding="UTF-8")
    return serialized + b"\n"
