"""Article extraction: one HTML page in, its title, body (text and safe HTML), date and language out.

trafilatura finds the main text in one pass (comments excluded: on real pages they leak into the
archived text). The page's own markup supplies what trafilatura gets wrong on Indonesian sites:
a headline without the site-name suffix, the publication time (htmldate only gives a day) and
the language (Kompas declares ``lang="en"`` on Indonesian pages). Deciding whether a page is
new or changed is storage's job, not this module's.
"""

from __future__ import annotations

import codecs
import logging
import re
from collections import Counter
from dataclasses import dataclass
from datetime import datetime, tzinfo
from typing import Any
from zoneinfo import ZoneInfo

from lxml.etree import XPath, _Element, tostring
from lxml.html import HtmlElement
from trafilatura.core import trafilatura_sequence
from trafilatura.htmlprocessing import convert_to_html
from trafilatura.settings import Document, Extractor
from trafilatura.utils import load_html
from trafilatura.xml import xmltotxt

from warta.crawler.page_metadata import (
    canonical_link,
    clean_title,
    declared_language,
    declared_metadata,
    detect_language,
    published_date,
)
from warta.crawler.sanitize import sanitize_html
from warta.storage.fingerprints import Fingerprint, fingerprint

logger = logging.getLogger(__name__)

MIN_ARTICLE_WORDS = 40
# enough text nodes to judge a page's language without scanning very long pages whole
_LANGUAGE_SAMPLE_TEXTS = 3000
_SCRIPT_AND_STYLE = ("script", "style")
_BODY_TEXT_NODES = XPath("//body//text()", smart_strings=False)
JAKARTA = ZoneInfo("Asia/Jakarta")
_META_CHARSET = re.compile(rb"""<meta[^>]+charset\s*=\s*["']?\s*([A-Za-z0-9._:-]+)""", re.I)
_BOMS = ((codecs.BOM_UTF8, "utf-8-sig"), (codecs.BOM_UTF16_LE, "utf-16"), (codecs.BOM_UTF16_BE, "utf-16"))


@dataclass(frozen=True)
class Extracted:
    """What one page yields: the article's title, body, date, language and metadata."""

    title: str
    text: str
    html: str
    published: datetime | None
    language: str | None
    canonical_url: str | None
    metadata: dict[str, Any]
    word_count: int
    fingerprint: Fingerprint  # of title and text, for recording (computed here, in the extraction worker)


def extract_article(
    html: str | bytes,
    url: str,
    *,
    language: str | None = None,
    timezone: tzinfo = JAKARTA,
    fallback_title: str | None = None,
    fallback_published: datetime | None = None,
) -> Extracted | None:
    """Return the article in a page, or None when the page has no main text at all."""
    tree = load_html(decode_html(html) if isinstance(html, bytes) else html)
    if tree is None:
        logger.debug("no HTML tree in %s", url)
        return None
    favours_precision = _favours_precision(tree, language)
    # warta reads the page's markup before trafilatura extracts from the same tree in place (see `_main_body`)
    declared = declared_metadata(tree)
    title, headline = clean_title(declared.title or fallback_title or "", tree, url, declared.sitename)
    published, date_source = published_date(tree, headline, url, timezone)
    declared_lang = declared_language(tree)
    canonical_url = canonical_link(tree, url)
    body = _main_body(tree, url, favours_precision)
    if body is None:
        logger.debug("no main text in %s", url)
        return None
    text = xmltotxt(body, include_formatting=False).strip()
    if not text:
        return None
    return Extracted(
        title=title,
        text=text,
        html=sanitize_html(tostring(convert_to_html(body), encoding="unicode"), url),
        published=published or fallback_published,
        # the language the page declares, unless the stopwords of its text confidently contradict it
        language=detect_language(text) or declared_lang or language,
        canonical_url=canonical_url,
        metadata=_metadata(declared, date_source if published else ("feed" if fallback_published else None)),
        word_count=len(text.split()),
        fingerprint=fingerprint(title, text),
    )


def _main_body(tree: HtmlElement, url: str, favours_precision: bool) -> _Element | None:
    """Return trafilatura's main-text body of a page, extracting from `tree` itself, which it consumes.

    What `trafilatura.bare_extraction` does with warta's settings (comments excluded: on real pages
    they leak into the archived text; its metadata pass replaced by `declared_metadata`), without
    the defensive copy it makes of a tree handed to it: 0.8 ms a page, 4% of a whole extraction.
    Links, images and inline formatting each cost F1 on the benchmark corpus (see readme), so the
    body keeps block structure only: paragraphs, headings, lists, quotes, tables.
    """
    options = Extractor(output_format="python", comments=False, precision=favours_precision, url=url)
    try:
        body, text, _, comments_text = trafilatura_sequence(tree, options, url)
    except (TypeError, ValueError):  # as bare_extraction: trafilatura's way of saying "nothing to extract"
        return None
    # bare_extraction's size check
    if len(text) < options.min_output_size and len(comments_text) < options.min_output_comm_size:
        return None
    return body


def main_text(html: str, url: str | None) -> str | None:
    """Return only the main text of a page (the scorer's entry point), or None."""
    extracted = extract_article(html, url or "http://localhost/")
    return extracted.text if extracted else None


def is_article(extracted: Extracted) -> bool:
    """Return whether an extraction has enough text to be an article (not an about or contact page)."""
    return extracted.word_count >= MIN_ARTICLE_WORDS


def decode_html(raw: bytes) -> str:
    """Return page bytes as text: BOM, then valid UTF-8, then the declared charset, then cp1252."""
    for bom, encoding in _BOMS:
        if raw.startswith(bom):
            return raw.decode(encoding, errors="replace")
    # valid UTF-8 with non-ASCII bytes is almost never an accident, whatever the page declares
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError:
        pass
    declared = _META_CHARSET.search(raw[:4096])
    if declared:
        try:
            name = codecs.lookup(declared.group(1).decode("ascii")).name
            if name != "utf-8":
                return raw.decode(name)
        except (LookupError, UnicodeDecodeError):
            logger.debug("declared charset %r does not decode the page", declared.group(1))
    return raw.decode("cp1252", errors="replace")


def _favours_precision(tree: HtmlElement, source_language: str | None) -> bool:
    """Return whether to extract in precision mode: for Indonesian pages, judged before extraction.

    Indonesian news pages nest "related"/"popular" lists inside the article container; precision
    mode drops them (F1 0.929 -> 0.970 on the Indonesian corpus) but loses recall elsewhere
    (0.9255 -> 0.9216 on the 990-page benchmark), so it is used for Indonesian pages only.
    """
    texts = _body_texts(tree)
    if len(texts) > _LANGUAGE_SAMPLE_TEXTS:  # the sample is the first texts in page order
        # script and style elements hold only text, so a text node's parent is enough to exclude theirs;
        # plain strings, not lxml's "smart" ones that know their parent, cost a third of the time
        texts = tree.xpath("//body//text()[not(parent::script or parent::style)]", smart_strings=False)
    page_text = " ".join(texts[:_LANGUAGE_SAMPLE_TEXTS])
    # menus and footers mix in English, so the whole page needs a lower bar than the article text
    return (detect_language(page_text, dominance=2) or declared_language(tree) or source_language) == "id"


def _body_texts(tree: HtmlElement) -> list[str]:
    """Return the body's text nodes outside script and style elements, not in page order.

    The same strings as `//body//text()[not(parent::script or parent::style)]` (checked on every corpus
    page), grouped rather than in page order: the stopword count joins them with spaces, so their order
    does not change it. libxml2 collects all of the body's text nodes without making a Python object per
    element, and one copy of each script's and style's text (their only text node) is taken out again:
    0.51 -> 0.41 ms a page, where walking every element in lxml's iterator made a Python object for each.
    """
    texts: list[str] = _BODY_TEXT_NODES(tree)
    hidden = [element.text for body in tree.iter("body") for element in body.iter(_SCRIPT_AND_STYLE) if element.text]
    if not hidden:
        return texts
    visible = Counter(texts)
    visible.subtract(hidden)
    return list(visible.elements())


def _metadata(document: Document, date_source: str | None) -> dict[str, Any]:
    """Return the descriptive metadata the page declares, without empty values."""
    values = {
        "author": document.author,
        "sitename": document.sitename,
        "description": document.description,
        "image": document.image,
        "categories": list(document.categories or []),
        "tags": list(document.tags or []),
        "date_source": date_source,
    }
    return {key: value for key, value in values.items() if value}
