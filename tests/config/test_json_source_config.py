"""`kind = "json"` and `allowed_domains` in warta.toml: `config check` validates the mapping and the hosts."""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner

from tests.conftest import write_config
from warta.cli.root import cli
from warta.config import load_config
from warta.config.handoff import crawl_config_json, parse_crawl_config

JSON_SOURCE = """
[[sources]]
id = "api"
kind = "json"
urls = ["https://disbud.jakarta.go.id/api/berita?page=1"]
allowed_domains = ["CDN.Jakarta.go.id"]

[sources.json]
items = "data.items"
url = "links.self"
title = "title"
published = "published_at"
body = "content.html"
next_page = "?page"
"""


def run(config_path: Path, *args: str):
    return CliRunner().invoke(cli, ["--config", str(config_path), *args], env={"WARTA_STORAGE_URL": ""})


def test_a_json_source_with_its_mapping_is_valid(tmp_path: Path) -> None:
    path = write_config(tmp_path, JSON_SOURCE)
    result = run(path, "config", "check")
    assert result.exit_code == 0, result.output
    source = load_config(path).source("api")
    assert source.json_mapping is not None
    assert (source.json_mapping.items, source.json_mapping.next_page) == ("data.items", "?page")
    assert source.allowed_domains == ["cdn.jakarta.go.id"]


def test_config_show_writes_the_mapping_back_as_sources_json(tmp_path: Path) -> None:
    result = run(write_config(tmp_path, JSON_SOURCE), "config", "show")
    assert result.exit_code == 0, result.output
    assert "[sources.json]" in result.output
    assert 'body = "content.html"' in result.output
    assert "json_mapping" not in result.output


def test_the_mapping_reaches_a_crawl_through_the_handoff(tmp_path: Path) -> None:
    cfg = load_config(write_config(tmp_path, JSON_SOURCE))
    handed = parse_crawl_config(crawl_config_json(cfg, cfg.sources), "sqlite:///x.db")
    assert handed.source("api").json_mapping == cfg.source("api").json_mapping
    assert handed.source("api").allowed_domains == ["cdn.jakarta.go.id"]


BROKEN = [
    (
        "json-without-mapping",
        '[[sources]]\nid = "api"\nkind = "json"\nurls = ["https://x.org/api"]',
        'sources[0] (api): kind = "json" needs a [sources.json] table',
    ),
    (
        "mapping-on-a-listing",
        JSON_SOURCE.replace('kind = "json"', 'kind = "listing"'),
        'sources[0] (api): a [sources.json] table only applies to kind = "json"',
    ),
    (
        "bad-jmespath",
        JSON_SOURCE.replace('title = "title"', 'title = "title["'),
        "sources[0] (api).json.title: 'title[' is not a JMESPath expression",
    ),
    (
        "missing-required-mapping-key",
        JSON_SOURCE.replace('published = "published_at"\n', ""),
        "sources[0] (api).json.published: required key is missing",
    ),
    (
        "misspelt-mapping-key",
        JSON_SOURCE.replace("body =", "bdy ="),
        "sources[0] (api).json.bdy: unknown key (did you mean 'body'?)",
    ),
    (
        "bad-next-page-parameter",
        JSON_SOURCE.replace('next_page = "?page"', 'next_page = "?page number"'),
        "sources[0] (api).json.next_page: '?page number' is not a query parameter to count up",
    ),
    (
        "allowed-domain-with-scheme",
        JSON_SOURCE.replace('"CDN.Jakarta.go.id"', '"https://cdn.jakarta.go.id/"'),
        "sources[0] (api).allowed_domains[0]: 'https://cdn.jakarta.go.id/' is not a host name",
    ),
]


@pytest.mark.parametrize(("body", "expected"), [case[1:] for case in BROKEN], ids=[case[0] for case in BROKEN])
def test_a_broken_json_source_exits_2_naming_the_key(tmp_path: Path, body: str, expected: str) -> None:
    result = run(write_config(tmp_path, body), "config", "check")
    assert result.exit_code == 2, result.output
    assert expected in result.output
