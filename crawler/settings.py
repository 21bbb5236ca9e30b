"""Scrapy settings built from warta's [crawler] config: politeness, limits, retries and our middlewares."""

from __future__ import annotations

from typing import Any

from scrapy.settings import Settings
from scrapy.settings.default_settings import EXTENSIONS_BASE

from warta.config import WartaConfig

RETRY_HTTP_CODES = [408, 429, 500, 502, 503, 504, 522, 524]
MAX_AUTOTHROTTLE_DELAY_SECONDS = 60.0
# Scrapy's servers, disabled by their settings below, are also left out of its extensions: Scrapy
# imports every extension it lists before asking whether it is enabled, and the remote control's
# module imports aiohttp's web server, 0.2 CPU-seconds at the start of every crawl.
SERVER_EXTENSIONS = ("scrapy.extensions.remote_control.RemoteControl", "scrapy.extensions.telnet.TelnetConsole")


def scrapy_settings(cfg: WartaConfig) -> dict[str, Any]:
    """Return the Scrapy settings of a crawl with this config."""
    crawler = cfg.crawler
    delay = crawler.download_delay.total_seconds()
    return {
        "BOT_NAME": "warta",
        "USER_AGENT": crawler.user_agent,
        "ROBOTSTXT_OBEY": crawler.obey_robots,
        "CONCURRENT_REQUESTS": crawler.concurrency,
        "CONCURRENT_REQUESTS_PER_DOMAIN": crawler.per_host_concurrency,
        # Scrapy starts this many tasks for the output of every callback; ours record pages themselves and
        # yield only requests, so one is enough (the default of 100 cost ~2 ms of CPU per response)
        "CONCURRENT_ITEMS": 1,
        "DOWNLOAD_DELAY": delay,
        # AutoThrottle adapts the per-host delay to the server's latency; with no delay
        # configured (tests, local mirrors) it would only slow the crawl down.
        "AUTOTHROTTLE_ENABLED": delay > 0,
        "AUTOTHROTTLE_START_DELAY": max(delay, 0.1),
        "AUTOTHROTTLE_MAX_DELAY": max(MAX_AUTOTHROTTLE_DELAY_SECONDS, delay),
        "AUTOTHROTTLE_TARGET_CONCURRENCY": float(crawler.per_host_concurrency),
        "DOWNLOAD_TIMEOUT": crawler.timeout.total_seconds(),
        # Scrapy enforces DOWNLOAD_MAXSIZE on the received stream and again after decompression.
        "DOWNLOAD_MAXSIZE": crawler.max_page_bytes,
        "DOWNLOAD_WARNSIZE": 0,
        "RETRY_ENABLED": True,
        "RETRY_TIMES": 2,
        "RETRY_HTTP_CODES": RETRY_HTTP_CODES,
        "WARTA_RETRY_BACKOFF_SECONDS": 0.5,
        "WARTA_MAX_RETRY_AFTER": min(120.0, crawler.timeout.total_seconds() * 4),
        # the [dedup] thresholds the recorder clusters near-duplicates with (crawler.recorder)
        "WARTA_DEDUP": cfg.dedup.model_dump(),
        "COOKIES_ENABLED": False,
        # Neither Scrapy's telnet console nor its remote-control server (an HTTP endpoint on localhost
        # that runs Python code sent to it) may listen while a crawl runs.
        "TELNETCONSOLE_ENABLED": False,
        "REMOTE_CONTROL_ENABLED": False,
        "LOGSTATS_INTERVAL": 0,
        # warta configures logging (warta.cli.logs); Scrapy's records go through it.
        "LOG_INSTALL_ROOT_HANDLER": False,
        # The spiders deduplicate by canonical URL themselves, and a redirect back to a
        # URL seen before must still be followed to learn where a page moved.
        "DUPEFILTER_CLASS": "scrapy.dupefilters.BaseDupeFilter",
        "TWISTED_REACTOR": "twisted.internet.asyncioreactor.AsyncioSelectorReactor",
        "EXTENSIONS_BASE": extensions_base(),  # without the two servers (SERVER_EXTENSIONS)
        # The recorder opens and settles the source's run; it records only when the crawl's settings
        # name a database (crawler.recorder.recorder_settings).
        "EXTENSIONS": {"warta.crawler.recorder.SourceRecorder": 0},
        "DOWNLOADER_MIDDLEWARES": {
            # Links are filtered by crawler.links (origins, follow/deny patterns); every request, a
            # redirect's too, is kept on the source's origins before robots.txt (100) is consulted.
            "scrapy.downloadermiddlewares.offsite.OffsiteMiddleware": None,
            "warta.crawler.origins.OriginMiddleware": 50,
            "warta.crawler.backoff.BackoffMiddleware": 560,
            "warta.crawler.conditional.ConditionalRequestMiddleware": 570,
            "warta.crawler.capturing.CaptureMiddleware": 950,
        },
    }


def extensions_base() -> dict[str, int]:
    """Return Scrapy's own extensions without its telnet console and remote control."""
    return {path: order for path, order in EXTENSIONS_BASE.items() if path not in SERVER_EXTENSIONS}


def component_modules() -> list[str]:
    """Return the modules of the components a crawl's settings name: middlewares, extensions, the HTTP handler.

    Scrapy imports each by name when a crawl starts, even those set to None (a fifth of a second, a
    third of it the TLS context factory of the HTTP handler), so the crawl fork server imports them
    once for all its children (warta.cli.fork_server). The lists do not depend on the config.
    """
    settings = Settings(scrapy_settings(WartaConfig.model_validate({})))
    handlers = settings.getwithbase("DOWNLOAD_HANDLERS")
    paths = [
        *settings.getwithbase("DOWNLOADER_MIDDLEWARES"),
        *settings.getwithbase("SPIDER_MIDDLEWARES"),
        *settings.getwithbase("EXTENSIONS"),
        handlers["http"],
        handlers["https"],
        "scrapy.core.downloader.contextfactory.ScrapyClientContextFactory",
    ]
    return sorted({path.rpartition(".")[0] for path in paths})
