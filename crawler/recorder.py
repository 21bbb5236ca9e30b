"""Recording one source's crawl run in the archive, as a Scrapy extension: the run, captures, pages and counts.

Scrapy builds the recorder for every crawler (`from_crawler`); the crawl's
settings name the database (`WARTA_DATABASE_URL`) and, for a crawl the daemon
dispatched to a Scrapyd node, the run it opened (`WARTA_RUN_ID`). On
`spider_opened` the recorder opens that source's run, or adopts the daemon's;
on `spider_closed` it settles the run with the outcome of `run_outcome`. So a
local crawl and a Scrapyd job open and close their runs the same way. The run's
counts live in the crawler's stats (`warta/new`, `warta/errors`, ...).

Every method is one short write transaction in the crawling process, so a crash
loses at most the page being written. The recorder never fetches, never
extracts and never matches topics (the feed build does, storage.memberships).
"""

from __future__ import annotations

import logging
import os
import socket
from collections.abc import Iterable, Sequence
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any, Self

from scrapy import signals
from scrapy.crawler import Crawler
from scrapy.exceptions import CloseSpider, NotConfigured
from scrapy.statscollectors import StatsCollector
from sqlalchemy.orm import Session

from warta.config import SourceConfig
from warta.crawler.report import ProgressCallback, ProgressEvent, SourceReport
from warta.crawler.urls import canonical_from_page, canonicalize_url
from warta.storage.captures import HttpExchange, save_capture
from warta.storage.clusters import ShingleCache
from warta.storage.database import Database, SharedDatabases
from warta.storage.dedup import DEFAULT_THRESHOLDS, DedupThresholds
from warta.storage.dispatched_runs import adopt_run
from warta.storage.errors import StorageError
from warta.storage.event_extraction import StoryEvents
from warta.storage.fetch_states import get_fetch_state, save_fetch_state, validators_of
from warta.storage.requisites import document_has_requisites, link_requisites
from warta.storage.revisions import Outcome, PageRecord, document_ids, find_document, mark_gone, record_page
from warta.storage.revisits import KnownDocument, NotModified, attach_capture, documents_to_revisit, note_not_modified
from warta.storage.runs import RunCounts, add_run_error, finish_run, start_run
from warta.storage.shingling import Shingles
from warta.storage.sources import ensure_source
from warta.storage.types import utcnow

if TYPE_CHECKING:  # the crawl process never extracts; trafilatura is imported in the workers only
    from warta.crawler.extraction import Extracted

logger = logging.getLogger(__name__)

Validators = tuple[str | None, str | None]
DATABASE_URL_SETTING = "WARTA_DATABASE_URL"
RUN_ID_SETTING = "WARTA_RUN_ID"
DEDUP_SETTING = "WARTA_DEDUP"  # crawler.settings: the [dedup] table, as a dict
STATS_PREFIX = "warta/"
# The crawl's closing reasons when the recorder could not open its run.
RUN_NOT_OPENED = "warta_run_not_opened"
RUN_ALREADY_CLOSED = "warta_run_already_closed"
# enough to explain a run in `warta preview` and --json; the counts hold the full numbers
MAX_SKIPPED_PAGES_KEPT = 100
NOT_MODIFIED_BATCH = 100
COUNT_NAMES = tuple(RunCounts().as_dict())

# A Scrapy signal, sent with `event` (a ProgressEvent) whenever the run's counts change.
run_progress = object()


def recorder_settings(database_url: str, run_id: int | None = None) -> dict[str, Any]:
    """Return the Scrapy settings that point a crawl's recorder at the archive (and at the daemon's run)."""
    settings: dict[str, Any] = {DATABASE_URL_SETTING: database_url}
    if run_id is not None:
        settings[RUN_ID_SETTING] = run_id
    return settings


def run_outcome(spider: Any, reason: str) -> tuple[str, str]:
    """Return (run status, error) of a source spider closing for `reason`."""
    if reason == "shutdown":
        return "interrupted", "the crawl was stopped before it finished"
    if reason != "finished":
        return "failed", f"the spider closed early ({reason})"
    if not spider.start_answered and spider.start_failures:
        return "failed", "no start URL could be fetched: " + "; ".join(spider.start_failures[:3])
    return "ok", ""


# one engine per archive for all the crawlers of this process (a local crawl runs every source's in one)
DATABASES = SharedDatabases()


class SourceRecorder:
    """The archive side of one source's crawl run: a Scrapy extension, one per crawler."""

    source: SourceConfig

    def __init__(
        self,
        database: Database,
        stats: StatsCollector,
        run_id: int | None = None,
        progress: ProgressCallback | None = None,
        dedup: DedupThresholds = DEFAULT_THRESHOLDS,
    ) -> None:
        self.database = database
        self.dedup = dedup
        # one per crawl: each story compared for near-duplicates is shingled once, not at every lookup
        self.shingles = ShingleCache()
        self.stats = stats
        # the run the daemon opened for a dispatched crawl, adopted instead of opening one
        self.dispatched_run_id = run_id
        self.progress = progress
        self.run_id: int | None = None
        self.started_at = utcnow()
        self.queued = 0
        self.report: SourceReport | None = None
        self.failure = ""
        self.skipped_pages: list[tuple[str, str]] = []
        # validators by URL: the known documents' read in one query when the run lists them, discovered
        # links' by `look_up`, others as they are asked for; an entry is dropped when this run stores
        # new validators for its URL
        self._validators: dict[str, tuple[str | None, str | None, datetime | None]] = {}
        # whether a discovered link is archived, read by `look_up` for the `is_known` call that follows
        self._known: dict[str, bool] = {}
        self._not_modified: list[NotModified] = []

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> Self:
        """Return the crawl's recorder, writing to the settings' database; raise NotConfigured without one."""
        url = crawler.settings.get(DATABASE_URL_SETTING)
        if not url:
            raise NotConfigured(f"{DATABASE_URL_SETTING} is not set, so this crawl records nothing")
        assert crawler.stats is not None  # the crawler makes its stats before its extensions

        def progress(event: ProgressEvent) -> None:
            crawler.signals.send_catch_log(run_progress, event=event)

        run_id = crawler.settings.getint(RUN_ID_SETTING) or None
        dedup = crawler.settings.getdict(DEDUP_SETTING)
        thresholds = DedupThresholds(**dedup) if dedup else DEFAULT_THRESHOLDS
        recorder = cls(DATABASES.acquire(url), crawler.stats, run_id, progress, thresholds)
        crawler.signals.connect(recorder.spider_opened, signal=signals.spider_opened)
        crawler.signals.connect(recorder.spider_closed, signal=signals.spider_closed)
        return recorder

    def spider_opened(self, spider: Any) -> None:
        """Open the run of the spider's source; close the spider at once when there can be none."""
        try:
            run_id = self.open(spider.source)
        except StorageError as exc:
            self.failure = str(exc)
            logger.error("%s: could not open its crawl run: %s", spider.source.id, exc)
            raise CloseSpider(RUN_NOT_OPENED) from exc
        if run_id is None:
            self.failure = (
                f"run {self.dispatched_run_id} of {self.source.id} was closed by the daemon before this job "
                "started; the crawl was retried elsewhere, so this job records nothing"
            )
            logger.warning("%s", self.failure)
            raise CloseSpider(RUN_ALREADY_CLOSED)

    def spider_closed(self, spider: Any, reason: str) -> None:
        """Settle the run with the spider's outcome and let go of the database."""
        # Scrapy calls the spider's own `closed` first (it connected before this extension existed),
        # so the index validators it stores are written before the database is released.
        try:
            if self.failure:
                self.report = SourceReport(self.source.id, status="failed", error=self.failure, run_id=self.run_id)
            else:
                self.settle(*run_outcome(spider, reason))
        finally:
            DATABASES.release(self.database)

    def open(self, source: SourceConfig) -> int | None:
        """Mirror the source into the database and open its run (or adopt the daemon's); return the run id.

        Return None when the daemon's run is no longer running: it gave up on this job.
        """
        self.source, self.started_at = source, utcnow()
        with self.database.transaction() as session:
            ensure_source(session, source.id, source.display_name, source.kind)
            if self.dispatched_run_id is None:
                self.run_id = start_run(session, source.id, self.started_at)
            elif adopt_run(session, self.dispatched_run_id, socket.gethostname(), os.getpid()):
                self.run_id = self.dispatched_run_id
            else:
                return None
        self._notify()
        return self.run_id

    def settle(self, status: str, error: str = "") -> SourceReport:
        """Write what is still noted, close the run with its counts and keep (and return) the source's report."""
        self.flush()
        counts = self.counts
        if self.run_id is not None:
            with self.database.transaction() as session:
                finish_run(session, self.run_id, status, counts, error)
        seconds = (utcnow() - self.started_at).total_seconds()
        self._notify(finished=True)
        logger.info(
            "crawled %s: %s, %d new, %d changed, %d gone, %d errors",
            self.source.id,
            status,
            counts.new,
            counts.changed,
            counts.gone,
            counts.errors,
        )
        self.report = SourceReport.from_counts(
            self.source.id,
            counts,
            status=status,
            error=error,
            seconds=round(seconds, 3),
            run_id=self.run_id,
            skipped_pages=[list(pair) for pair in self.skipped_pages],
        )
        return self.report

    @property
    def counts(self) -> RunCounts:
        """Return the run's counts so far, read from the crawler's stats."""
        return RunCounts(**{name: self.stats.get_value(STATS_PREFIX + name, 0) for name in COUNT_NAMES})

    @property
    def fetched(self) -> int:
        """Return how many responses the run has received."""
        return int(self.stats.get_value(STATS_PREFIX + "fetched", 0))

    def known_documents(self, revisit_days: int) -> list[KnownDocument]:
        """Return the source's active documents first seen within the last `revisit_days` days."""
        with self.database.reading() as session:
            documents = documents_to_revisit(session, self.source.id, utcnow() - timedelta(days=revisit_days))
            self._validators = validators_of(session, [document.url for document in documents])
        return documents

    def look_up(self, urls: Sequence[str]) -> None:
        """Read, for many discovered links at once, their validators and whether they are archived.

        The `validators` and `is_known` calls that decide whether to fetch each link then need no
        query of their own: a first crawl of a sitemap asked two per link.
        """
        new_urls = list(dict.fromkeys(urls))
        if not new_urls:
            return
        without_validators = [url for url in new_urls if url not in self._validators]
        canonical = {url: canonicalize_url(url) for url in new_urls}
        with self.database.reading() as session:
            found = validators_of(session, without_validators)
            known = document_ids(session, list(canonical.values()))
        for url in without_validators:
            self._validators[url] = found.get(url, (None, None, None))
        for url in new_urls:
            self._known[url] = canonical[url] in known

    def is_known(self, url: str) -> bool:
        """Return True when a document is archived under the URL (canonical or alias)."""
        if url in self._known:
            return self._known.pop(url)
        with self.database.reading() as session:
            return find_document(session, canonicalize_url(url)) is not None

    def validators(self, url: str) -> tuple[str | None, str | None, datetime | None]:
        """Return (ETag, Last-Modified, fetched at) of the URL's last fetch, all None if never fetched."""
        known = self._validators.get(url)
        if known is not None:
            return known
        with self.database.reading() as session:
            state = get_fetch_state(session, url)
            found = (None, None, None) if state is None else (state.etag, state.last_modified, state.fetched_at)
        # a sitemap entry is looked up once to decide whether to fetch it, and again by the conditional
        # request middleware; until this run stores new validators for the URL, the answer stands
        self._validators[url] = found
        return found

    def capture(self, exchange: HttpExchange) -> int:
        """Keep one HTTP exchange as a capture; return its id."""
        self._count_exchange(exchange)
        with self.database.transaction() as session:
            capture_id = save_capture(session, exchange, self.source.id, self.run_id)
        self._notify()
        return capture_id

    def capture_rendering(self, exchange: HttpExchange) -> int:
        """Keep the DOM a browser rendered from a captured response (method RENDER); return its capture id."""
        with self.database.transaction() as session:
            return save_capture(session, exchange, self.source.id, self.run_id)

    def _count_exchange(self, exchange: HttpExchange) -> None:
        self.count("requests")
        self.count("bytes", len(exchange.body))
        self.count("fetched")

    def record_article(
        self,
        url: str,
        original_url: str | None,
        extracted: Extracted,
        capture_id: int | None,
        validators: Validators,
        fetched_at: datetime | None = None,
        story: Shingles | None = None,
        events: StoryEvents | None = None,
    ) -> Outcome:
        """Record an extracted page (and the validators of its fetch); return NEW, CHANGED or UNCHANGED.

        `fetched_at` is the time of the HTTP exchange (its capture's), which dates the revision;
        the recording time is kept beside it. `story` and `events`: the text's shingles and
        events, when the extraction worker computed them (crawler.extractor_pool.Extraction).
        """
        now = utcnow()
        canonical = canonical_from_page(url, extracted.canonical_url)
        moved_from = canonicalize_url(original_url) if original_url else None
        page = PageRecord(
            source_id=self.source.id,
            url=url,
            canonical_url=canonical,
            title=extracted.title,
            text=extracted.text,
            html=extracted.html,
            fetched_at=fetched_at or now,
            recorded_at=now,
            published=extracted.published,
            language=extracted.language,
            metadata=dict(extracted.metadata),
            capture_id=capture_id,
            redirected_from=moved_from if moved_from != canonical else None,
            fingerprint=extracted.fingerprint,
            story=story,
            events=events,
        )
        with self.database.transaction() as session:
            result = record_page(session, page, dedup=self.dedup, shingle_cache=self.shingles)
            if capture_id is not None:
                attach_capture(session, capture_id, result.document_id)
            self._save_fetch_state(session, url, 200, now, validators)
        if story is not None and result.outcome is not Outcome.UNCHANGED:
            # the next pages' lookups compare with this one: its shingles are known, not to be read again
            self.shingles.put(result.document_id, result.revision_number, story)
        self.count(result.outcome.value)
        logger.debug("%s %s (%s)", result.outcome.value, canonical, self.source.id)
        self._notify()
        return result.outcome

    def link_requisites(self, capture_id: int, requisite_ids: list[int]) -> None:
        """Link a page capture to the captures of the images, stylesheets and fonts it uses."""
        with self.database.transaction() as session:
            link_requisites(session, capture_id, requisite_ids)

    def has_requisites(self, capture_id: int) -> bool:
        """Return True when the document this page capture belongs to has requisites captured already."""
        with self.database.reading() as session:
            return document_has_requisites(session, capture_id)

    def record_not_modified(
        self, url: str, capture_id: int | None, validators: Validators, pending_capture: HttpExchange | None = None
    ) -> None:
        """Note a 304: the page is as we hold it; no extraction, no revision.

        `pending_capture` is the 304 itself when the capture middleware left it to be saved with
        the note (see crawler.capturing). Notes are written `NOT_MODIFIED_BATCH` at a time and when
        the run ends: a recrawl of an unchanged site is almost only 304s, and a transaction each
        cost more than the exchange. A crash loses at most one batch of notes, which the next
        run makes again.
        """
        if pending_capture is not None:
            self._count_exchange(pending_capture)
        self._validators.pop(url, None)
        etag, last_modified = validators
        seen_at = pending_capture.fetched_at if pending_capture is not None else utcnow()
        note = NotModified(url, canonicalize_url(url), seen_at, etag, last_modified, pending_capture, capture_id)
        self._not_modified.append(note)
        if len(self._not_modified) >= NOT_MODIFIED_BATCH:
            self.flush()
        self.count("not_modified")
        self._notify()

    def flush(self) -> None:
        """Write the 304s noted since the last flush."""
        notes, self._not_modified = self._not_modified, []
        if notes:
            with self.database.transaction() as session:
                note_not_modified(session, notes, self.source.id, self.run_id)

    def record_missing(
        self, urls: Iterable[str], status: int, capture_id: int | None, fetched_at: datetime | None = None
    ) -> bool:
        """Mark the known document behind these URLs gone (a 404 or 410) as of the exchange's time (`fetched_at`).

        Return False when no document is known under them.
        """
        now = fetched_at or utcnow()
        with self.database.transaction() as session:
            for url in dict.fromkeys(canonicalize_url(url) for url in urls):
                document = find_document(session, url)
                if document is None:
                    continue
                if mark_gone(session, url, now):
                    self.count("gone")
                    logger.info("%s answers %d: marked gone (%s)", url, status, self.source.id)
                if capture_id is not None:
                    attach_capture(session, capture_id, document.id)
                self._notify()
                return True
        return False

    def remember_validators(self, url: str, status: int, validators: Validators) -> None:
        """Store the validators of a fetched feed, sitemap, listing or non-article page."""
        with self.database.transaction() as session:
            self._save_fetch_state(session, url, status, utcnow(), validators)

    def add_error(self, url: str, reason: str) -> None:
        """Count a failed page and store why it failed."""
        self.count("errors")
        logger.warning("%s: %s (%s)", url, reason, self.source.id)
        if self.run_id is not None:
            with self.database.transaction() as session:
                add_run_error(session, self.run_id, url, reason)
        self._notify()

    def skip(self, url: str, reason: str, counter: str = "empty_pages") -> None:
        """Count a page that was fetched or found but not recorded, and remember why (for reports)."""
        self.count(counter)
        logger.debug("not recorded %s: %s (%s)", url, reason, self.source.id)
        if len(self.skipped_pages) < MAX_SKIPPED_PAGES_KEPT:
            self.skipped_pages.append((url, reason))

    def count(self, name: str, amount: int = 1) -> None:
        """Add to one of the run's counts (skipped, links_found, empty_pages, ...) in the crawler's stats."""
        self.stats.inc_value(STATS_PREFIX + name, amount)

    def _save_fetch_state(self, session: Session, url: str, status: int, at: datetime, validators: Validators) -> None:
        self._validators.pop(url, None)
        save_fetch_state(session, url, status, at, *validators)

    def _notify(self, finished: bool = False) -> None:
        if self.progress is None:
            return
        value = self.stats.get_value
        event = ProgressEvent(
            source_id=self.source.id,
            fetched=self.fetched,
            queued=max(self.queued, 0),
            new=value(STATS_PREFIX + "new", 0),
            changed=value(STATS_PREFIX + "changed", 0),
            errors=value(STATS_PREFIX + "errors", 0),
            finished=finished,
            run_id=self.run_id,
        )
        try:
            self.progress(event)
        except Exception:  # a broken progress display must not stop the crawl
            logger.exception("progress callback failed")
