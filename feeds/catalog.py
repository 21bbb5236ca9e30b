"""The list of feeds warta publishes: one per topic, one per source and one of everything.

Each feed is written in three formats under a fixed path (`topics/<id>`,
`sources/<id>`, `all`, each with .atom, .rss and .json); this module names them
and builds their public URLs from `[feeds] base_url`.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal

from warta.storage.feed_queries import FeedScope

FORMATS = ("atom", "rss", "json")
FORMAT_LABELS = {"atom": "Atom", "rss": "RSS", "json": "JSON Feed"}


@dataclass(frozen=True)
class TopicInfo:
    """What the catalog needs of a topic."""

    id: str
    title: str
    description: str = ""


@dataclass(frozen=True)
class SourceInfo:
    """What the catalog and entries need of a source."""

    id: str
    name: str
    tags: tuple[str, ...] = ()
    language: str | None = None


@dataclass(frozen=True)
class FeedSpec:
    """One published feed: what it holds, what it is called and where it lives."""

    section: Literal["topic", "source", "all"]
    key: str
    stem: str
    title: str
    description: str
    scope: FeedScope
    language: str | None = None

    def path(self, fmt: str) -> str:
        """Return the feed's file path in format `fmt`, relative to the feed folder."""
        return f"{self.stem}.{fmt}"

    def url(self, base_url: str, fmt: str) -> str:
        """Return the public URL of the feed in format `fmt`."""
        return base_url + self.path(fmt)

    @property
    def anchor(self) -> str:
        """Return the id of the feed's section in index.html."""
        return self.stem.replace("/", "-")

    def home_url(self, base_url: str) -> str:
        """Return the web page of the feed: its section of index.html."""
        return f"{base_url}index.html#{self.anchor}"


def feed_catalog(topics: Sequence[TopicInfo], sources: Sequence[SourceInfo], title_prefix: str) -> list[FeedSpec]:
    """Return every feed to publish: all, then each topic, then each source, in config order."""
    prefix = f"{title_prefix}: " if title_prefix else ""
    specs = [
        FeedSpec(
            "all",
            "all",
            "all",
            f"{prefix}all stories" if prefix else "all stories",
            "Every story warta archived, newest first.",
            FeedScope.everything(),
        )
    ]
    specs += [
        FeedSpec(
            "topic",
            topic.id,
            f"topics/{topic.id}",
            f"{prefix}{topic.title}",
            topic.description or f"Stories about {topic.title}.",
            FeedScope.topic(topic.id),
        )
        for topic in topics
    ]
    specs += [
        FeedSpec(
            "source",
            source.id,
            f"sources/{source.id}",
            f"{prefix}{source.name}",
            f"Stories from {source.name}.",
            FeedScope.source(source.id),
            source.language,
        )
        for source in sources
    ]
    return specs
