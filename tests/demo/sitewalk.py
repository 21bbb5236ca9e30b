"""Read the demo site the way a crawler would, over HTTP: its article URLs per source, and article bodies.

Deliberately independent of warta's crawler, so that the demo site's expectations are
checked against the served files and not against the code they are meant to test.
"""

from __future__ import annotations

import re
import urllib.error
import urllib.request
from dataclasses import dataclass
from urllib.parse import urljoin, urlsplit

import lxml.etree
import lxml.html

SOURCES = ("disbud", "kabar", "portal")
ARTICLE_PATH = {
    "disbud": re.compile(r"^/disbud/berita/[^/]+$"),
    "kabar": re.compile(r"^/kabar/budaya/[^/]+$"),
    "portal": re.compile(r"^/portal/(artikel|en/news)/[^/]+$"),
}
BODY_XPATH = {
    "disbud": '//div[@class="isi-berita"]',
    "kabar": '//div[@class="detail__body"]',
    "portal": '//div[@class="article-content"]',
}
SAFE_XML = lxml.etree.XMLParser(resolve_entities=False, no_network=True)


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args: object, **kwargs: object) -> None:
        return None


_OPENER = urllib.request.build_opener(_NoRedirect)


@dataclass(frozen=True)
class Answer:
    """One HTTP answer, redirects not followed."""

    status: int
    body: bytes
    location: str | None


def get(url: str) -> Answer:
    """Fetch `url` without following redirects."""
    try:
        with _OPENER.open(url, timeout=10) as response:
            return Answer(response.status, response.read(), None)
    except urllib.error.HTTPError as error:
        return Answer(error.code, error.read(), error.headers.get("Location"))


def article_paths(base_url: str, source: str) -> list[str]:
    """Return the article paths the source's listing, feed or sitemap links, in order."""
    if source == "kabar":
        root = lxml.etree.fromstring(get(base_url + "/kabar/rss.xml").body, SAFE_XML)
        urls = [link.text or "" for link in root.iterfind("channel/item/link")]
    elif source == "portal":
        root = lxml.etree.fromstring(get(base_url + "/portal/sitemap.xml").body, SAFE_XML)
        urls = [loc.text or "" for loc in root.iter("{http://www.sitemaps.org/schemas/sitemap/0.9}loc")]
    else:
        urls = _listing_links(base_url, "/disbud/berita/")
    paths = [urlsplit(url).path for url in urls]
    return [path for path in paths if ARTICLE_PATH[source].match(path)]


def _listing_links(base_url: str, start: str) -> list[str]:
    """Return the article card links of a paginated listing, following rel=next."""
    links: list[str] = []
    page: str | None = start
    while page is not None:
        tree = lxml.html.fromstring(get(base_url + page).body)
        links += [urljoin(base_url + page, href) for href in tree.xpath('//div[@class="kartu-berita"]//a/@href')]
        following = tree.xpath('//a[@rel="next"]/@href')
        page = following[0] if following else None
    return links


def article_text(html: bytes, source: str) -> str:
    """Return the title and body text of an article page, boilerplate left out."""
    tree = lxml.html.fromstring(html)
    title = " ".join(tree.xpath("//h1")[0].text_content().split())
    paragraphs = [" ".join(p.text_content().split()) for p in tree.xpath(BODY_XPATH[source] + "/p")]
    return "\n".join([title, *paragraphs])


def internal_links(page_url: str, html: bytes) -> set[str]:
    """Return the same-host links (href and src) of an HTML page, without fragments."""
    tree = lxml.html.fromstring(html)
    host = urlsplit(page_url).netloc
    found = set()
    for ref in tree.xpath("//a/@href | //link/@href | //script/@src | //img/@src"):
        url = urljoin(page_url, str(ref)).split("#")[0]
        if urlsplit(url).netloc == host:
            found.add(url)
    return found
