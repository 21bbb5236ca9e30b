"""Building every feed file from the archive: `warta feeds build`.

First the topic memberships are brought up to date (a rematch of the whole
archive when the topic definitions changed, or when forced); then every feed
is read from one consistent read-only snapshot and written in Atom, RSS and
JSON Feed, with the events calendars (events/*.ics, feeds.calendar), followed
by index.opml and index.html. Files whose bytes did not
change are left alone, and feed files of topics or sources no longer in the
config are removed. The builder never crawls.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

from warta.config import WartaConfig
from warta.feeds.atom import render_atom
from warta.feeds.calendar import CALENDAR_PAST_DAYS, calendar_path, render_calendar
from warta.feeds.catalog import FORMATS, FeedSpec, SourceInfo, TopicInfo, feed_catalog
from warta.feeds.entries import EntryFactory
from warta.feeds.errors import FeedWriteError
from warta.feeds.index_page import IndexSection, render_index_page
from warta.feeds.jsonfeed import render_json_feed
from warta.feeds.model import FeedDocument, FeedEntry
from warta.feeds.opml import render_opml
from warta.feeds.rss import render_rss
from warta.feeds.writer import write_if_changed
from warta.storage.database import Database
from warta.storage.events import CalendarEvent, calendar_events
from warta.storage.memberships import RematchReport, bring_memberships_up_to_date
from warta.storage.topics import TopicMatcher

logger = logging.getLogger(__name__)

RENDERERS: dict[str, Callable[[FeedDocument], bytes]] = {
    "atom": render_atom,
    "rss": render_rss,
    "json": render_json_feed,
}
# Only these folders are cleaned of stale feeds and calendars; other files in the feed folder are never touched.
MANAGED_FOLDERS = ("topics", "sources", "events")
MANAGED_SUFFIXES = (*FORMATS, "ics")


@dataclass(frozen=True)
class BuildReport:
    """What a build did: files written, unchanged and removed, feeds and entries, and any rematch."""

    feed_dir: Path
    feeds: int
    entries: int
    events: int
    written: int
    unchanged: int
    removed: int
    rematch: RematchReport | None

    def summary(self) -> str:
        """Return a one-line summary for people."""
        line = (
            f"{self.feeds} feeds, {self.entries} entries, {self.events} events: {self.written} files written, "
            f"{self.unchanged} unchanged, {self.removed} removed -> {self.feed_dir}"
        )
        if self.rematch is not None:
            line += f" (topics rematched on {self.rematch.documents} documents)"
        return line


class FeedBuilder:
    """Writes the feeds of the configured topics and sources into a folder."""

    def __init__(
        self,
        database: Database,
        feed_dir: Path,
        base_url: str,
        max_entries: int,
        title_prefix: str,
        topics: Sequence[TopicInfo],
        sources: Sequence[SourceInfo],
        matcher: TopicMatcher,
        timezone: ZoneInfo,
    ) -> None:
        self.database = database
        self.timezone = timezone
        self.feed_dir = feed_dir
        self.base_url = base_url if base_url.endswith("/") else base_url + "/"
        self.max_entries = max_entries
        self.title_prefix = title_prefix
        self.specs = feed_catalog(topics, sources, title_prefix)
        self.matcher = matcher
        self.entries = EntryFactory(
            {topic.id: topic.title for topic in topics}, {source.id: source.tags for source in sources}
        )

    @classmethod
    def from_config(cls, cfg: WartaConfig, database: Database) -> FeedBuilder:
        """Return a builder for the config's [feeds], [[topics]] and [[sources]]."""
        return cls(
            database=database,
            feed_dir=cfg.feeds.dir,
            base_url=cfg.feeds.base_url,
            max_entries=cfg.feeds.max_entries,
            title_prefix=cfg.feeds.title_prefix,
            topics=[TopicInfo(topic.id, topic.title, topic.description) for topic in cfg.topics],
            sources=[
                SourceInfo(source.id, source.display_name, tuple(source.tags), source.language)
                for source in cfg.sources
            ],
            matcher=TopicMatcher.from_config(cfg),
            timezone=ZoneInfo(cfg.crawler.timezone),
        )

    def build(self, rematch: bool = False) -> BuildReport:
        """Bring topic memberships up to date, write every feed file, and return what was done.

        Raises StorageError when the archive cannot be read, FeedWriteError when a file cannot be written.
        """
        rematched = bring_memberships_up_to_date(self.database, self.matcher, force=rematch)
        ending_after = (datetime.now(self.timezone) - timedelta(days=CALENDAR_PAST_DAYS)).date()
        with self.database.reading() as session:
            feeds = [(spec, self.entries.newest(session, spec.scope, self.max_entries)) for spec in self.specs]
            events = calendar_events(session, ending_after=ending_after)
        outputs: dict[str, bytes] = {}
        for spec, entries in feeds:
            for fmt in FORMATS:
                outputs[spec.path(fmt)] = RENDERERS[fmt](self.document(spec, entries, fmt))
        outputs.update(self.calendars(events))
        title = self.title_prefix or "warta"
        outputs["index.opml"] = render_opml(self.specs, self.base_url, f"{title} feeds")
        sections = [IndexSection(spec, entries) for spec, entries in feeds]
        outputs["index.html"] = render_index_page(sections, f"{title} feeds", self.timezone)
        try:
            written = sum(write_if_changed(self.feed_dir / path, data) for path, data in outputs.items())
            removed = self._remove_stale(set(outputs))
        except OSError as exc:
            raise FeedWriteError(
                f"cannot write the feeds into {self.feed_dir}: {exc}; check [feeds] dir and its permissions"
            ) from exc
        report = BuildReport(
            feed_dir=self.feed_dir,
            feeds=len(feeds),
            entries=sum(len(entries) for _, entries in feeds),
            events=len(events),
            written=written,
            unchanged=len(outputs) - written,
            removed=removed,
            rematch=rematched,
        )
        logger.info("feeds built: %s", report.summary())
        return report

    def document(self, spec: FeedSpec, entries: Sequence[FeedEntry], fmt: str) -> FeedDocument:
        """Return the feed `spec` with `entries` as it is written in format `fmt`."""
        return FeedDocument(
            id=spec.url(self.base_url, "atom"),
            title=spec.title,
            self_url=spec.url(self.base_url, fmt),
            home_url=spec.home_url(self.base_url),
            entries=tuple(entries),
            subtitle=spec.description,
            author=self.title_prefix or "warta",
            language=spec.language,
        )

    def calendars(self, events: Sequence[CalendarEvent]) -> dict[str, bytes]:
        """Return the calendar file of every feed (all, each topic, each source) by path."""
        calendars: dict[str, bytes] = {}
        for spec in self.specs:
            if spec.section == "topic":
                chosen = [event for event in events if spec.key in event.topics]
            elif spec.section == "source":
                chosen = [event for event in events if event.source_id == spec.key]
            else:
                chosen = list(events)
            description = f"Culture events announced in the stories of: {spec.title}"
            calendars[calendar_path(spec.key)] = render_calendar(chosen, spec.title, description)
        return calendars

    def _remove_stale(self, current: set[str]) -> int:
        """Delete feed files of topics and sources that are no longer configured; return how many."""
        removed = 0
        for folder in MANAGED_FOLDERS:
            directory = self.feed_dir / folder
            if not directory.is_dir():
                continue
            for path in sorted(directory.iterdir()):
                relative = f"{folder}/{path.name}"
                if path.is_file() and path.suffix.lstrip(".") in MANAGED_SUFFIXES and relative not in current:
                    logger.info("removing %s: its topic or source is no longer configured", path)
                    path.unlink()
                    removed += 1
        return removed


def build_feeds(cfg: WartaConfig, database: Database, rematch: bool = False) -> BuildReport:
    """Write every feed of the config into [feeds] dir and return what was done."""
    return FeedBuilder.from_config(cfg, database).build(rematch=rematch)
