"""`warta config check` accepts the shipped config and names the key path of every broken one."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from click.testing import CliRunner

from tests.conftest import ROOT, write_config
from warta.cli.root import cli

EXAMPLE = ROOT / "config" / "warta.example.toml"

SOURCE = """
[[sources]]
id = "disbud"
kind = "listing"
urls = ["https://disbud.jakarta.go.id/berita"]
"""

BROKEN = [
    ("not-toml", "[storage\nurl = 1", "not valid TOML"),
    ("unknown-top-level", "[storrage]\nurl = 'sqlite:///x.db'", "storrage: unknown key (did you mean 'storage'?)"),
    ("unknown-key-typo", "[crawler]\nconcurency = 4", "crawler.concurency: unknown key (did you mean 'concurrency'?)"),
    ("bad-type", "[crawler]\nconcurrency = 'many'", "crawler.concurrency"),
    ("out-of-range", "[crawler]\nconcurrency = 0", "crawler.concurrency"),
    ("bad-bool", "[crawler]\nobey_robots = 'perhaps'", "crawler.obey_robots"),
    ("bad-duration", "[crawler]\ntimeout = '5 minutes'", "crawler.timeout: '5 minutes' is not a duration"),
    ("bad-size", "[crawler]\nmax_page_bytes = 'big'", "crawler.max_page_bytes: 'big' is not a size"),
    (
        "bad-timezone",
        "[crawler]\ntimezone = 'Asia/Jakarte'",
        "crawler.timezone: 'Asia/Jakarte' is not a known timezone",
    ),
    ("bad-db-scheme", "[storage]\nurl = 'mysql://db/warta'", "storage.url: unsupported database URL scheme 'mysql'"),
    (
        "bad-base-url",
        "[feeds]\nbase_url = 'feeds.example.org'",
        "feeds.base_url: 'feeds.example.org' is not an http(s) URL",
    ),
    ("bad-listen", "[daemon]\nlisten = 'localhost'", "daemon.listen: 'localhost' is not host:port"),
    (
        "bad-schedule",
        SOURCE + "schedule = 'every 6 hours'",
        "sources[0] (disbud).schedule: 'every 6 hours' is not a schedule; use an interval such as 'every 30m'",
    ),
    (
        "bad-cron",
        SOURCE + "schedule = '61 * * * *'",
        "sources[0] (disbud).schedule: '61 * * * *' is not a valid cron expression",
    ),
    ("bad-kind", SOURCE.replace('"listing"', '"rss"'), "sources[0] (disbud).kind = 'rss'"),
    (
        "bad-source-id",
        SOURCE.replace('"disbud"', '"Dinas Budaya"'),
        "sources[0] (Dinas Budaya).id: 'Dinas Budaya' is not a valid id",
    ),
    ("missing-urls", '[[sources]]\nid = "x"\nkind = "page"', "sources[0] (x).urls: required key is missing"),
    ("empty-urls", '[[sources]]\nid = "x"\nkind = "page"\nurls = []', "sources[0] (x).urls"),
    (
        "ftp-url",
        '[[sources]]\nid = "x"\nkind = "page"\nurls = ["ftp://x.org/a"]',
        "sources[0] (x).urls[0]: 'ftp://x.org/a' is not an http(s) URL",
    ),
    (
        "bad-follow-regex",
        SOURCE + "follow = ['/berita/(']",
        "sources[0] (disbud).follow[0]: '/berita/(' is not a valid regular expression",
    ),
    (
        "bad-deny-regex",
        SOURCE + "deny = ['*.pdf']",
        "sources[0] (disbud).deny[0]: '*.pdf' is not a valid regular expression",
    ),
    ("duplicate-source", SOURCE + SOURCE, "sources[1] (disbud).id: duplicate id 'disbud' (already used by sources[0])"),
    (
        "bad-expect-new",
        SOURCE + "expect_new_within = 'fortnight'",
        "sources[0] (disbud).expect_new_within: 'fortnight' is not a duration",
    ),
    ("empty-topic", '[[topics]]\nid = "t"\ntitle = "T"', "topics[0] (t): the topic has no terms"),
    ("blank-term", '[[topics]]\nid = "t"\ntitle = "T"\nany = [" "]', "topics[0] (t).any: a term is empty"),
    (
        "topic-unknown-source",
        SOURCE + '[[topics]]\nid = "t"\ntitle = "T"\nany = ["x"]\nsources = ["kompas"]',
        "topics[0] (t).sources[0]: unknown source 'kompas'; known sources: disbud",
    ),
    (
        "duplicate-topic",
        '[[topics]]\nid = "t"\ntitle = "T"\nany = ["a"]\n[[topics]]\nid = "t"\ntitle = "U"\nany = ["b"]',
        "topics[1] (t).id: duplicate id 't'",
    ),
    ("bad-snapshot-format", '[[snapshots]]\nid = "s"\nformat = "zip"', "snapshots[0] (s).format = 'zip'"),
    ("bad-snapshot-keep", '[[snapshots]]\nid = "s"\nformat = "jsonl"\nkeep = 0', "snapshots[0] (s).keep"),
    ("sources-not-a-list", '[sources]\nid = "x"', "sources"),
    (
        "wait-for-without-browser",
        SOURCE + "wait_for = 'article h1'",
        "sources[0] (disbud).wait_for: wait_for applies only to a rendered source; add render = 'browser'",
    ),
    ("bad-render", SOURCE + "render = 'chrome'", "sources[0] (disbud).render = 'chrome'"),
]


def run(config_path: Path, *args: str):
    return CliRunner().invoke(cli, ["--config", str(config_path), *args], env={"WARTA_STORAGE_URL": ""})


def test_shipped_example_config_is_valid(tmp_path: Path) -> None:
    result = run(EXAMPLE, "config", "check")
    assert result.exit_code == 0, result.output
    assert "config OK" in result.output


@pytest.mark.parametrize(("body", "expected"), [case[1:] for case in BROKEN], ids=[case[0] for case in BROKEN])
def test_broken_config_exits_2_naming_the_key(tmp_path: Path, body: str, expected: str) -> None:
    result = run(write_config(tmp_path, body), "config", "check")
    assert result.exit_code == 2, result.output
    assert expected in result.output


def test_every_problem_is_reported_at_once(tmp_path: Path) -> None:
    body = "[crawler]\nconcurency = 4\ntimeout = 'soon'\n" + SOURCE + "schedule = 'hourly'\n"
    result = run(write_config(tmp_path, body), "config", "check")
    assert result.exit_code == 2
    for key in ("crawler.concurency", "crawler.timeout", "sources[0] (disbud).schedule"):
        assert key in result.output


def test_missing_config_file_says_how_to_create_one(tmp_path: Path) -> None:
    result = run(tmp_path / "absent.toml", "config", "check")
    assert result.exit_code == 2
    assert "create one with `warta init`" in result.output
    assert "warta.example.toml" not in result.output  # only a checkout has that path


def test_unwritable_feed_dir_is_a_config_error(tmp_path: Path) -> None:
    if os.geteuid() == 0:
        blocker = tmp_path / "file"
        blocker.write_text("not a folder")
        body = f"[feeds]\ndir = '{blocker}/public'"
    else:  # pragma: no cover - only when the suite runs unprivileged
        locked = tmp_path / "locked"
        locked.mkdir(mode=0o500)
        body = f"[feeds]\ndir = '{locked}/public'"
    result = run(write_config(tmp_path, body), "config", "check")
    assert result.exit_code == 2
    assert "feeds.dir" in result.output


def test_valid_minimal_config_passes(tmp_path: Path) -> None:
    result = run(write_config(tmp_path, SOURCE), "config", "check")
    assert result.exit_code == 0, result.output
    assert "1 sources" in result.output
    assert "warning" not in result.output  # the negative control of the empty-config warning below


def test_an_entry_is_named_by_its_index_and_its_id(tmp_path: Path) -> None:
    second = '[[sources]]\nid = "kabar"\nkind = "page"\nurls = ["https://kabar.example/"]\nschedule = "often"\n'
    result = run(write_config(tmp_path, SOURCE + second), "config", "check")
    assert result.exit_code == 2
    assert "sources[1] (kabar).schedule: 'often' is not a schedule" in result.output


@pytest.mark.parametrize("body", ["", "[crawler]\nconcurrency = 2\n"], ids=["empty-file", "no-sources"])
def test_a_config_without_sources_passes_with_a_warning(tmp_path: Path, body: str) -> None:
    result = run(write_config(tmp_path, body), "config", "check")
    assert result.exit_code == 0, result.output
    assert "warning: no source is defined, so nothing will be crawled; add a [[sources]] table" in result.stderr
    assert "config OK" in result.stdout


DUPLICATES = [
    ("table-key", "[crawler]\nconcurrency = 2\nconcurrency = 4\n", "crawler.concurrency is set twice (lines 2 and 3)"),
    (
        "entry-key",
        SOURCE + '[[sources]]\nid = "kabar"\nschedule = "every 1h"\nschedule = "every 2h"\n',
        "sources[1] (kabar).schedule is set twice (lines 8 and 9)",
    ),
    (
        "table-twice",
        "[crawler]\n[storage]\nurl = 'a'\n[crawler]\n",
        "table [crawler] is declared twice (lines 1 and 4)",
    ),
]


@pytest.mark.parametrize(("body", "expected"), [case[1:] for case in DUPLICATES], ids=[case[0] for case in DUPLICATES])
def test_a_key_set_twice_names_the_table_and_the_key(tmp_path: Path, body: str, expected: str) -> None:
    result = run(write_config(tmp_path, body), "config", "check")
    assert result.exit_code == 2
    assert expected in result.output
    assert "Cannot overwrite" not in result.output


def test_a_browser_source_without_chromium_is_refused_naming_the_key(tmp_path: Path) -> None:
    body = f'[crawler]\nbrowser_path = "{tmp_path}/no-chromium"\n' + SOURCE + 'render = "browser"\n'
    result = run(write_config(tmp_path, body), "config", "check")
    assert result.exit_code == 2
    assert "sources[0] (disbud).render = 'browser' needs Chromium" in result.output
    assert "browser_path" in result.output and "apt install chromium" in result.output


def test_a_browser_source_with_an_executable_browser_passes(tmp_path: Path) -> None:
    browser = tmp_path / "chromium"
    browser.write_text("#!/bin/sh\n")
    browser.chmod(0o755)
    body = f'[crawler]\nbrowser_path = "{browser}"\n' + SOURCE + 'render = "browser"\n'
    result = run(write_config(tmp_path, body), "config", "check")
    assert result.exit_code == 0, result.output
