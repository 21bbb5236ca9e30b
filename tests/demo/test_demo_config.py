"""The demo config: passes `warta config check`, four demo sources (one rendered in a browser), the shipped topics."""

from __future__ import annotations

import re
import tomllib
from pathlib import Path

from click.testing import CliRunner

from tests.conftest import write_config
from tests.demo.sitewalk import article_paths
from warta.cli.root import cli
from warta.config import load_config, parse_config
from warta.config.secrets import reveal
from warta.demo.config import demo_config_text

SITE_URL = "http://127.0.0.1:8765"


def test_demo_config_passes_warta_config_check(tmp_path: Path) -> None:
    path = write_config(tmp_path, demo_config_text(SITE_URL, tmp_path / "data"))
    result = CliRunner().invoke(cli, ["--config", str(path), "config", "check"])
    assert result.exit_code == 0, result.output
    assert "4 sources" in result.output


def test_demo_config_keeps_database_and_feeds_in_the_data_folder(tmp_path: Path) -> None:
    data_dir = tmp_path / "demo data"
    cfg = parse_config(tomllib.loads(demo_config_text(SITE_URL, data_dir)), base_dir=Path("/elsewhere"))
    assert reveal(cfg.storage.url) == f"sqlite:///{data_dir / 'warta.db'}"
    assert cfg.feeds.dir == data_dir / "feeds"


def test_demo_sources_are_a_listing_a_feed_and_a_sitemap_on_the_demo_site(tmp_path: Path) -> None:
    cfg = load_config(write_config(tmp_path, demo_config_text(SITE_URL + "/", tmp_path)))
    assert {(source.id, source.kind) for source in cfg.sources} == {
        ("disbud", "listing"),
        ("kabar", "feed"),
        ("portal", "sitemap"),
        ("agenda", "listing"),
    }
    assert cfg.source("agenda").render == "browser" and cfg.source("agenda").enabled
    assert all(url.startswith(SITE_URL + "/") and "//" not in url[7:] for s in cfg.sources for url in s.urls)
    assert cfg.source("disbud").follow and cfg.source("portal").follow


def test_demo_topics_include_the_shipped_jakarta_topics(tmp_path: Path) -> None:
    cfg = load_config(write_config(tmp_path, demo_config_text(SITE_URL, tmp_path)))
    topic_ids = {topic.id for topic in cfg.topics}
    assert {"jakarta-global-city", "wccf", "jakarta-500", "festivals", "museums", "heritage"} <= topic_ids
    assert all(topic.sources == [] for topic in cfg.topics)


def test_demo_follow_patterns_select_exactly_the_demo_articles(demo_site, tmp_path: Path) -> None:
    """A follow pattern starting with '/' matches the start of the URL path (config schema)."""
    cfg = load_config(write_config(tmp_path, demo_config_text(demo_site.url, tmp_path)))
    demo_site.switch("day2")
    for source_id, non_articles in (
        ("disbud", ["/disbud/berita/page/2/", "/disbud/profil", "/disbud/"]),
        ("portal", ["/portal/", "/portal/admin/"]),
    ):
        patterns = [re.compile(pattern) for pattern in cfg.source(source_id).follow]
        deny = [re.compile(pattern) for pattern in cfg.source(source_id).deny]
        for path in article_paths(demo_site.url, source_id):
            assert any(p.match(path) for p in patterns) and not any(d.match(path) for d in deny), path
        for path in non_articles:
            assert not any(p.match(path) for p in patterns) or any(d.match(path) for d in deny), path


def test_demo_config_without_a_browser_disables_the_rendered_source(tmp_path: Path) -> None:
    cfg = load_config(write_config(tmp_path, demo_config_text(SITE_URL, tmp_path, has_browser=False)))
    assert not cfg.source("agenda").enabled
    assert all(source.enabled for source in cfg.sources if source.id != "agenda")
