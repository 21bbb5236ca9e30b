"""The Scrapy settings of a crawl: Scrapy's servers stay out, and the fork server preloads every component."""

from __future__ import annotations

from scrapy.settings import Settings

from warta.config import WartaConfig
from warta.crawler.settings import SERVER_EXTENSIONS, component_modules, scrapy_settings


def crawl_settings() -> Settings:
    return Settings(scrapy_settings(WartaConfig.model_validate({})))


def test_scrapy_servers_are_not_among_a_crawls_extensions() -> None:
    # Scrapy imports every listed extension before asking whether it is enabled: the remote control's
    # module imports aiohttp's web server
    extensions = crawl_settings().getwithbase("EXTENSIONS")
    assert not set(SERVER_EXTENSIONS) & set(extensions)
    assert "scrapy.extensions.corestats.CoreStats" in extensions  # the rest of Scrapy's own are kept


def test_the_fork_server_preloads_the_module_of_every_component_a_crawl_loads_by_name() -> None:
    settings = crawl_settings()
    preloaded = set(component_modules())
    for name in ("DOWNLOADER_MIDDLEWARES", "SPIDER_MIDDLEWARES", "EXTENSIONS"):
        for path in settings.getwithbase(name):
            module = path.rpartition(".")[0]
            assert module.startswith("warta.") or module in preloaded, (name, path)
    for scheme in ("http", "https"):
        assert settings.getwithbase("DOWNLOAD_HANDLERS")[scheme].rpartition(".")[0] in preloaded
