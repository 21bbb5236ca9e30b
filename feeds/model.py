"""The plain values a feed is made of, shared by the Atom, RSS and JSON Feed writers.

These carry no database or config objects, so anything (the feed builder, the
daemon's alerts feed) can fill them and hand them to a writer.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime

# A feed without entries still needs an `updated` time; a fixed one keeps rebuilds byte-identical.
EMPTY_FEED_UPDATED = datetime(1970, 1, 1, tzinfo=UTC)


@dataclass(frozen=True)
class Category:
    """A category of an entry: a machine term and a human label."""

    term: str
    label: str


@dataclass(frozen=True)
class RelatedLink:
    """A link from an entry to another page about the same story."""

    href: str
    title: str


@dataclass(frozen=True)
class FeedEntry:
    """One entry of a feed; `id` must never change for the same story."""

    id: str
    title: str
    updated: datetime
    content_html: str
    link: str | None = None
    published: datetime | None = None
    author: str | None = None
    categories: tuple[Category, ...] = ()
    language: str | None = None
    summary: str = ""
    related: tuple[RelatedLink, ...] = ()
    is_edited: bool = False  # the story has an earlier revision
    is_gone: bool = False  # the page disappeared from its site; the archived text is shown


@dataclass(frozen=True)
class FeedDocument:
    """A whole feed: its identity, links and entries (newest first)."""

    id: str
    title: str
    self_url: str
    home_url: str
    entries: tuple[FeedEntry, ...]
    subtitle: str = ""
    author: str = "warta"
    language: str | None = None

    @property
    def updated(self) -> datetime:
        """Return the newest entry's updated time (never the build time, so rebuilds are identical)."""
        return max((entry.updated for entry in self.entries), default=EMPTY_FEED_UPDATED)
