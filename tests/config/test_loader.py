"""Loading the config: file lookup, defaults, relative paths, environment overrides and masking."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest
from click.testing import CliRunner

from tests.conftest import write_config
from warta.cli.root import cli
from warta.config import ConfigError, load_config
from warta.config.durations import format_duration, parse_duration, parse_size
from warta.config.schedules import CronSchedule, IntervalSchedule, parse_schedule
from warta.config.secrets import mask_text, mask_url, reveal


def test_defaults_fill_every_section(tmp_path: Path) -> None:
    cfg = load_config(write_config(tmp_path, ""), environ={})
    assert cfg.crawler.concurrency == 8
    assert cfg.crawler.per_host_concurrency == 2
    assert cfg.crawler.download_delay == timedelta(seconds=1)
    assert cfg.crawler.max_page_bytes == 10_000_000
    assert cfg.crawler.timezone == "Asia/Jakarta"
    assert cfg.feeds.max_entries == 50
    assert cfg.daemon.crawl_timeout == timedelta(hours=1)
    assert cfg.crawler.user_agent.startswith("warta/")


def test_relative_paths_resolve_against_the_config_folder(tmp_path: Path) -> None:
    folder = tmp_path / "etc"
    folder.mkdir()
    cfg = load_config(write_config(folder, "[feeds]\ndir = 'out'\n"), environ={})
    assert reveal(cfg.storage.url) == f"sqlite:///{folder / 'warta.db'}"
    assert cfg.feeds.dir == folder / "out"


def test_config_path_comes_from_environment_when_not_given(tmp_path: Path) -> None:
    path = write_config(tmp_path, "[feeds]\ntitle_prefix = 'from-env'\n", name="elsewhere.toml")
    cfg = load_config(None, environ={"WARTA_CONFIG": str(path)})
    assert cfg.feeds.title_prefix == "from-env"


def test_environment_overrides_secrets(tmp_path: Path) -> None:
    environ = {
        "WARTA_STORAGE_URL": "postgresql://warta:s3cret@db.internal/warta",
        "WARTA_WEBHOOK_URL": "https://hooks.example.org/warta",
    }
    cfg = load_config(write_config(tmp_path, "[storage]\nurl = 'sqlite:///x.db'\n"), environ=environ)
    assert reveal(cfg.storage.url) == "postgresql+psycopg://warta:s3cret@db.internal/warta"
    assert reveal(cfg.daemon.webhook_url) == "https://hooks.example.org/warta"


def test_config_show_masks_every_password_in_a_url(tmp_path: Path) -> None:
    body = (
        "[storage]\nurl = 'postgresql+psycopg://warta:s3cret@db/warta'\n"
        "[daemon]\nwebhook_url = 'https://hook:hooksecret@hooks.example.org/warta'\n"
        "scrapyd_database_url = 'postgresql+psycopg://job:jobsecret@db/warta'\n"
    )
    path = write_config(tmp_path, body)
    result = CliRunner().invoke(cli, ["--config", str(path), "config", "show"], env={"WARTA_STORAGE_URL": ""})
    assert result.exit_code == 0, result.output
    for secret in ("s3cret", "hooksecret", "jobsecret"):
        assert secret not in result.output
    assert 'url = "postgresql+psycopg://warta:***@db/warta"' in result.output
    assert 'webhook_url = "https://hook:***@hooks.example.org/warta"' in result.output
    assert 'scrapyd_database_url = "postgresql+psycopg://job:***@db/warta"' in result.output
    assert "concurrency = 8" in result.output


def test_config_error_lists_file_and_problems(tmp_path: Path) -> None:
    with pytest.raises(ConfigError) as caught:
        load_config(write_config(tmp_path, "[crawler]\nconcurrency = -1\n"), environ={})
    assert caught.value.problems and "crawler.concurrency" in caught.value.problems[0]
    assert str(tmp_path) in str(caught.value)


@pytest.mark.parametrize(
    ("text", "seconds"),
    [("30s", 30), ("15m", 900), ("6h", 21600), ("14d", 14 * 86400), ("500ms", 0.5), (2.5, 2.5), (0, 0)],
    ids=["seconds", "minutes", "hours", "days", "milliseconds", "float", "zero"],
)
def test_duration_forms(text: object, seconds: float) -> None:
    assert parse_duration(text).total_seconds() == seconds


def test_duration_round_trips_through_its_short_form() -> None:
    assert format_duration(parse_duration("6h")) == "6h"
    assert format_duration(parse_duration(90)) == "90s"


@pytest.mark.parametrize(
    ("text", "size"), [(1024, 1024), ("10MB", 10_000_000), ("512KiB", 524_288)], ids=["int", "MB", "KiB"]
)
def test_size_forms(text: object, size: int) -> None:
    assert parse_size(text) == size


def test_schedules_parse_intervals_and_cron() -> None:
    assert parse_schedule("every 30m") == IntervalSchedule(timedelta(minutes=30))
    assert parse_schedule("every 1d") == IntervalSchedule(timedelta(days=1))
    assert parse_schedule("0  */6 * * *") == CronSchedule("0 */6 * * *")
    with pytest.raises(ValueError, match="not a schedule"):
        parse_schedule("hourly")


def test_masking_hides_passwords_but_keeps_the_rest() -> None:
    assert mask_url("postgresql+psycopg://u:pw@h:5432/d") == "postgresql+psycopg://u:***@h:5432/d"
    assert mask_url("sqlite:///x.db") == "sqlite:///x.db"
    assert (
        mask_text("error connecting to postgresql://u:pw@h/d now") == "error connecting to postgresql://u:***@h/d now"
    )
