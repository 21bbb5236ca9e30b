"""Page requisites in the config: off by default, on for the crawl or per source, a per-page byte budget."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.conftest import write_config
from warta.config import ConfigError, load_config


def source_budget(tmp_path: Path, crawler: str, source: str) -> int | None:
    body = f"""
[crawler]
{crawler}

[[sources]]
id = "sanggar"
kind = "page"
urls = ["https://sanggar.example/tentang"]
{source}
"""
    cfg = load_config(write_config(tmp_path, body), environ={})
    return cfg.source_requisites_max_bytes(cfg.source("sanggar"))


@pytest.mark.parametrize(
    ("crawler", "source", "budget"),
    [
        ("", "", None),
        ("capture_requisites = true", "", 5_000_000),
        ('capture_requisites = true\nrequisites_max_bytes = "2MB"', "", 2_000_000),
        ("capture_requisites = true", "capture_requisites = false", None),
        ("", "capture_requisites = true", 5_000_000),
    ],
    ids=["off-by-default", "on-for-the-crawl", "own-budget", "source-turns-off", "source-turns-on"],
)
def test_source_setting_overrides_the_crawler_setting(
    tmp_path: Path, crawler: str, source: str, budget: int | None
) -> None:
    assert source_budget(tmp_path, crawler, source) == budget


def test_budget_of_nothing_is_refused_with_the_key(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="requisites_max_bytes"):
        source_budget(tmp_path, "requisites_max_bytes = 0", "")
