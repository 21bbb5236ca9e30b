"""Discovering how a site can be crawled: its feeds, its sitemaps and its article listings.

`discover(url, prober)` looks at the page, at robots.txt and at a few common paths, and
returns what it found, each candidate checked by fetching it (a link that claims to be a
feed but is not one is dropped). It makes a few dozen requests at most, obeys robots.txt
for all but the named URL, and stores nothing. Turning a discovery into config is in
crawler.source_block.

A page that is an application shell (crawler.app_shell) is said to be one. Given a
`render` function (a browser is at hand), discover also reads the rendered page for
listings and guesses a `kind = "json"` mapping from the JSON its scripts fetched.
"""

from __future__ import annotations

import json
import logging
import re
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from urllib.parse import urlsplit

import lxml.html
from lxml import etree

from warta.crawler.app_shell import AppShell, detect_app_shell
from warta.crawler.json_guess import JsonGuess, guess_json_mapping
from warta.crawler.page_requests import RenderedPage
from warta.crawler.probe import Probe, ProbeError, Prober, absolute, parse_xml, site_root
from warta.crawler.safexml import UnsafeXmlError, local_name

logger = logging.getLogger(__name__)

FEED_TYPES = ("application/rss+xml", "application/atom+xml", "application/feed+json", "application/rdf+xml")
FEED_PATHS = ("feed", "rss", "rss.xml", "atom.xml", "feed.xml", "index.xml")
FEED_LINK = re.compile(r"(/feed/?|/rss/?|/rss/.+|rss\.xml|atom\.xml|feed\.xml|\.rss)$", re.IGNORECASE)
SITEMAP_PATHS = ("sitemap.xml", "sitemap_index.xml", "wp-sitemap.xml")
SECTION_WORDS = frozenset(
    [
        "berita",
        "news",
        "artikel",
        "article",
        "articles",
        "kabar",
        "agenda",
        "blog",
        "post",
        "posts",
        "budaya",
        "culture",
        "siaran-pers",
        "press",
        "pengumuman",
        "events",
        "event",
    ]
)
PAGINATION = re.compile(r"(/page/\d+/?$|[?&](page|p|hal|halaman)=\d+)", re.IGNORECASE)
MAX_FEED_CANDIDATES = 8
MAX_SECTIONS = 4
MAX_CHILD_SITEMAPS = 3
MIN_LISTING_LINKS = 3


@dataclass(frozen=True)
class FeedFound:
    """A URL that answered with a feed."""

    url: str
    format: str  # rss, atom, rdf or json
    title: str
    entry_links: tuple[str, ...]


@dataclass(frozen=True)
class SitemapFound:
    """A URL that answered with a sitemap or a sitemap index."""

    url: str
    is_index: bool
    page_urls: tuple[str, ...]
    with_lastmod: int


@dataclass(frozen=True)
class ListingFound:
    """A page that links to several articles of one section."""

    url: str
    article_links: tuple[str, ...]


@dataclass
class Discovery:
    """What `discover` found about a site."""

    start_url: str
    final_url: str
    title: str = ""
    site_name: str = ""
    language: str | None = None
    feeds: list[FeedFound] = field(default_factory=list)
    sitemaps: list[SitemapFound] = field(default_factory=list)
    listings: list[ListingFound] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    app_shell: AppShell | None = None
    json_requests: list[str] = field(default_factory=list)
    json_guesses: list[JsonGuess] = field(default_factory=list)


Renderer = Callable[[str], RenderedPage]


def discover(url: str, prober: Prober, render: Renderer | None = None) -> Discovery:
    """Return the feeds, sitemaps and listings of the site at `url`; raise ProbeError when it does not answer.

    `render` (when a browser is at hand) renders an application shell to read what its scripts built.
    """
    found = _discover(url, prober)
    if found.app_shell is None:
        return found
    if render is None:
        found.notes.append("no browser to render it with, so its JSON requests are not known (install chromium)")
        return found
    try:
        rendered = render(found.final_url)
    except Exception as exc:  # a browser that fails leaves the plain discovery standing
        found.notes.append(f"rendering it failed ({str(exc).splitlines()[0] if str(exc) else type(exc).__name__})")
        return found
    _read_rendered(found, rendered)
    return found


def _read_rendered(found: Discovery, rendered: RenderedPage) -> None:
    """Add the listings of the rendered page and the JSON mappings guessed from its requests."""
    if not found.listings and not found.feeds:
        page = lxml.html.fromstring(rendered.html.encode("utf-8") or b"<html/>", base_url=rendered.url)
        own = article_links(_page_links(page, rendered.url), rendered.url)
        if len(own) >= MIN_LISTING_LINKS:
            found.listings.append(ListingFound(rendered.url, tuple(own)))
        elif not found.title:
            _describe_page(found, page)
    for answer in rendered.json_answers:
        found.json_requests.append(answer.url)
        guess = guess_json_mapping(answer.url, answer.data)
        if guess is not None:
            found.json_guesses.append(guess)
    found.json_guesses.sort(key=lambda guess: (guess.is_complete, guess.item_count), reverse=True)


def _discover(url: str, prober: Prober) -> Discovery:
    start = prober.fetch_start(url)
    if not start.ok:
        raise ProbeError(f"{url} answered HTTP {start.status}; check the URL in a browser")
    found = Discovery(start_url=url, final_url=start.url)
    if not prober.allowed(start.url):
        found.notes.append(
            f"robots.txt disallows {start.url} for our User-Agent, or could not be read (which disallows "
            "everything); a crawl would not fetch it, and discover probed nothing else"
        )
    feed = _as_feed(start)
    sitemap = _as_sitemap(start, prober) if feed is None else None
    if feed is not None:
        found.feeds.append(feed)
    elif sitemap is not None:
        found.sitemaps.append(sitemap)
    else:
        page = lxml.html.fromstring(start.body or b"<html/>", base_url=start.url)
        found.app_shell = detect_app_shell(start.body)
        if found.app_shell is not None:
            found.notes.append(
                f"{start.url} is an application shell ({found.app_shell.describe()}): its articles are built by "
                'scripts in the browser, so the source needs render = "browser" (or its JSON API as kind = "json")'
            )
        _describe_page(found, page)
        _find_feeds(found, page, prober)
        _find_listings(found, page, prober)
    _find_sitemaps(found, prober)
    return found


def _describe_page(found: Discovery, page: lxml.html.HtmlElement) -> None:
    found.title = " ".join((page.findtext(".//title") or "").split())
    site_names = page.xpath('//meta[@property="og:site_name"]/@content')
    found.site_name = str(site_names[0]).strip() if site_names else found.title
    language = page.get("lang") or ""
    found.language = language.split("-")[0].lower() or None


def _find_feeds(found: Discovery, page: lxml.html.HtmlElement, prober: Prober) -> None:
    """Check feeds announced with <link rel=alternate>, linked from anchors, and at common paths."""
    candidates: list[str] = []
    for link in page.xpath("//link[@href]"):
        rel = (link.get("rel") or "").lower().split()
        if "alternate" in rel and (link.get("type") or "").lower().split(";")[0].strip() in FEED_TYPES:
            candidates.append(absolute(found.final_url, link.get("href")))
    for href in page.xpath("//a/@href"):
        url = absolute(found.final_url, str(href))
        if _same_host(url, found.final_url) and FEED_LINK.search(urlsplit(url).path):
            candidates.append(url)
    for folder in _folders(found.final_url):
        candidates += [folder + name for name in FEED_PATHS]
    for url in _unique(candidates):
        if len(found.feeds) >= MAX_FEED_CANDIDATES:
            break
        if any(feed.url == url for feed in found.feeds) or not _answers(url, prober):
            continue
        answer = prober.fetch(url)
        feed = _as_feed(answer) if answer is not None and answer.ok else None
        if feed is not None and all(known.url != feed.url for known in found.feeds):
            found.feeds.append(feed)


def _find_sitemaps(found: Discovery, prober: Prober) -> None:
    """Check sitemaps named in robots.txt, then the common sitemap paths at the site root."""
    root = site_root(found.final_url)
    prober.allowed(root)  # reads robots.txt once
    robots = prober.robots_bodies.get(root, "")
    named = [
        absolute(root, line.split(":", 1)[1])
        for line in robots.splitlines()
        if line.lower().startswith("sitemap:") and line.split(":", 1)[1].strip()
    ]
    for url in _unique(named + [root + name for name in SITEMAP_PATHS]):
        if any(known.url == url for known in found.sitemaps) or not _answers(url, prober):
            continue
        answer = prober.fetch(url)
        sitemap = _as_sitemap(answer, prober) if answer is not None and answer.ok else None
        if sitemap is not None:
            found.sitemaps.append(sitemap)


def _find_listings(found: Discovery, page: lxml.html.HtmlElement, prober: Prober) -> None:
    """Find pages that link to many articles: the page itself, and section pages it links to."""
    links = _page_links(page, found.final_url)
    own = article_links(links, found.final_url)
    if len(own) >= MIN_LISTING_LINKS:
        found.listings.append(ListingFound(found.final_url, tuple(own)))
    sections = [url for url in links if _is_section(url) and url.rstrip("/") != found.final_url.rstrip("/")]
    for url in _unique(sections)[:MAX_SECTIONS]:
        answer = prober.fetch(url)
        if answer is None or not answer.ok or b"<" not in answer.body[:1024]:
            continue
        section_page = lxml.html.fromstring(answer.body, base_url=answer.url)
        articles = article_links(_page_links(section_page, answer.url), answer.url)
        if len(articles) >= MIN_LISTING_LINKS:
            found.listings.append(ListingFound(answer.url, tuple(articles)))
    found.listings.sort(key=lambda listing: len(listing.article_links), reverse=True)


def article_links(links: list[str], listing_url: str) -> list[str]:
    """Return the links that look like articles: below a shared section prefix, slug-like, not pagination."""
    candidates = [url for url in _unique(links) if _looks_like_article(url) and not PAGINATION.search(url)]
    prefixes = Counter(_directory(urlsplit(url).path) for url in candidates)
    if not prefixes:
        return []
    listing_path = urlsplit(listing_url).path
    # keep the directories that hold several articles, or the one below the listing itself
    keep = {
        prefix
        for prefix, count in prefixes.items()
        if count >= MIN_LISTING_LINKS or (prefix.startswith(listing_path) and prefix != "/")
    }
    return [url for url in candidates if _directory(urlsplit(url).path) in keep]


def _as_feed(answer: Probe | None) -> FeedFound | None:
    """Return the feed in an answer, or None when it is not RSS, Atom, RDF or JSON Feed."""
    if answer is None or not answer.body:
        return None
    if answer.body.lstrip()[:1] == b"{":
        return _as_json_feed(answer)
    try:
        root = parse_xml(answer.body)
    except UnsafeXmlError:
        return None
    kind = local_name(root).lower()
    if kind == "rss":
        items = root.findall("channel/item")
        links = [item.findtext("link") or item.findtext("guid") or "" for item in items]
        title = root.findtext("channel/title") or ""
        return FeedFound(answer.url, "rss", title.strip(), _absolute_all(answer.url, links))
    if kind == "feed":
        ns = {"a": "http://www.w3.org/2005/Atom"}
        links = [
            (entry.xpath("a:link[not(@rel) or @rel='alternate']/@href", namespaces=ns) or [""])[0]
            for entry in root.xpath("a:entry", namespaces=ns)
        ]
        title = root.findtext("a:title", namespaces=ns) or ""
        return FeedFound(answer.url, "atom", title.strip(), _absolute_all(answer.url, [str(x) for x in links]))
    if kind == "rdf":
        links = [element.text or "" for element in root.iter() if local_name(element) == "link"]
        return FeedFound(answer.url, "rdf", "", _absolute_all(answer.url, links[1:]))
    return None


def _as_json_feed(answer: Probe) -> FeedFound | None:
    try:
        data = json.loads(answer.body)
    except (ValueError, UnicodeDecodeError):
        return None
    if not isinstance(data, dict) or "jsonfeed.org" not in str(data.get("version", "")):
        return None
    items = data.get("items")
    items = items if isinstance(items, list) else []
    links = [str(item.get("url") or "") for item in items if isinstance(item, dict)]
    return FeedFound(answer.url, "json", str(data.get("title") or ""), _absolute_all(answer.url, links))


def _as_sitemap(answer: Probe | None, prober: Prober, depth: int = 0) -> SitemapFound | None:
    """Return the sitemap in an answer (reading a few child sitemaps of an index), or None."""
    if answer is None or not answer.body:
        return None
    try:
        root = parse_xml(answer.body)
    except UnsafeXmlError:
        return None
    kind = local_name(root)
    entries = [child for child in root if local_name(child) in ("url", "sitemap")]
    locs = [_child_text(entry, "loc") for entry in entries]
    lastmods = sum(1 for entry in entries if _child_text(entry, "lastmod"))
    if kind == "urlset":
        return SitemapFound(answer.url, False, _absolute_all(answer.url, locs), lastmods)
    if kind != "sitemapindex" or depth > 0:
        return None
    pages: list[str] = []
    for child_url in _absolute_all(answer.url, locs)[:MAX_CHILD_SITEMAPS]:
        child = _as_sitemap(prober.fetch(child_url), prober, depth + 1)
        pages += child.page_urls if child is not None else ()
    return SitemapFound(answer.url, True, tuple(pages), lastmods)


def _child_text(element: etree._Element, name: str) -> str:
    for child in element:
        if local_name(child) == name:
            return (child.text or "").strip()
    return ""


def _answers(url: str, prober: Prober) -> bool:
    """Return whether a HEAD (or GET, for servers that refuse HEAD) finds something at `url`."""
    answer = prober.fetch(url, method="HEAD")
    return answer is not None and (answer.ok or answer.status in (405, 501))


def _page_links(page: lxml.html.HtmlElement, page_url: str) -> list[str]:
    links = [absolute(page_url, str(href)) for href in page.xpath("//a/@href")]
    return [url for url in links if _same_host(url, page_url) and urlsplit(url).scheme in ("http", "https")]


def _looks_like_article(url: str) -> bool:
    """Return whether a URL's last path segment looks like an article slug or id."""
    segments = [segment for segment in urlsplit(url).path.split("/") if segment]
    if len(segments) < 2:
        return False
    slug = segments[-1].rsplit(".", 1)[0]
    return slug.count("-") >= 2 or (slug.isdigit() and len(slug) >= 4)


def _is_section(url: str) -> bool:
    segments = [segment for segment in urlsplit(url).path.lower().split("/") if segment]
    return bool(segments) and segments[-1] in SECTION_WORDS and not urlsplit(url).query


def _directory(path: str) -> str:
    return path.rstrip("/").rsplit("/", 1)[0] + "/"


def _folders(url: str) -> list[str]:
    """Return the site root and, when different, the folder of `url`, both ending with '/'."""
    root = site_root(url)
    path = urlsplit(url).path
    folder = root.rstrip("/") + (path if path.endswith("/") else path.rsplit("/", 1)[0] + "/")
    return _unique([folder, root])


def _same_host(url: str, other: str) -> bool:
    return urlsplit(url).netloc.lower() == urlsplit(other).netloc.lower()


def _absolute_all(base: str, links: list[str]) -> tuple[str, ...]:
    return tuple(absolute(base, link) for link in links if link.strip())


def _unique(items: list[str]) -> list[str]:
    return list(dict.fromkeys(items))
