"""Running a crawl: all requested sources in one Scrapy process, in this process.

Scrapy's Twisted reactor cannot be restarted, so `run_crawl` may be called once
per process: it is what `warta crawl` runs. Callers that crawl more than once
(the daemon, the demo) start `warta crawl` as a child process for each crawl,
with a time limit (warta.daemon.executors.local).
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence

from scrapy.crawler import AsyncCrawlerProcess, Crawler

from warta.config import SourceConfig, WartaConfig
from warta.config.secrets import reveal
from warta.crawler.browser import browser_settings, find_browser, missing_browser_reason, quiet_handler_log
from warta.crawler.errors import CrawlAlreadyRanError
from warta.crawler.extractor_pool import ExtractorPool
from warta.crawler.recorder import SourceRecorder, recorder_settings, run_progress
from warta.crawler.report import CrawlReport, ProgressCallback, ProgressEvent, SourceReport
from warta.crawler.selection import select_sources
from warta.crawler.settings import scrapy_settings
from warta.crawler.spiders import SPIDERS, spider_arguments
from warta.storage.database import Database
from warta.storage.run_history import record_failed_run
from warta.storage.sources import ensure_source
from warta.storage.types import utcnow

logger = logging.getLogger(__name__)

_has_run = False


def run_crawl(
    cfg: WartaConfig,
    source_ids: Sequence[str] | None = None,
    progress: ProgressCallback | None = None,
    article_limit: int | None = None,
) -> CrawlReport:
    """Crawl the sources once in one Scrapy process and return the report (once per process).

    Each source's run is opened and settled by its crawler's recorder (crawler.recorder).
    `article_limit` caps the discovered articles fetched per source (for previews).
    """
    global _has_run
    sources = select_sources(cfg, source_ids)
    if _has_run:
        raise CrawlAlreadyRanError(
            "run_crawl already ran in this process and Scrapy's reactor cannot restart; "
            "run each crawl in a child process of its own (`warta crawl`, as the daemon does)"
        )
    _has_run = True
    # an unreachable or outdated database stops the crawl before any source starts
    Database.from_config(cfg, create=True).dispose()
    with ExtractorPool() as pool:
        pool.prefork()  # in a crawl forked warm by the daemon, before Scrapy starts any thread
        return _crawl(cfg, sources, pool, progress, article_limit)


def _crawl(
    cfg: WartaConfig,
    sources: list[SourceConfig],
    pool: ExtractorPool,
    progress: ProgressCallback | None,
    article_limit: int | None = None,
) -> CrawlReport:
    levels = {name: logging.getLogger(name).level for name in ("scrapy", "twisted")}
    # Creating the process resets Scrapy's loggers to DEBUG (logging.config.dictConfig) and then logs
    # its version banner; silence the banner unless the operator asked for debug output.
    banners = [logging.getLogger(name) for name in ("scrapy.utils.log", "scrapy.crawler")]
    for banner in banners:
        banner.disabled = levels["scrapy"] != logging.DEBUG
    process = AsyncCrawlerProcess({**scrapy_settings(cfg), **recorder_settings(reveal(cfg.storage.url))})
    for banner in banners:
        banner.disabled = False
    # keep the levels our CLI chose; Scrapy's child loggers inherit them again
    for name, level in levels.items():
        logging.getLogger(name).setLevel(level)
    crawlers: list[tuple[SourceConfig, Crawler]] = []
    unrenderable: dict[str, str] = {}
    for source in sources:
        if source.render == "browser":
            browser = find_browser(cfg.crawler.browser_path)
            if browser is None:
                # this source alone fails; the others crawl as usual
                unrenderable[source.id] = missing_browser_reason(cfg)
                logger.error("cannot crawl %s: %s", source.id, unrenderable[source.id])
                continue
            quiet_handler_log()
            # only a browser source's crawler downloads through scrapy-playwright
            crawler = process.create_crawler(Crawler(SPIDERS[source.kind], browser_settings(cfg, browser)))
        else:
            crawler = process.create_crawler(SPIDERS[source.kind])
        if progress is not None:
            crawler.signals.connect(_receiver(progress), signal=run_progress, weak=False)
        process.crawl(crawler, **spider_arguments(cfg, source, pool, article_limit))
        crawlers.append((source, crawler))
    if crawlers:
        process.start()
    reports = {source.id: source_report(source, crawler) for source, crawler in crawlers}
    for source in sources:
        if source.id in unrenderable:
            reports[source.id] = record_unrenderable(cfg, source, unrenderable[source.id])
    return CrawlReport([reports[source.id] for source in sources])


def record_unrenderable(cfg: WartaConfig, source: SourceConfig, reason: str) -> SourceReport:
    """Record a failed run of a browser source that has no browser to render with; return its report."""
    database = Database.from_config(cfg)
    try:
        with database.transaction() as session:
            ensure_source(session, source.id, source.display_name, source.kind)
            run_id = record_failed_run(session, source.id, utcnow(), "failed", reason)
    finally:
        database.dispose()
    return SourceReport(source.id, status="failed", error=reason, run_id=run_id)


def source_report(source: SourceConfig, crawler: Crawler) -> SourceReport:
    """Return the report the crawler's recorder settled, or a failure when the spider never opened."""
    try:
        recorder = crawler.get_extension(SourceRecorder)
    except RuntimeError:  # the crawl failed before Scrapy built its extensions
        recorder = None
    if recorder is not None and recorder.report is None and recorder.run_id is not None:
        # the reactor stopped before the spider closed (a second Ctrl-C): its run still ends, interrupted
        recorder.spider_closed(crawler.spider, "shutdown")
    if recorder is None or recorder.report is None:
        return SourceReport(source.id, status="failed", error="the spider did not start; see the log for the exception")
    return recorder.report


def _receiver(progress: ProgressCallback) -> Callable[[ProgressEvent], None]:
    """Return a receiver of the recorder's progress signal that calls `progress` (Scrapy inspects receivers)."""

    def receive(event: ProgressEvent) -> None:
        progress(event)

    return receive
