"""A Scrapyd job carries everything a node needs to crawl one source: config, database, run; nothing else."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.conftest import write_config
from warta.config import load_config
from warta.config.secrets import reveal
from warta.crawler.scrapyd.job import DispatchedCrawl, JobArgumentError

CONFIG = """
[storage]
url = "postgresql+psycopg://warta@db.internal/warta"

[crawler]
download_delay = "250ms"
timezone = "Asia/Makassar"

[[sources]]
id = "kabar"
kind = "feed"
urls = ["https://kabar.example/rss.xml"]
language = "id"

[[sources]]
id = "other"
kind = "page"
urls = ["https://other.example/"]

[[topics]]
id = "festival"
title = "Festival"
any = ["festival"]
"""


def test_job_arguments_rebuild_the_source_the_crawler_settings_and_the_topics(tmp_path: Path) -> None:
    cfg = load_config(write_config(tmp_path, CONFIG), environ={})
    crawl = DispatchedCrawl(cfg, "kabar", 42, "postgresql+psycopg://warta@db.internal/warta")
    arguments = crawl.job_arguments()
    assert all(isinstance(value, str) for value in arguments.values())
    rebuilt = DispatchedCrawl.from_arguments(arguments)
    assert rebuilt.source == cfg.source("kabar")
    assert rebuilt.config.crawler == cfg.crawler
    assert rebuilt.config.topics == cfg.topics
    assert (rebuilt.run_id, reveal(rebuilt.config.storage.url)) == (42, "postgresql+psycopg://warta@db.internal/warta")
    # Only the crawled source travels: the node learns nothing about the others.
    assert [source.id for source in rebuilt.config.sources] == ["kabar"]
    assert "other.example" not in arguments["warta_config"]


def test_a_job_scheduled_by_hand_without_arguments_is_refused_saying_how_to_schedule() -> None:
    with pytest.raises(JobArgumentError, match="schedule warta crawls through the warta daemon"):
        DispatchedCrawl.from_arguments({"warta_run_id": "1"})


def test_a_job_with_an_unreadable_config_is_refused() -> None:
    arguments = {"warta_config": "{not json", "warta_database_url": "sqlite:///x.db", "warta_run_id": "1"}
    with pytest.raises(JobArgumentError, match="do not parse"):
        DispatchedCrawl.from_arguments(arguments)
