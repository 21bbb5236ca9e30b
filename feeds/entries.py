"""Feed entries from archived documents: stable ids, edit notes, gone notes and related sources.

An entry's id is derived only from the document's uid (`urn:uuid:<uid>`), so it
survives edits, rebuilds and a change of base_url. Its `updated` is the time of
the document's latest revision (or of a related copy's, when another source
carried the story later); `published` is the page's own date, else when warta
first saw it. A document that disappeared from its site stays in the feeds,
because it was published, with a note saying so.
"""

from __future__ import annotations

import html
import logging
from collections.abc import Mapping, Sequence

from sqlalchemy.orm import Session

from warta.feeds.content import body_html, is_safe_url, summarize
from warta.feeds.diffs import describe_edit
from warta.feeds.model import Category, FeedEntry, RelatedLink
from warta.storage.feed_queries import FeedItem, FeedScope, newest_feed_items

logger = logging.getLogger(__name__)


def entry_id(uid: str) -> str:
    """Return the permanent entry id of the document with this uid."""
    return f"urn:uuid:{uid}"


class EntryFactory:
    """Turns archived documents into feed entries, naming topics and source tags as categories."""

    def __init__(self, topic_titles: Mapping[str, str], source_tags: Mapping[str, Sequence[str]]) -> None:
        self.topic_titles = dict(topic_titles)
        self.source_tags = {source_id: tuple(tags) for source_id, tags in source_tags.items()}

    def newest(self, session: Session, scope: FeedScope, limit: int) -> list[FeedEntry]:
        """Return the newest `limit` entries of the feed `scope`, newest first."""
        return [self.entry(item) for item in newest_feed_items(session, scope, limit)]

    def entry(self, item: FeedItem) -> FeedEntry:
        """Return the feed entry of one archived document."""
        return FeedEntry(
            id=entry_id(item.uid),
            title=" ".join(item.title.split()) or item.url,
            updated=item.updated_at,
            content_html=self.content(item),
            link=item.url if is_safe_url(item.url) else None,
            published=item.published or item.first_seen,
            author=item.source_name,
            categories=self.categories(item),
            language=item.language,
            summary=summarize(item.text, item.title),
            related=tuple(RelatedLink(copy.url, copy.source_name) for copy in item.related if is_safe_url(copy.url)),
            is_edited=item.previous_text is not None,
            is_gone=item.status == "gone",
        )

    def categories(self, item: FeedItem) -> tuple[Category, ...]:
        """Return the entry's topics, then its source's tags, as categories."""
        topics = [Category(topic_id, self.topic_titles.get(topic_id, topic_id)) for topic_id in item.topics]
        tags = [Category(tag, tag) for tag in self.source_tags.get(item.source_id, ())]
        seen: dict[str, Category] = {}
        for category in topics + tags:
            seen.setdefault(category.term, category)
        return tuple(seen.values())

    def content(self, item: FeedItem) -> str:
        """Return the entry's HTML: edit note, gone note, the sanitized body, then the other sources."""
        parts = []
        edit = describe_edit(item.previous_title, item.previous_text, item.title, item.text)
        if edit:
            parts.append(f"<p><em>{html.escape(edit, quote=False)}</em></p>")
        if item.status == "gone":
            since = f" since {item.gone_at:%Y-%m-%d}" if item.gone_at else ""
            parts.append(
                f"<p><em>This page is no longer available at its source{since}; the archived text is shown.</em></p>"
            )
        parts.append(body_html(item.html, item.text, item.url, item.title))
        links = [
            f'<a href="{html.escape(copy.url)}">{html.escape(copy.source_name)}</a>'
            for copy in item.related
            if is_safe_url(copy.url)
        ]
        if links:
            parts.append(f"<p>Also reported by: {', '.join(links)}</p>")
        return "\n".join(parts)
