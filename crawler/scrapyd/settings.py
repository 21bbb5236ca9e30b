"""Scrapy settings module of the project deployed to Scrapyd (`warta deploy`).

The defaults of [crawler] apply until the entry spider replaces them with the
job's own; Scrapyd's job log keeps Scrapy's records (the root handler stays on).
"""

from __future__ import annotations

from warta.config import WartaConfig
from warta.crawler.settings import scrapy_settings

globals().update(scrapy_settings(WartaConfig()))

BOT_NAME = "warta"
SPIDER_MODULES = ["warta.crawler.scrapyd.spider"]
NEWSPIDER_MODULE = "warta.crawler.scrapyd.spider"
LOG_INSTALL_ROOT_HANDLER = True
LOG_LEVEL = "INFO"
