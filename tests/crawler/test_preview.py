"""`warta preview` shows what a source would record, with skip reasons, and stores nothing."""

from __future__ import annotations

import os
import subprocess
import sys
import tomllib
from collections.abc import Iterator
from pathlib import Path

import pytest
import tomli_w

from warta.demo.config import DEMO_SITE, demo_config_text
from warta.demo.siteserver import SiteServer


@pytest.fixture(scope="module")
def demo_site() -> Iterator[SiteServer]:
    with SiteServer(DEMO_SITE) as site:
        yield site


def preview(config: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = {key: value for key, value in os.environ.items() if key != "WARTA_STORAGE_URL"}
    return subprocess.run(
        [sys.executable, "-m", "warta", "--config", str(config), "preview", *args],
        capture_output=True,
        text=True,
        timeout=120,
        env={**env, "COLUMNS": "200"},
    )


def test_preview_lists_pages_with_metadata_and_stores_nothing(demo_site: SiteServer, tmp_path: Path) -> None:
    config = tmp_path / "warta.toml"
    config.write_text(demo_config_text(demo_site.url, tmp_path))
    result = preview(config, "disbud", "--limit", "2")
    assert result.returncode == 0, result.stderr[-2000:]
    assert "disbud: 2 pages would be recorded" in result.stdout
    assert "Lebaran Betawi 2026 Digelar di Lapangan Banteng" in result.stdout
    assert "published 2026-11-20T03:00:00+00:00  language id" in result.stdout
    assert "topics: festivals" in result.stdout
    assert "over the article limit of this run" in result.stdout
    assert not (tmp_path / "warta.db").exists()


def test_preview_explains_pages_without_article_text(demo_site: SiteServer, tmp_path: Path) -> None:
    config = tmp_path / "warta.toml"
    document = tomllib.loads(demo_config_text(demo_site.url, tmp_path))
    # follow the short "profil" page too: it is fetched, then refused as too short to be an article
    document["sources"][0]["follow"] = ["/disbud/(berita/[^/?#]+|profil)$"]
    config.write_text(tomli_w.dumps(document))
    result = preview(config, "disbud", "--limit", "20")
    assert result.returncode == 0, result.stderr[-2000:]
    assert "/disbud/profil: too little text to be an article" in result.stdout


def test_preview_of_unknown_source_is_a_usage_error(demo_site: SiteServer, tmp_path: Path) -> None:
    config = tmp_path / "warta.toml"
    config.write_text(demo_config_text(demo_site.url, tmp_path))
    result = preview(config, "kompas")
    assert result.returncode == 2
    assert "unknown source id kompas; configured sources: disbud, kabar, portal" in result.stderr


def test_preview_of_a_site_that_is_down_is_one_line_with_the_url_and_the_reason(
    tmp_path: Path, refused_port: int
) -> None:
    down = f"http://127.0.0.1:{refused_port}/kabar/"
    config = tmp_path / "warta.toml"
    config.write_text(demo_config_text(down.removesuffix("/kabar/"), tmp_path))
    result = preview(config, "kabar")
    assert result.returncode == 1
    assert result.stdout == ""
    [line] = result.stderr.splitlines()  # not Scrapy's traceback of the robots.txt and page failures
    assert line.startswith("Error: cannot preview kabar: ")
    assert down in line and "Connection refused" in line


def test_verbose_preview_of_a_site_that_is_down_shows_the_crawl_log(tmp_path: Path, refused_port: int) -> None:
    # the negative control of the test above: the crawl does log the failures, for whoever asks with -v
    config = tmp_path / "warta.toml"
    config.write_text(demo_config_text(f"http://127.0.0.1:{refused_port}", tmp_path))
    env = {key: value for key, value in os.environ.items() if key != "WARTA_STORAGE_URL"}
    command = [sys.executable, "-m", "warta", "-v", "--config", str(config), "preview", "kabar"]
    result = subprocess.run(command, capture_output=True, text=True, timeout=120, env=env)
    assert result.returncode == 1
    assert "Gave up retrying" in result.stderr and "warta.crawler" in result.stderr
