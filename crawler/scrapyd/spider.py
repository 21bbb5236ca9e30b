"""The Scrapyd entry spider `warta-source`: rebuilds one source's crawl from job arguments and runs it.

Scrapyd can only start a spider by name with string arguments. This entry point
decodes them (crawler.scrapyd.job), applies the [crawler] settings and points the
crawl's recorder at the archive and at the run the daemon opened, and returns the
source's real spider (crawler.spiders) with its extractor pool and timezone. The
recorder (crawler.recorder) then adopts and settles the run exactly as it opens
and settles a local crawl's: the node records what a local crawl records.
"""

from __future__ import annotations

import socket
from typing import Any

import scrapy
from scrapy import signals
from scrapy.crawler import Crawler

from warta.crawler.browser import browser_settings, find_browser, missing_browser_reason
from warta.crawler.errors import CrawlerError
from warta.crawler.extractor_pool import ExtractorPool
from warta.crawler.recorder import recorder_settings
from warta.crawler.scrapyd.job import SPIDER_NAME, DispatchedCrawl
from warta.crawler.settings import scrapy_settings
from warta.crawler.spiders import SPIDERS, spider_arguments

# Logging on a node is Scrapyd's: its job log file must keep receiving Scrapy's records.
NODE_OWNED_SETTINGS = ("LOG_INSTALL_ROOT_HANDLER", "TWISTED_REACTOR")


class WartaSourceSpider(scrapy.Spider):
    """Entry point for Scrapyd: `from_crawler` returns the configured source's own spider."""

    name = SPIDER_NAME

    @classmethod
    def from_crawler(cls, crawler: Crawler, *args: Any, **kwargs: Any) -> Any:
        """Return the real spider of the job's source, its recorder set to write into the daemon's run."""
        dispatched = DispatchedCrawl.from_arguments(kwargs)
        cfg = dispatched.config
        settings = {key: value for key, value in scrapy_settings(cfg).items() if key not in NODE_OWNED_SETTINGS}
        settings.update(recorder_settings(dispatched.database_url, dispatched.run_id))
        source = dispatched.source
        if source.render == "browser":
            # a node renders with its own Chromium, found as on the daemon's machine
            browser = find_browser(cfg.crawler.browser_path)
            if browser is None:
                raise CrawlerError(f"cannot crawl {source.id} on {socket.gethostname()}: {missing_browser_reason(cfg)}")
            settings.update(browser_settings(cfg, browser))
        # Scrapy builds the extensions and the download handlers after the spider, from these settings
        crawler.settings.setdict(settings, priority="spider")
        pool = ExtractorPool()
        spider = SPIDERS[source.kind].from_crawler(crawler, **spider_arguments(cfg, source, pool))

        def closed() -> None:
            pool.shutdown()

        crawler.signals.connect(closed, signal=signals.spider_closed, weak=False)
        return spider
