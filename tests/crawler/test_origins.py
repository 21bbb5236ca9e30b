"""A source's crawl stays on its own origins (scheme, host, port) plus its `allowed_domains`, for links and redirects.

Four servers: the source's own (127.0.0.1:P1), the same host on another port (127.0.0.1:P2),
another loopback address (127.0.0.2) and a host one source allows (127.0.0.3). The source
`strict` links and redirects to the second and third; `opened` links and redirects to the
fourth, which its `allowed_domains` names. One crawl runs both.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from tests.child_crawl import crawl_in_child
from tests.conftest import write_config
from tests.crawler.fixture_sites import snapshot
from warta.crawler.report import CrawlReport
from warta.demo.siteserver import SiteServer
from warta.storage.database import Database
from warta.storage.runs import run_errors

TEXT = (
    "Dinas Kebudayaan DKI Jakarta menggelar pertunjukan seni Betawi di Taman Ismail Marzuki pada akhir pekan. "
    "Acara ini menampilkan ondel-ondel, lenong, gambang kromong dan tari topeng bagi warga dan wisatawan, "
    "sebagai bagian dari rangkaian menuju lima abad Jakarta pada tahun 2027."
)


def page(title: str, body: str) -> str:
    head = f'<head><meta charset="utf-8"><title>{title}</title></head>'
    return f'<!doctype html><html lang="id">{head}<body>{body}</body></html>'


def article(title: str) -> str:
    return page(
        title, f"<article><h1>{title}</h1><p>23 November 2026 | 14:05 WIB</p><p>{TEXT}</p><p>{TEXT}</p></article>"
    )


def write_site(folder: Path, articles: dict[str, str], listings: dict[str, list[str]], redirects: str = "") -> None:
    day = folder / "day1"
    for path, title in articles.items():
        target = day / (path.lstrip("/") + ".html")
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(article(title), encoding="utf-8")
    for path, links in listings.items():
        target = day / path.strip("/") / "index.html"
        target.parent.mkdir(parents=True, exist_ok=True)
        items = "".join(f'<li><a href="{link}">{link}</a></li>' for link in links)
        target.write_text(page("Berita", f"<h1>Berita</h1><ul>{items}</ul>"), encoding="utf-8")
    day.mkdir(parents=True, exist_ok=True)
    (day / "_redirects").write_text(redirects, encoding="utf-8")


@dataclass
class OriginCrawl:
    own: SiteServer
    same_host: SiteServer
    other_address: SiteServer
    allowed: SiteServer
    report: CrawlReport
    documents: list[dict[str, object]]
    errors: dict[str, list[tuple[str, str]]]
    seen: dict[str, list[str]]  # the paths each server was asked for in the first crawl
    # a second crawl of `opened` once its allowed_domains is gone: what the allowed host saw, its errors
    narrowed_paths: list[str]
    narrowed_errors: list[tuple[str, str]]


@pytest.fixture(scope="module")
def origin_crawl(tmp_path_factory: pytest.TempPathFactory) -> Iterator[OriginCrawl]:
    root = tmp_path_factory.mktemp("origins")
    servers = {
        "own": SiteServer(root / "own"),
        "same_host": SiteServer(root / "same_host"),
        "other_address": SiteServer(root / "other_address", host="127.0.0.2"),
        "allowed": SiteServer(root / "allowed", host="127.0.0.3"),
    }
    same_host, other_address, allowed = (servers[name].url for name in ("same_host", "other_address", "allowed"))
    write_site(
        root / "own",
        {"/berita/lokal": "Berita lokal", "/lain/lokal": "Berita lain lokal"},
        {
            "/berita/": [
                "/berita/lokal",
                f"{same_host}/berita/port",
                f"{other_address}/berita/alamat",
                "/berita/pindah-port",
                "/berita/pindah-alamat",
            ],
            "/lain/": ["/lain/lokal", f"{allowed}/lain/diizinkan", "/lain/pindah"],
        },
        redirects=(
            f"/berita/pindah-port 301 {same_host}/berita/port\n"
            f"/berita/pindah-alamat 302 {other_address}/berita/alamat\n"
            f"/lain/pindah 301 {allowed}/lain/tujuan\n"
        ),
    )
    write_site(root / "same_host", {"/berita/port": "Berita di port lain"}, {})
    write_site(root / "other_address", {"/berita/alamat": "Berita di alamat lain"}, {})
    write_site(root / "allowed", {"/lain/diizinkan": "Berita diizinkan", "/lain/tujuan": "Berita tujuan"}, {})
    for server in servers.values():
        server.start()
    db_url = f"sqlite:///{tmp_path_factory.mktemp('db') / 'warta.db'}"
    own = servers["own"].url
    config = f"""
[storage]
url = "{db_url}"

[crawler]
download_delay = "0s"
timeout = "10s"

[[sources]]
id = "strict"
kind = "listing"
urls = ["{own}/berita/"]
follow = ["/berita/"]
max_pages = 1

[[sources]]
id = "opened"
kind = "listing"
urls = ["{own}/lain/"]
follow = ["/lain/"]
max_pages = 1
allowed_domains = ["127.0.0.3"]
"""
    try:
        config_path = write_config(tmp_path_factory.mktemp("config"), config)
        report = crawl_in_child(config_path, None, timeout_seconds=120)
        errors = crawl_errors(db_url, report)
        seen = {name: paths(server) for name, server in servers.items()}
        servers["allowed"].clear_log()
        config_path.write_text(config.replace('allowed_domains = ["127.0.0.3"]', ""), encoding="utf-8")
        narrowed = crawl_in_child(config_path, ["opened"], timeout_seconds=120)
        narrowed_paths = paths(servers["allowed"])
        yield OriginCrawl(
            servers["own"],
            servers["same_host"],
            servers["other_address"],
            servers["allowed"],
            report,
            snapshot(db_url),
            errors,
            seen,
            narrowed_paths,
            crawl_errors(db_url, narrowed)["opened"],
        )
    finally:
        for server in servers.values():
            server.stop()


def crawl_errors(db_url: str, report: CrawlReport) -> dict[str, list[tuple[str, str]]]:
    database = Database(db_url)
    try:
        with database.reading() as session:
            return {s.id: run_errors(session, s.run_id) if s.run_id else [] for s in report.sources}
    finally:
        database.dispose()


def paths(server: SiteServer) -> list[str]:
    return [entry.path for entry in server.requests]


def test_no_request_leaves_the_source_origins_not_even_robots_txt(origin_crawl: OriginCrawl) -> None:
    assert paths(origin_crawl.same_host) == []
    assert paths(origin_crawl.other_address) == []
    # the source's own origin was crawled: the check above is not vacuous
    assert "/berita/pindah-port" in origin_crawl.seen["own"] and "/robots.txt" in origin_crawl.seen["own"]


def test_an_off_origin_redirect_is_a_page_error_naming_its_target(origin_crawl: OriginCrawl) -> None:
    errors = dict(origin_crawl.errors["strict"])
    own, same_host, other = origin_crawl.own.url, origin_crawl.same_host.url, origin_crawl.other_address.url
    assert f"redirected to {same_host}/berita/port" in errors[f"{own}/berita/pindah-port"]
    assert f"redirected to {other}/berita/alamat" in errors[f"{own}/berita/pindah-alamat"]
    assert "allowed_domains" in errors[f"{own}/berita/pindah-port"]
    strict = [doc["canonical_url"] for doc in origin_crawl.documents if doc["source"] == "strict"]
    assert strict == [f"{own}/berita/lokal"]
    assert origin_crawl.report.source("strict").status == "ok"


def test_allowed_domains_open_a_host_for_links_and_redirects(origin_crawl: OriginCrawl) -> None:
    allowed = origin_crawl.allowed.url
    opened = {doc["canonical_url"] for doc in origin_crawl.documents if doc["source"] == "opened"}
    assert opened == {f"{origin_crawl.own.url}/lain/lokal", f"{allowed}/lain/diizinkan", f"{allowed}/lain/tujuan"}
    assert {"/robots.txt", "/lain/diizinkan", "/lain/tujuan"} <= set(origin_crawl.seen["allowed"])
    assert origin_crawl.errors["opened"] == []


def test_documents_outside_the_origins_now_are_kept_but_not_revisited(origin_crawl: OriginCrawl) -> None:
    allowed = origin_crawl.allowed.url
    assert origin_crawl.narrowed_paths == []
    assert origin_crawl.narrowed_errors == []
    # they were archived by the first crawl, and nothing removes them
    assert f"{allowed}/lain/diizinkan" in {doc["canonical_url"] for doc in origin_crawl.documents}
