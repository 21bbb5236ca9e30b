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
from dataclasses import dataclass
from datetime import datetime, tzinfo
from typing import Any
from zoneinfo import ZoneInfo

import trafilatura
from lxml.etree import tostring
from lxml.html import HtmlElement
from trafilatura.htmlprocessing import convert_to_html
from trafilatura.settings import Document, set_date_params
from trafilatura.utils import load_html
from trafilatura.xml import xmltotxt

from crawler.dates import ParsedDate, find_date_detail, parse_date_detail
from crawler.sanitize import absolute_http_url, sanitize_html

logger = logging.getLogger(__name__)

MIN_ARTICLE_WORDS = 40
JAKARTA = ZoneInfo("Asia/Jakarta")
_META_CHARSET = re.compile(rb"""<meta[^>]+charset\s*=\s*["']?\s*([A-Za-z0-9._:-]+)""", re.I)
_BOMS = ((codecs.BOM_UTF8, "utf-8-sig"), (codecs.BOM_UTF16_LE, "utf-16"), (codecs.BOM_UTF16_BE, "utf-16"))
_TITLE_SEPARATOR = re.compile(r"\s+[-|–—»·]\s+|\s*::\s*|\s+\|")
_GENERIC_HOST_WORDS = frozenset({"www", "com", "net", "org", "news", "online", "portal"})
_WS = re.compile(r"\s+")
PUBLISHED_META = (
    "article:published_time", "og:article:published_time", "og:published_time", "datepublished",
    "pubdate", "publishdate", "publish-date", "publish_date", "dc.date.issued", "dcterms.issued",
    "dc.date", "dcterms.created", "sailthru.date", "parsely-pub-date", "content_publisheddate", "date",
)  # fmt: skip
_JSON_LD_PUBLISHED = re.compile(r'"datePublished"\s*:\s*"([^"]{6,40})"')
# elements whose class or id marks a date line; their text is searched for the visible date
_DATE_LINE_XPATH = (
    "//body//time | //body//*[self::div or self::span or self::p or self::li or self::small or self::em]"
    "[contains(translate(concat(@class, ' ', @id), 'DATETIMTANGLPUBSH', 'datetimtanglpubsh'), 'date')"
    " or contains(translate(concat(@class, ' ', @id), 'DATETIMTANGLPUBSH', 'datetimtanglpubsh'), 'time')"
    " or contains(translate(concat(@class, ' ', @id), 'DATETIMTANGLPUBSH', 'datetimtanglpubsh'), 'tanggal')"
    " or contains(translate(concat(@class, ' ', @id), 'DATETIMTANGLPUBSH', 'datetimtanglpubsh'), 'publish')]"
)
STOPWORDS = {
    "id": frozenset(
        (
            "yang",
            "dan",
            "di",
            "ini",
            "itu",
            "dengan",
            "untuk",
            "dari",
            "pada",
            "tidak",
            "dalam",
            "akan",
            "juga",
            "ke",
            "karena",
            "oleh",
            "ada",
            "adalah",
        )
    ),
    "en": frozenset(
        (
            "the",
            "and",
            "of",
            "to",
            "in",
            "is",
            "that",
            "for",
            "it",
            "was",
            "on",
            "with",
            "as",
            "by",
            "are",
            "be",
            "this",
            "from",
            "at",
            "which",
        )
    ),
}
MIN_STOPWORD_HITS = 8
MIN_DISTINCT_STOPWORDS = 4
_NEAR_HEADLINE_TEXTS = 12


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
    # links, images and inline formatting each cost F1 on the benchmark corpus (see readme), so the
    # body HTML keeps block structure only: paragraphs, headings, lists, quotes, tables
    # htmldate's extensive search guesses a day from copyright lines and URLs; a wrong date is worse than none
    document = trafilatura.bare_extraction(
        tree,
        url=url,
        include_comments=False,
        favor_precision=_favours_precision(tree, language),
        with_metadata=True,
        date_extraction_params=set_date_params(extensive=False),
    )
    if not isinstance(document, Document) or document.body is None:
        logger.debug("no main text in %s", url)
        return None
    text = xmltotxt(document.body, include_formatting=False).strip()
    if not text:
        return None
    title, headline = clean_title(document.title or fallback_title or "", tree, url, document.sitename)
    published, date_source = published_date(tree, headline, document.date, timezone)
    return Extracted(
        title=title,
        text=text,
        html=sanitize_html(tostring(convert_to_html(document.body), encoding="unicode"), url),
        published=published or fallback_published,
        language=page_language(tree, text) or language,
        canonical_url=canonical_link(tree, url),
        metadata=_metadata(document, date_source if published else ("feed" if fallback_published else None)),
        word_count=len(text.split()),
    )


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


def clean_title(title: str, tree: HtmlElement, url: str, sitename: str | None = None) -> tuple[str, HtmlElement | None]:
    """Return the headline without site-name parts, and the body element that shows it (if any).

    The longest separator-delimited prefix of `title` that the page shows as a whole element
    (h1, a title div) wins; otherwise trailing parts naming the site are removed.
    """
    prefixes = _title_prefixes(_normalise(title))
    for prefix in prefixes:
        element = headline_element(tree, prefix)
        if element is not None:
            return prefix, element
    site_words = _site_words(tree, url, sitename)
    clean = prefixes[0]
    for prefix in prefixes[1:]:
        if not _names_site(clean[len(prefix) :], site_words):
            break
        clean = prefix
    return clean, None


def _title_prefixes(title: str) -> list[str]:
    """Return `title` and each shorter prefix ending before a separator (" - ", " | ", " :: "), longest first."""
    cuts = [match.start() for match in _TITLE_SEPARATOR.finditer(title) if match.start() > 0]
    return [title] + [title[:cut].strip() for cut in reversed(cuts) if title[:cut].strip()]


def headline_element(tree: HtmlElement, headline: str) -> HtmlElement | None:
    """Return the first body element (not a link) whose whole text is `headline`, or None."""
    if len(headline) < 4:
        return None
    for condition in ("[not(descendant::a)]", ""):
        # headlines in "related" lists are links inside <li>; the article's own headline rarely is
        matches = tree.xpath(
            "//body//*[not(self::a or self::script or self::title or self::option or ancestor-or-self::li)]"
            f"{condition}[string-length(.) >= $length][normalize-space(.) = $headline][1]",
            headline=headline,
            length=len(headline),
        )
        if matches:
            return matches[0]
    return None


def _site_words(tree: HtmlElement, url: str, sitename: str | None) -> set[str]:
    """Return lowercase words naming the site: its host, og:site_name, trafilatura's sitename, canonical host."""
    names = [url.split("/")[2] if "//" in url else "", sitename or ""]
    names += [str(name) for name in tree.xpath("//meta[@property='og:site_name']/@content")]
    names += [str(href).split("/")[2] for href in tree.xpath("//link[@rel='canonical']/@href") if "//" in str(href)]
    words = {word for name in names for word in re.split(r"[^a-z0-9]+", name.lower()) if len(word) > 2}
    return words - _GENERIC_HOST_WORDS


def _names_site(tail: str, site_words: set[str]) -> bool:
    """Return whether a title tail (after the headline) is only about the site: short or naming it."""
    words = set(re.split(r"[^a-z0-9]+", tail.lower())) - {""}
    return bool(words) and (bool(words & site_words) or bool(re.search(r"\.(com|co|id|net|org)\b", tail.lower())))


def published_date(
    tree: HtmlElement, headline: HtmlElement | None, trafilatura_date: str | None, tz: tzinfo
) -> tuple[datetime | None, str | None]:
    """Return the publication instant and where it came from ("text", "json-ld", "metadata", "trafilatura").

    The date line under the headline comes first: it is what readers see, while detik, for one,
    writes its WIB wall clock into metadata with a "Z" and a pubdate later than the shown one.
    Then JSON-LD and meta tags, other date-marked elements, and htmldate's day. When the
    first is a bare day, a later candidate giving a time on that same day supplies the time.
    """
    candidates = _dates_near(headline, tz) + _declared_dates(tree, tz) + _visible_dates(tree, tz)
    if trafilatura_date and (parsed := parse_date_detail(trafilatura_date, tz)):
        candidates.append((parsed, "trafilatura"))
    if not candidates:
        return None, None
    first, source = candidates[0]
    day = first.value.date()
    if not first.has_time:
        timed = (item for item in candidates if item[0].has_time and item[0].value.astimezone(tz).date() == day)
        first, source = next(timed, (first, source))
    return first.value, source


def _declared_dates(tree: HtmlElement, tz: tzinfo) -> list[tuple[ParsedDate, str]]:
    """Return dates declared in JSON-LD and meta tags, in that order of trust."""
    found: list[tuple[ParsedDate, str]] = []
    for script in tree.xpath("//script[@type='application/ld+json']/text()"):
        found += [
            (parsed, "json-ld")
            for value in _JSON_LD_PUBLISHED.findall(script)
            if (parsed := parse_date_detail(value, tz))
        ]
    metas = tree.xpath("//meta[@content]")
    by_name = {
        str(meta.get("property") or meta.get("name") or meta.get("itemprop") or "").lower(): meta for meta in metas
    }
    for name in PUBLISHED_META:
        meta = by_name.get(name)
        parsed = parse_date_detail(meta.get("content", ""), tz) if meta is not None else None
        if parsed:
            found.append((parsed, "metadata"))
    found += [
        (parsed, "metadata")
        for value in tree.xpath("//time[@itemprop='datePublished']/@datetime")
        if (parsed := parse_date_detail(str(value), tz))
    ]
    return found


def _visible_dates(tree: HtmlElement, tz: tzinfo) -> list[tuple[ParsedDate, str]]:
    """Return the dates shown in date-line elements (class/id mentioning date, time, tanggal), in page order."""
    found = []
    for element in tree.xpath(_DATE_LINE_XPATH)[:60]:
        text = _normalise(element.text_content())[:200]
        parsed = find_date_detail(text, tz) if text else None
        if parsed:
            found.append((parsed, "text"))
    return found


def _dates_near(headline: HtmlElement | None, tz: tzinfo) -> list[tuple[ParsedDate, str]]:
    """Return the date shown just after the headline, else just before it in the same container."""
    if headline is None:
        return []
    path = "following::text()[normalize-space()][not(ancestor::script or ancestor::style)][position() <= $count]"
    after = [_normalise(str(text)) for text in headline.xpath(path, count=_NEAR_HEADLINE_TEXTS)]
    # a date line may be split over a few text nodes ("Rabu, 4 November 2015 |", "21:04 WIB")
    parsed = find_date_detail(" | ".join(after), tz)
    siblings = headline.xpath("preceding-sibling::*[position() <= 3]")
    for sibling in siblings if not parsed else ():
        parsed = find_date_detail(_normalise(sibling.text_content())[:200], tz)
        if parsed:
            break
    return [(parsed, "text")] if parsed else []


def _favours_precision(tree: HtmlElement, source_language: str | None) -> bool:
    """Return whether to extract in precision mode: for Indonesian pages, judged before extraction.

    Indonesian news pages nest "related"/"popular" lists inside the article container; precision
    mode drops them (F1 0.929 -> 0.970 on the Indonesian corpus) but loses recall elsewhere
    (0.9255 -> 0.9216 on the 990-page benchmark), so it is used for Indonesian pages only.
    """
    page_text = " ".join(tree.xpath("//body//text()[not(ancestor::script or ancestor::style)]"))
    # menus and footers mix in English, so the whole page needs a lower bar than the article text
    return (detect_language(page_text, dominance=2) or _declared_language(tree) or source_language) == "id"


def page_language(tree: HtmlElement, text: str) -> str | None:
    """Return the language the page declares, unless the stopword test confidently contradicts it."""
    detected = detect_language(text)
    declared = _declared_language(tree)
    return detected or declared


def _declared_language(tree: HtmlElement) -> str | None:
    """Return the primary language subtag from <html lang>, a language meta tag or og:locale."""
    values = tree.xpath(
        "/html/@lang | /html/@xml:lang | //meta[translate(@http-equiv, 'CONTENT-LANGUAGE', 'content-language')"
        "='content-language' or @name='language' or @property='og:locale' or @itemprop='inLanguage']/@content",
        namespaces={"xml": "http://www.w3.org/XML/1998/namespace"},
    )
    for value in values:
        subtag = re.split(r"[-_]", str(value).strip().lower())[0]
        if re.fullmatch(r"[a-z]{2,3}", subtag):
            return subtag
    return None


def detect_language(text: str, dominance: int = 3) -> str | None:
    """Return "id" or "en" when their stopwords outnumber the other's `dominance` times in `text`, else None."""
    words = re.findall(r"[a-z]+", text.lower())
    hits = {lang: [word for word in words if word in stopwords] for lang, stopwords in STOPWORDS.items()}
    best = max(hits, key=lambda lang: len(hits[lang]))
    others = sum(len(found) for lang, found in hits.items() if lang != best)
    # several distinct stopwords, so that Italian "di" or Dutch "in" alone do not pass for Indonesian or English
    is_clear = len(hits[best]) >= MIN_STOPWORD_HITS and len(set(hits[best])) >= MIN_DISTINCT_STOPWORDS
    return best if is_clear and len(hits[best]) >= dominance * others else None


def canonical_link(tree: HtmlElement, url: str) -> str | None:
    """Return the page's rel=canonical link made absolute, or None."""
    for href in tree.xpath("//link[translate(@rel, 'CANONICAL', 'canonical')='canonical']/@href"):
        absolute = absolute_http_url(str(href), url)
        if absolute:
            return absolute
    return None


def _metadata(document: Document, date_source: str | None) -> dict[str, Any]:
    """Return the descriptive metadata trafilatura found, without empty values."""
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


def _normalise(text: str) -> str:
    """Return `text` with runs of whitespace collapsed to one space and trimmed."""
    return _WS.sub(" ", text).strip()
