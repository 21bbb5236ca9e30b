"""`warta discover`: finds feeds, sitemaps and listings of sites served on 127.0.0.1, and prints a usable source."""

from __future__ import annotations

import re
import subprocess
import sys
import tomllib
from collections.abc import Iterator
from pathlib import Path

import pytest
from click.testing import CliRunner

from tests.conftest import write_config
from warta.cli.root import cli
from warta.crawler.discovery import discover
from warta.crawler.probe import Prober, parse_xml
from warta.crawler.safexml import UnsafeXmlError
from warta.crawler.source_block import follow_patterns, source_id, suggest_source
from warta.demo.config import DEMO_SITE
from warta.demo.siteserver import SiteServer

USER_AGENT = "warta-discovery-test/1 (+https://example.org/contact)"


def page(title: str, body: str, head: str = "", lang: str = "id") -> str:
    return (
        f'<!DOCTYPE html><html lang="{lang}"><head><title>{title}</title>{head}</head>'
        f"<body><nav><a href='/'>Beranda</a> <a href='/tentang'>Tentang</a></nav>{body}"
        "<footer><a href='https://www.instagram.com/'>Instagram</a></footer></body></html>"
    )


def articles(folder: Path, prefix: str, slugs: list[str]) -> str:
    """Write article pages under `folder/prefix` and return anchors linking them."""
    (folder / prefix).mkdir(parents=True, exist_ok=True)
    for slug in slugs:
        (folder / prefix / f"{slug}.html").write_text(page(slug, "<article><p>Isi berita.</p></article>"))
    return "".join(f'<a href="/{prefix}/{slug}">{slug}</a> ' for slug in slugs)


SLUGS = ["festival-budaya-betawi-dibuka", "museum-kota-tua-buka-malam", "pameran-batik-lintas-generasi"]


def feed_site(root: Path) -> None:
    day = root / "day1"
    links = articles(day, "berita", SLUGS)
    head = (
        '<link rel="alternate" type="application/rss+xml" title="Berita" href="/ekspor/berita-terbaru.xml">'
        # a link that claims to be a feed but answers HTML: it must be dropped
        '<link rel="alternate" type="application/atom+xml" href="/bukan-feed.html">'
    )
    day.joinpath("index.html").write_text(page("Kabar Contoh", links, head))
    day.joinpath("bukan-feed.html").write_text(page("Bukan feed", "<p>halaman biasa</p>"))
    items = "".join(f"<item><title>{slug}</title><link>{{{{site_url}}}}/berita/{slug}</link></item>" for slug in SLUGS)
    (day / "ekspor").mkdir()
    (day / "ekspor" / "berita-terbaru.xml").write_text(
        f'<?xml version="1.0"?><rss version="2.0"><channel><title>Kabar Contoh</title>{items}</channel></rss>'
    )


def sitemap_site(root: Path) -> None:
    day = root / "day1"
    day.mkdir(parents=True)
    day.joinpath("index.html").write_text(page("Portal Contoh", "<p>Selamat datang.</p>"))
    # /feed is disallowed: discovery must not even probe it
    day.joinpath("robots.txt").write_text(
        "User-agent: *\nDisallow: /feed\n\nSitemap: {{site_url}}/peta/indeks-situs.xml\n"
    )
    (day / "peta").mkdir()
    (day / "peta" / "indeks-situs.xml").write_text(
        '<?xml version="1.0"?><sitemapindex xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">'
        "<sitemap><loc>{{site_url}}/peta/artikel-1.xml</loc></sitemap></sitemapindex>"
    )
    urls = "".join(
        f"<url><loc>{{{{site_url}}}}/artikel/2026/11/{slug}</loc><lastmod>2026-11-2{i}</lastmod></url>"
        for i, slug in enumerate(SLUGS)
    )
    (day / "peta" / "artikel-1.xml").write_text(
        f'<?xml version="1.0"?><urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">{urls}</urlset>'
    )
    (day / "feed.html").write_text(page("forbidden", "<p>robots.txt says no</p>"))


def listing_site(root: Path) -> None:
    day = root / "day1"
    day.mkdir(parents=True)
    day.joinpath("index.html").write_text(page("Dinas Contoh", '<a href="/agenda/">Agenda</a>'))
    links = articles(day, "agenda", [*SLUGS, "lomba-ondel-ondel-pelajar-2026"])
    (day / "agenda" / "index.html").write_text(
        page("Agenda", links + '<a href="/agenda/page/2/">Berikutnya</a> <a href="/tentang">Tentang</a>')
    )


@pytest.fixture
def serve(tmp_path: Path) -> Iterator[object]:
    servers: list[SiteServer] = []

    def start(build: object) -> SiteServer:
        root = tmp_path / getattr(build, "__name__", "site")
        build(root)  # type: ignore[operator]
        server = SiteServer(root).start()
        servers.append(server)
        return server

    yield start
    for server in servers:
        server.stop()


def run_discover(url: str, config: Path | None = None) -> tuple[int, str]:
    """Return the exit code and the standard output (the block) of `warta discover`; logs go to stderr."""
    args = ["--config", str(config)] if config else []
    result = CliRunner().invoke(cli, [*args, "discover", url])
    return result.exit_code, result.stdout if result.exit_code == 0 else result.output


def test_feed_announced_by_link_rel_alternate_is_chosen(serve) -> None:
    site = serve(feed_site)
    found = discover(site.url + "/", Prober(USER_AGENT, 5))
    assert [feed.url for feed in found.feeds] == [site.url + "/ekspor/berita-terbaru.xml"]
    assert len(found.feeds[0].entry_links) == 3
    source = suggest_source(found)
    assert (source["kind"], source["urls"], source["language"]) == (
        "feed",
        [site.url + "/ekspor/berita-terbaru.xml"],
        "id",
    )


def test_sitemap_named_only_in_robots_txt_is_found_and_followed(serve) -> None:
    site = serve(sitemap_site)
    found = discover(site.url + "/", Prober(USER_AGENT, 5))
    assert found.feeds == []
    assert [(s.url, s.is_index, len(s.page_urls)) for s in found.sitemaps] == [
        (site.url + "/peta/indeks-situs.xml", True, 3)
    ]
    source = suggest_source(found)
    assert source["kind"] == "sitemap"
    assert source["follow"] == [r"/artikel/\d{4}/\d{2}/[^/?#]+$"]
    requested = {entry.path for entry in site.requests}
    assert "/robots.txt" in requested
    assert "/feed" not in requested  # disallowed by robots.txt
    assert all(entry.headers.get("User-Agent") == USER_AGENT for entry in site.requests)


def test_listing_is_found_through_a_section_link(serve) -> None:
    site = serve(listing_site)
    found = discover(site.url + "/", Prober(USER_AGENT, 5))
    assert (found.feeds, found.sitemaps) == ([], [])
    assert found.listings[0].url == site.url + "/agenda/"
    assert len(found.listings[0].article_links) == 4
    source = suggest_source(found)
    assert (source["kind"], source["urls"]) == ("listing", [site.url + "/agenda/"])
    pattern = re.compile(source["follow"][0])
    assert pattern.match("/agenda/museum-kota-tua-buka-malam")
    assert not pattern.match("/agenda/page/2/")  # pagination is not an article
    assert not pattern.match("/tentang")


@pytest.mark.parametrize("build", [feed_site, sitemap_site, listing_site], ids=["feed", "sitemap", "listing"])
def test_printed_block_parses_and_passes_config_check(serve, tmp_path: Path, build) -> None:
    site = serve(build)
    exit_code, output = run_discover(site.url + "/")
    assert exit_code == 0, output
    parsed = tomllib.loads(output)
    assert len(parsed["sources"]) == 1
    config = write_config(tmp_path, output, name="discovered.toml")
    check = CliRunner().invoke(cli, ["--config", str(config), "config", "check"])
    assert check.exit_code == 0, check.output
    assert "1 sources" in check.output


def test_discover_uses_the_configured_user_agent(serve, tmp_path: Path) -> None:
    site = serve(feed_site)
    config = write_config(tmp_path, '[crawler]\nuser_agent = "warta-from-config/2 (+https://example.org)"\n')
    exit_code, _output = run_discover(site.url + "/", config)
    assert exit_code == 0
    assert {entry.headers.get("User-Agent") for entry in site.requests} == {
        "warta-from-config/2 (+https://example.org)"
    }


@pytest.mark.parametrize(
    ("path", "kind", "follow"),
    [
        ("/kabar/", "feed", None),
        ("/portal/", "sitemap", ["/portal/artikel/[^/?#]+$", "/portal/en/news/[^/?#]+$"]),
        ("/disbud/", "listing", ["/disbud/berita/[^/?#]+$"]),
    ],
    ids=["kabar", "portal", "disbud"],
)
def test_demo_sub_sites_are_discovered_as_their_kind(path: str, kind: str, follow: list[str] | None) -> None:
    with SiteServer(DEMO_SITE) as site:
        source = suggest_source(discover(site.url + path, Prober(USER_AGENT, 5)))
    assert source["kind"] == kind
    assert source.get("follow") == follow


def test_xml_with_entities_is_refused() -> None:
    bomb = b'<?xml version="1.0"?><!DOCTYPE r [<!ENTITY a "aaaa"><!ENTITY b "&a;&a;&a;">]><rss>&b;</rss>'
    with pytest.raises(UnsafeXmlError, match="DTD or entities"):
        parse_xml(bomb)
    assert parse_xml(b"<rss><channel/></rss>").tag == "rss"  # negative control


def test_feed_declaring_entities_is_not_taken_as_a_feed(serve) -> None:
    def entity_feed_site(root: Path) -> None:
        day = root / "day1"
        day.mkdir(parents=True)
        day.joinpath("index.html").write_text(
            page("x", "", '<link rel="alternate" type="application/rss+xml" href="/rss.xml">')
        )
        day.joinpath("rss.xml").write_text(
            '<?xml version="1.0"?><!DOCTYPE rss [<!ENTITY x SYSTEM "file:///etc/passwd">]>'
            "<rss><channel><item><link>&x;</link></item></channel></rss>"
        )

    site = serve(entity_feed_site)
    found = discover(site.url + "/", Prober(USER_AGENT, 5))
    assert found.feeds == []
    assert suggest_source(found)["kind"] == "page"


def test_bad_url_is_a_usage_error() -> None:
    exit_code, output = run_discover("disbud.jakarta.go.id")
    assert exit_code == 2
    assert "is not an http(s) URL" in output


def test_unreachable_site_fails_with_what_to_do(serve) -> None:
    site = serve(listing_site)
    url = site.url
    site.stop()
    exit_code, output = run_discover(url + "/")
    assert exit_code == 1
    [line] = output.splitlines()  # one line naming the URL and the reason, no traceback
    assert line.startswith(f"Error: cannot fetch {url}/") and "Connection refused" in line
    assert line.endswith("nothing was discovered")


def test_the_suggested_preview_works_once_the_block_is_in_the_config(serve, tmp_path: Path) -> None:
    site = serve(listing_site)
    config = tmp_path / "mine.toml"
    exit_code, block = run_discover(site.url + "/", config)
    assert exit_code == 0, block
    source_id = tomllib.loads(block)["sources"][0]["id"]
    # preview reads sources from the config only: the block must go there first, and preview must read it
    assert f"# Add this block to {config}, then check it with: warta --config {config} preview {source_id}" in block
    config.write_text(block, encoding="utf-8")
    command = [sys.executable, "-m", "warta", "--config", str(config), "preview", source_id, "--limit", "1"]
    preview = subprocess.run(command, capture_output=True, text=True, timeout=120)  # one crawl per process
    assert preview.returncode == 0, preview.stderr
    assert preview.stdout.startswith(f"{source_id}: ") and "article links found" in preview.stdout


def test_without_a_config_the_block_goes_into_warta_toml(serve, tmp_path: Path, monkeypatch) -> None:
    site = serve(feed_site)
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("WARTA_CONFIG", raising=False)
    exit_code, block = run_discover(site.url + "/")
    assert exit_code == 0, block
    source_id = tomllib.loads(block)["sources"][0]["id"]
    assert f"# Add this block to warta.toml, then check it with: warta preview {source_id}\n" in block


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        ("https://disbud.jakarta.go.id/berita", "disbud-jakarta-berita"),
        ("https://www.beritajakarta.id/", "beritajakarta"),
        ("https://en.antaranews.com/rss/news.xml", "en-antaranews-rss"),
        ("http://127.0.0.1:8765/kabar/", "127-0-0-1-kabar"),
        ("https://worldcitiescultureforum.com/news/", "worldcitiescultureforum-news"),
    ],
)
def test_source_id_is_a_slug_of_host_and_section(url: str, expected: str) -> None:
    assert source_id(url) == expected


def test_follow_patterns_generalise_dates_and_ids() -> None:
    urls = [
        "https://x.id/berita/2026/11/festival-a",
        "https://x.id/berita/2026/10/festival-b",
        "https://x.id/en/news/12345/culture-c/",
        "https://x.id/",
    ]
    assert follow_patterns(urls) == [r"/berita/\d{4}/\d{2}/[^/?#]+$", r"/en/news/\d{5}/[^/?#]+/?$"]


def test_unreachable_robots_txt_stops_every_probe_but_the_named_url(serve) -> None:
    site = serve(feed_site)

    def failing_robots(handler) -> None:
        handler.send_response(503)
        handler.send_header("Content-Length", "0")
        handler.end_headers()

    site.add_route("/robots.txt", failing_robots)
    found = discover(site.url + "/", Prober(USER_AGENT, 5))
    assert found.feeds == []
    assert {entry.path for entry in site.requests} == {"/", "/robots.txt"}
    assert any("robots.txt disallows" in note for note in found.notes)
