"""The Scrapy settings of a crawl: Scrapy's servers stay out, and the fork server preloads every component."""

from __future__ import annotations

from scrapy.settings import Settings

from warta.config import WartaConfig
from warta.crawler.settings import SERVER_EXTENSIONS, component_modules, scrapy_settings


def test_scrapy_servers_are_not_among_a_crawls_extensions() -> None:
    # Scrapy imports every listed extension before asking whether it is enabled: the remote control's
    # module imports aiohttp's web server
    extensions = Settings(scrapy_settings(WartaConfig.model_validate({}))).getwithbase("EXTENSIONS")
    assert not set(SERVER_EXTENSIONS) & set(extensions)
    assert "scrapy.extensions.corestats.CoreStats" in extensions  # the rest of Scrapy's own are kept


def test_the_fork_server_preloads_the_module_of_every_component_a_crawl_loads_by_name() -> None:
    preloaded = set(component_modules())
    # Scrapy's own, warta's, one Scrapy loads though it is set to None, the HTTP handler and its TLS factory
    assert {
        "scrapy.downloadermiddlewares.retry",
        "scrapy.spidermiddlewares.depth",
        "scrapy.extensions.corestats",
        "warta.crawler.backoff",
        "warta.crawler.recorder",
        "scrapy.downloadermiddlewares.offsite",
        "scrapy.core.downloader.handlers.http11",
        "scrapy.core.downloader.contextfactory",
    } <= preloaded
    assert not {path.rpartition(".")[0] for path in SERVER_EXTENSIONS} & preloaded
