"""A page's requisites: the images, stylesheets and fonts that its HTML and its CSS refer to.

Pure functions over markup and CSS text. From HTML: `<link rel=stylesheet>`,
`<style>` blocks and `style` attributes (their `@import` and `url(...)`), and the
`src` and every `srcset` candidate of `<img>` and `<picture><source>`. From CSS:
`@import` (another stylesheet) and `url(...)` (fonts, background images). Every
candidate of a srcset is kept, so that replay works at any screen density. Nothing
here fetches (crawler.requisites does), and scripts, frames and media are not
requisites: replaying them is beyond an archive of announcements.
"""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass
from urllib.parse import urldefrag, urljoin, urlsplit

import lxml.etree
import lxml.html

logger = logging.getLogger(__name__)

_CSS_COMMENT = re.compile(r"/\*.*?\*/", re.DOTALL)
_CSS_IMPORT = re.compile(r"""@import\s+(?:url\(\s*)?(?:"([^"]*)"|'([^']*)'|([^)\s;'"]+))\s*\)?[^;]*;?""", re.IGNORECASE)
_CSS_URL = re.compile(r"""url\(\s*(?:"([^"]*)"|'([^']*)'|([^)\s'"]*))\s*\)""", re.IGNORECASE)


@dataclass(frozen=True)
class Requisite:
    """One resource a page needs to be shown as it was; a stylesheet may refer to more."""

    url: str
    is_stylesheet: bool = False


def resolve_reference(reference: str, base_url: str) -> str | None:
    """Return the absolute http(s) URL a reference in a page or stylesheet points at, without its fragment.

    None for references that fetch nothing: empty, `data:` and `javascript:` URLs, and fragments alone.
    """
    reference = reference.strip()
    if not reference or reference.startswith("#"):
        return None
    url = urldefrag(urljoin(base_url, reference))[0]
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        return None
    return url


def srcset_urls(srcset: str) -> list[str]:
    """Return the URLs of every candidate in a srcset attribute, in order.

    As the HTML standard parses it: a URL runs to the next whitespace and may hold commas
    (image CDNs put them in paths); a comma ends a candidate only after its descriptors.
    """
    urls = []
    position, length = 0, len(srcset)
    while position < length:
        while position < length and (srcset[position].isspace() or srcset[position] == ","):
            position += 1
        start = position
        while position < length and not srcset[position].isspace():
            position += 1
        url = srcset[start:position]
        if url.endswith(","):
            url = url.rstrip(",")
        else:
            while position < length and srcset[position] != ",":
                position += 1
        if url:
            urls.append(url)
    return urls


def stylesheet_requisites(css: str, stylesheet_url: str) -> list[Requisite]:
    """Return what a stylesheet imports (stylesheets) and the fonts and images its url(...)s name, each once."""
    css = _CSS_COMMENT.sub("", css)
    found: list[Requisite] = []

    def add(match: re.Match[str], is_stylesheet: bool) -> None:
        reference = next((group for group in match.groups() if group is not None), "")
        url = resolve_reference(reference, stylesheet_url)
        if url is not None:
            found.append(Requisite(url, is_stylesheet))

    for match in _CSS_IMPORT.finditer(css):
        add(match, is_stylesheet=True)
    for match in _CSS_URL.finditer(_CSS_IMPORT.sub("", css)):
        add(match, is_stylesheet=False)
    return _unique(found)


def page_requisites(body: bytes, encoding: str, page_url: str) -> list[Requisite]:
    """Return an HTML page's stylesheets first, then the fonts and images it and its inline CSS name, each once."""
    try:
        tree = lxml.html.document_fromstring(body, parser=lxml.html.HTMLParser(encoding=encoding or None))
    except (lxml.etree.ParserError, ValueError, LookupError) as exc:
        logger.debug("no requisites read from %s: %s", page_url, exc)
        return []
    base_href = tree.xpath("string(//base/@href)")
    base_url = urljoin(page_url, base_href) if base_href else page_url
    stylesheets: list[Requisite] = []
    resources: list[Requisite] = []
    for link in tree.iter("link"):
        rel = (link.get("rel") or "").lower().split()
        url = resolve_reference(link.get("href") or "", base_url)
        if "stylesheet" in rel and "alternate" not in rel and url is not None:
            stylesheets.append(Requisite(url, is_stylesheet=True))
    inline_css = [style.text or "" for style in tree.iter("style")]
    inline_css += [str(value) for value in tree.xpath("//*[@style]/@style")]
    for css in inline_css:
        for requisite in stylesheet_requisites(css, base_url):
            (stylesheets if requisite.is_stylesheet else resources).append(requisite)
    for image in tree.xpath("//img | //picture/source"):
        references = [image.get("src") or "", *srcset_urls(image.get("srcset") or "")]
        for reference in references:
            url = resolve_reference(reference, base_url)
            if url is not None:
                resources.append(Requisite(url))
    return _unique(stylesheets + resources)


def _unique(requisites: list[Requisite]) -> list[Requisite]:
    """Return the requisites without repeated URLs, keeping the first of each."""
    seen: set[str] = set()
    unique = []
    for requisite in requisites:
        if requisite.url not in seen:
            seen.add(requisite.url)
            unique.append(requisite)
    return unique
