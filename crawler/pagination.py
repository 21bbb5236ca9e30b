"""Finding links on a listing page: all links, and the link to the next page of the listing.

The next page is, in order of trust: a rel="next" link; a link whose text says
"next", "berikutnya" or "selanjutnya" (Indonesian sites use both); a link to the
same path with a page number one higher (`?page=N`, `?halaman=N`, `/page/N/`).
"""

from __future__ import annotations

import re
from urllib.parse import parse_qsl, urldefrag, urljoin, urlsplit

from parsel import Selector

NEXT_WORDS = re.compile(r"^\W*(next|berikut(nya)?|selanjutnya|halaman berikut(nya)?|older|lebih lama)\b", re.I)
PAGE_PARAMS = ("page", "halaman", "hal", "p", "paged")
PATH_PAGE = re.compile(r"/(?:page|halaman|hal)/(\d+)/?$", re.I)


def page_links(selector: Selector, page_url: str) -> list[str]:
    """Return the absolute http(s) targets of the page's links, without fragments, in order, once each."""
    seen: dict[str, None] = {}
    base = selector.css("base::attr(href)").get()
    base_url = urljoin(page_url, base) if base else page_url
    for href in selector.css("a::attr(href)").getall():
        href = href.strip()
        if not href or href.startswith(("javascript:", "mailto:", "tel:", "#")):
            continue
        url = urldefrag(urljoin(base_url, href))[0]
        if urlsplit(url).scheme in ("http", "https"):
            seen.setdefault(url, None)
    return list(seen)


def next_page(selector: Selector, page_url: str) -> str | None:
    """Return the URL of the listing's next page, or None when there is none."""
    for href in selector.css('link[rel~="next"]::attr(href), a[rel~="next"]::attr(href)').getall():
        return urldefrag(urljoin(page_url, href.strip()))[0]
    for anchor in selector.css("a[href]"):
        label = " ".join(" ".join(anchor.css("::text").getall()).split())
        label = label or anchor.attrib.get("aria-label", "") or anchor.attrib.get("title", "")
        if NEXT_WORDS.match(label):
            return urldefrag(urljoin(page_url, anchor.attrib["href"].strip()))[0]
    wanted = page_number(page_url) + 1
    listing = _listing_path(page_url)
    for url in page_links(selector, page_url):
        if _listing_path(url) == listing and page_number(url) == wanted:
            return url
    return None


def page_number(url: str) -> int:
    """Return the page number a listing URL carries (1 when it carries none)."""
    parts = urlsplit(url)
    for name, value in parse_qsl(parts.query):
        if name.lower() in PAGE_PARAMS and value.isdigit():
            return int(value)
    match = PATH_PAGE.search(parts.path)
    return int(match.group(1)) if match else 1


def _listing_path(url: str) -> str:
    """Return the URL's host and path without a /page/N suffix: the same for every page of a listing."""
    parts = urlsplit(url)
    return parts.netloc + PATH_PAGE.sub("", parts.path).rstrip("/")
