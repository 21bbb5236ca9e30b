"""The Scrapyd entry spider `warta-source`: rebuilds one source's crawl from job arguments and runs it.

Scrapyd can only start a spider by name with string arguments. This entry point
decodes them (crawler.scrapyd.job), applies the [crawler] settings, opens the
archive, adopts the run the daemon opened, and returns the source's real spider
(crawler.spiders) with its recorder, extractor pool and timezone: the node records
exactly what a local crawl records. The run is closed when the spider closes.
"""

from __future__ import annotations

import logging
import os
import socket
from typing import Any

import scrapy
from scrapy import signals
from scrapy.crawler import Crawler
from warta.crawler.errors import CrawlerError
from warta.crawler.extractor_pool import ExtractorPool
from warta.crawler.recorder import SourceRecorder
from warta.crawler.scrapyd.job import SPIDER_NAME, DispatchedCrawl
from warta.crawler.settings import scrapy_settings
from warta.crawler.spiders import SPIDERS, spider_arguments
from warta.storage.database import Database
from warta.storage.dispatched_runs import adopt_run
from warta.storage.sources import ensure_source
from warta.storage.topics import TopicMatcher

logger = logging.getLogger(__name__)

# Logging on a node is Scrapyd's: its job log file must keep receiving Scrapy's records.
NODE_OWNED_SETTINGS = ("LOG_INSTALL_ROOT_HANDLER", "TWISTED_REACTOR")


class RunAlreadyClosedError(CrawlerError, RuntimeError):
    """Raised when a job starts after the daemon closed its run (it gave up on the job and retried it)."""


class DispatchedRecorder(SourceRecorder):
    """A recorder that writes into the run the daemon opened instead of opening one."""

    def __init__(self, database: Database, dispatched: DispatchedCrawl) -> None:
        config = dispatched.config
        super().__init__(database, dispatched.source, on_revision=TopicMatcher.from_config(config).update_memberships)
        self.dispatched_run_id = dispatched.run_id

    def start(self) -> int:
        """Adopt the daemon's run; raise RunAlreadyClosedError when it is closed already."""
        with self.database.transaction() as session:
            ensure_source(session, self.source.id, self.source.display_name, self.source.kind)
            if not adopt_run(session, self.dispatched_run_id, socket.gethostname(), os.getpid()):
                raise RunAlreadyClosedError(
                    f"run {self.dispatched_run_id} of {self.source.id} was closed by the daemon before this job "
                    "started; the crawl was retried elsewhere, so this job records nothing"
                )
        self.run_id = self.dispatched_run_id
        return self.run_id


class WartaSourceSpider(scrapy.Spider):
    """Entry point for Scrapyd: `from_crawler` returns the configured source's own spider."""

    name = SPIDER_NAME

    @classmethod
    def from_crawler(cls, crawler: Crawler, *args: Any, **kwargs: Any) -> Any:
        """Return the real spider of the job's source, wired to the shared archive."""
        dispatched = DispatchedCrawl.from_arguments(kwargs)
        cfg = dispatched.config
        settings = {key: value for key, value in scrapy_settings(cfg).items() if key not in NODE_OWNED_SETTINGS}
        crawler.settings.setdict(settings, priority="spider")
        database = Database(cfg.storage.url)
        recorder = DispatchedRecorder(database, dispatched)
        try:
            recorder.start()
        except RunAlreadyClosedError:
            database.dispose()
            raise
        pool = ExtractorPool()
        source = dispatched.source
        spider = SPIDERS[source.kind].from_crawler(crawler, **spider_arguments(cfg, source, recorder, pool))

        def closed(spider: Any, reason: str) -> None:
            status, error = closing_outcome(spider, reason)
            recorder.finish(status, error)
            pool.shutdown()
            database.dispose()
            logger.info(
                "crawled %s: %s, %d new, %d changed", source.id, status, recorder.counts.new, recorder.counts.changed
            )

        crawler.signals.connect(closed, signal=signals.spider_closed, weak=False)
        return spider


def closing_outcome(spider: Any, reason: str) -> tuple[str, str]:
    """Return (run status, error) of a spider closing for `reason` (as crawler.runner.crawl_outcome does)."""
    if reason == "shutdown":
        return "interrupted", "the Scrapyd job was stopped before it finished"
    if reason != "finished":
        return "failed", f"the spider closed early ({reason})"
    if not spider.start_answered and spider.start_failures:
        return "failed", "no start URL could be fetched: " + "; ".join(spider.start_failures[:3])
    return "ok", ""
