"""`warta demo`: crawl the bundled demo site on two days and build the feeds (the command then serves them).

Everything happens on 127.0.0.1 and in one local folder of the demo's own
(warta.demo.folder): the demo needs no network and no config of the user's.
Each crawl runs in a child process, as the daemon runs it (its local executor),
because Scrapy's reactor cannot be restarted within one process.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from warta.config import WartaConfig, load_config
from warta.crawler.browser import find_browser
from warta.crawler.errors import CrawlProcessError
from warta.crawler.report import CrawlReport
from warta.daemon.executors.local import LocalExecutor
from warta.demo.config import DEMO_DAYS, DEMO_SITE, demo_config_text
from warta.demo.siteserver import SiteServer
from warta.feeds.builder import BuildReport, build_feeds
from warta.storage.database import Database

CRAWL_TIMEOUT_SECONDS = 300
CRAWL_LIMIT_NAME = f"the demo's time limit of {CRAWL_TIMEOUT_SECONDS} s"


@dataclass(frozen=True)
class DemoResult:
    """What the demo did: one crawl report per day, the feed build, and where things are."""

    days: list[tuple[str, CrawlReport]]
    feeds: BuildReport
    config_path: Path
    feeds_url: str
    site_url: str


class Demo:
    """The demo site's server and the demo's data folder; `feeds_url` is where the caller serves the feeds."""

    def __init__(self, data_dir: Path, feeds_url: str, host: str = "127.0.0.1") -> None:
        self.data_dir = data_dir.resolve()
        self.site = SiteServer(DEMO_SITE, day=DEMO_DAYS[0], host=host)
        self.feeds_url = feeds_url
        self.config_path = self.data_dir / "warta.toml"

    def run(self, announce: Callable[[str], None] = print) -> DemoResult:
        """Crawl day one, then day two, build the feeds; return what happened.

        The data folder must have been claimed first (warta.demo.folder.claim_demo_folder).
        """
        (self.data_dir / "feeds").mkdir(parents=True, exist_ok=True)
        self.site.start()
        has_browser = find_browser(None) is not None
        if not has_browser:
            announce(
                "no Chromium found: the demo skips its fourth source, agenda, whose pages are built by scripts "
                "in a browser (apt install chromium to include it)"
            )
        self.config_path.write_text(
            demo_config_text(self.site.url, self.data_dir, feeds_base_url=self.feeds_url, has_browser=has_browser),
            encoding="utf-8",
        )
        cfg = self.config()
        database = Database.from_config(cfg, create=True)
        try:
            crawls = LocalExecutor(database, lambda: cfg, CRAWL_TIMEOUT_SECONDS, limit_name=CRAWL_LIMIT_NAME)
            days = []
            for day in DEMO_DAYS:
                self.site.switch(day)
                announce(f"crawling the demo site as it is on {day.replace('day', 'day ')} ...")
                days.append((day, require_all_ran(crawls.crawl())))
            feeds = build_feeds(cfg, database)
        finally:
            database.dispose()
        return DemoResult(days, feeds, self.config_path, self.feeds_url, self.site.url)

    def config(self) -> WartaConfig:
        """Return the demo's config as written into the data folder."""
        return load_config(self.config_path, environ={})

    def close(self) -> None:
        """Stop the demo site."""
        if self.site.thread.is_alive():
            self.site.stop()


def require_all_ran(report: CrawlReport) -> CrawlReport:
    """Return the report, or raise CrawlProcessError naming each source that could not be crawled.

    The demo site is served on this machine: a source that did not run points at a fault the summary would hide.
    """
    failed = [f"{item.id}: {item.status} ({item.error})" for item in report.sources if not item.has_run]
    if failed:
        raise CrawlProcessError("; ".join(failed))
    return report
