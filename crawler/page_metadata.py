"""What a page's own markup says about its article: headline, publication date, language, canonical link.

These signals complement trafilatura on Indonesian news sites: titles carry site-name suffixes
(" - Kompas.com"), htmldate gives only a day while the date line under the headline shows the
minute, and Kompas declares ``lang="en"`` on Indonesian pages. Finding the main text is not
done here (see `crawler.extraction`).
"""

from __future__ import annotations

import json
import logging
import re
from collections import Counter
from collections.abc import Callable, Iterator
from datetime import datetime, tzinfo
from html import unescape
from itertools import islice
from typing import Any

from htmldate import find_date
from lxml.etree import XPath
from lxml.html import HtmlElement
from trafilatura.json_metadata import JSON_UNICODE_REPLACE, extract_json, extract_json_parse_error
from trafilatura.metadata import examine_meta, extract_sitename, extract_title
from trafilatura.settings import Document
from trafilatura.utils import HTML_STRIP_TAGS, trim

from warta.crawler.dates import ParsedDate, find_date_detail, parse_date_detail
from warta.crawler.sanitize import absolute_http_url

logger = logging.getLogger(__name__)

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
_DATE_LINE_TAGS = ("time", "div", "span", "p", "li", "small", "em")
_DATE_LINE_WORDS = ("date", "time", "tanggal", "publish")
# what XPath's translate() with these letters lowers: only them, not the whole of ASCII
_XPATH_CONTENT_LANGUAGE = str.maketrans("CONTENT-LANGUAGE", "content-language")
_XPATH_CANONICAL = str.maketrans("CANONICAL", "canonical")
_ASCII_LOWER = str.maketrans("ABCDEFGHIJKLMNOPQRSTUVWXYZ", "abcdefghijklmnopqrstuvwxyz")
INDONESIAN_STOPWORDS = frozenset(
    ("yang", "dan", "di", "ini", "itu", "dengan", "untuk", "dari", "pada", "tidak", "dalam", "akan", "juga", "ke",
     "karena", "oleh", "ada", "adalah")
)  # fmt: skip
ENGLISH_STOPWORDS = frozenset(
    ("the", "and", "of", "to", "in", "is", "that", "for", "it", "was", "on", "with", "as", "by", "are", "be",
     "this", "from", "at", "which")
)  # fmt: skip
STOPWORDS = {"id": INDONESIAN_STOPWORDS, "en": ENGLISH_STOPWORDS}
_STOPWORD_BYTES = {lang: frozenset(word.encode("ascii") for word in words) for lang, words in STOPWORDS.items()}
_LETTERS_ONLY = bytes(byte if ord("a") <= byte <= ord("z") else ord(" ") for byte in range(256))
_LOWERED_LETTERS_ONLY = (
    _LETTERS_ONLY[: ord("A")] + _LETTERS_ONLY[ord("a") : ord("z") + 1] + _LETTERS_ONLY[ord("Z") + 1 :]
)
# the only characters outside ASCII whose lowercase holds an ASCII letter: İ ("i̇") and the Kelvin sign ("k")
LOWERED_TO_ASCII = ("\u0130", "\u212a")
MIN_STOPWORD_HITS = 8
MIN_DISTINCT_STOPWORDS = 4
_NEAR_HEADLINE_TEXTS = 12
_XML_SPACE = " \t\n\r"  # the only whitespace XPath's normalize-space() removes
_MAX_DATE_ELEMENTS = 60
_NOT_HEADLINES = frozenset({"a", "script", "style", "option", "ul", "ol", "li", "title"})
_JSON_SCRIPTS = XPath('.//script[@type="application/ld+json" or @type="application/settings+json"]')
# trafilatura's JSON_MINIFY, `("(?:\\.|[^"\\])*")|\s`, with possessive runs: a string either ends at its quote
# or fails whatever the backtracking (its characters are never a quote), so the matches are the same
_JSON_MINIFY = re.compile(r'("(?:[^"\\]++|\\.)*+")|\s+')
_SURROGATES = re.compile(r"[\ud800-\udfff]")
_TEXTS_CONTAINING: dict[int, XPath] = {}  # by the number of words sought


def declared_metadata(tree: HtmlElement) -> Document:
    """Return what the page declares about itself: meta tags, OpenGraph and JSON-LD, then its title element.

    These are trafilatura's own readers for the cheap half of its metadata pass. The other half
    (bylines, categories and a licence searched for over the whole, boilerplate-heavy page, and
    htmldate's date) cost a third of a whole extraction; warta keeps author, categories and tags
    only as descriptive extras, so they come from what the page declares, and the date from
    `published_date`, which asks htmldate only when the markup shows no date at all.
    """
    metadata = examine_meta(tree)
    if metadata.author and " " not in metadata.author:
        metadata.author = None  # a one-word "author" meta tag is nearly always the site's handle
    try:
        metadata = _json_ld_metadata(tree, metadata)
    except Exception:  # trafilatura's JSON-LD reader has bugs on malformed data
        logger.debug("unreadable JSON-LD metadata", exc_info=True)
    metadata.title = metadata.title or extract_title(tree)
    metadata.sitename = (metadata.sitename or extract_sitename(tree) or "").lstrip("@") or None
    metadata.clean_and_trim()
    return metadata


def _json_ld_metadata(tree: HtmlElement, metadata: Document) -> Document:
    """Return `metadata` completed from the page's JSON-LD: trafilatura's `extract_meta_json`, step for step.

    Its whitespace-stripping regex steps through a script one character at a time and its unicode
    clean-up filters surrogates in a Python generator (0.3-0.45 ms a page together, busy machine); the same regex
    with possessive runs and a character-class substitution give the same strings in 0.2 ms.
    """
    for element in _JSON_SCRIPTS(tree):
        if not element.text:
            continue
        element_text = _normalize_json(_JSON_MINIFY.sub(r"\1", element.text))
        try:
            schema = json.loads(element_text, strict=False)
            metadata = extract_json(schema, metadata)
        except json.JSONDecodeError:
            metadata = extract_json_parse_error(element_text, metadata)
    return metadata


def _normalize_json(string: str) -> str:
    """Return trafilatura's `normalize_json(string)`, with the surrogates removed by a regex, not a generator."""
    if "\\" in string:
        string = string.replace("\\n", "").replace("\\r", "").replace("\\t", "")
        string = JSON_UNICODE_REPLACE.sub(lambda match: chr(int(match[1], 16)), string)
        string = _SURROGATES.sub("", string)
        string = unescape(string)
    return trim(HTML_STRIP_TAGS.sub("", string))


def clean_title(title: str, tree: HtmlElement, url: str, sitename: str | None = None) -> tuple[str, HtmlElement | None]:
    """Return the headline without site-name parts, and the body element that shows it (if any).

    The longest separator-delimited prefix of `title` that the page shows as a whole element
    (h1, a title div) wins; otherwise trailing parts naming the site are removed.
    """
    prefixes = _title_prefixes(normalise_space(title))
    # one search of the body's texts for the longest words of all prefixes, not one search per prefix
    texts: list[Any] | None
    try:
        texts = _texts_containing(tree, [_longest_word(prefix) for prefix in prefixes if len(prefix) >= 4])
    except ValueError:  # a word lxml refuses (a control character): prefix by prefix, up to the failing one
        texts = None
    for prefix in prefixes:
        element = headline_element(tree, prefix, texts)
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


def headline_element(tree: HtmlElement, headline: str, texts: list[Any] | None = None) -> HtmlElement | None:
    """Return the first body element (not a link or list item) whose whole text is `headline`, or None.

    `texts`, when given, holds at least the body's text nodes containing the headline's longest word,
    in page order, as `_texts_containing` returns them.
    """
    if len(headline) < 4:
        return None
    linked = None
    longest_word = _longest_word(headline)
    if texts is None:
        texts = _texts_containing(tree, [longest_word])
    for text in (text for text in texts if longest_word in text):
        element = _element_with_text(text.getparent(), headline)
        # headlines in "related" lists are links; the article's own headline rarely is
        if element is not None and not element.xpath("descendant::a"):
            return element
        linked = linked if linked is not None else element
    return linked


def _longest_word(headline: str) -> str:
    """Return the first of the longest words of a headline (which has one)."""
    return max(headline.split(), key=len)


def _texts_containing(tree: HtmlElement, words: list[str]) -> list[Any]:
    """Return the body's text nodes (lxml's strings that know their parent) containing any of `words`, in page order.

    One XPath for all the words: the walk over the body's texts is what costs, not the tests.
    """
    if not words:
        return []
    words = list(dict.fromkeys(words))
    search = _TEXTS_CONTAINING.get(len(words))
    if search is None:
        tests = " or ".join(f"contains(., $word{number})" for number in range(len(words)))
        search = _TEXTS_CONTAINING[len(words)] = XPath(f"//body//text()[{tests}]")
    found: list[Any] = search(tree, **{f"word{number}": word for number, word in enumerate(words)})
    return found


def _element_with_text(element: HtmlElement | None, headline: str) -> HtmlElement | None:
    """Return `element` or the nearest ancestor whose whole text is `headline`, skipping lists and links."""
    while element is not None and element.tag not in ("body", "html"):
        text = normalise_space(element.text_content())
        if len(text) > len(headline):
            return None
        if text == headline and element.tag not in _NOT_HEADLINES and next(element.iterancestors("li"), None) is None:
            return element
        element = element.getparent()
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
    tree: HtmlElement, headline: HtmlElement | None, url: str | None, tz: tzinfo
) -> tuple[datetime | None, str | None]:
    """Return the publication instant and where it came from ("text", "json-ld", "metadata", "trafilatura").

    The date line under the headline comes first: it is what readers see, while detik, for one,
    writes its WIB wall clock into metadata with a "Z" and a pubdate later than the shown one.
    Then JSON-LD and meta tags, other date-marked elements, and, only when none of these shows
    a date, htmldate's day (the search trafilatura uses). When the first is a bare day, a later
    candidate giving a time on that same day supplies the time.
    """
    # each kind of candidate is searched only when the ones before it leave the instant open
    searches: list[Callable[[], list[tuple[ParsedDate, str]]]] = [
        lambda: _dates_near(headline, tz),
        lambda: _declared_dates(tree, tz),
        lambda: _visible_dates(tree, tz),
    ]
    first: tuple[ParsedDate, str] | None = None
    for search in searches:
        for parsed, source in search():
            if first is None:
                first = (parsed, source)
            if parsed.has_time and parsed.value.astimezone(tz).date() == first[0].value.date():
                logger.debug("published %s (from %s)", parsed.value.isoformat(), source)
                return parsed.value, source
    if first is None and (day := parse_date_detail(htmldate_day(tree, url) or "", tz)):
        first = (day, "trafilatura")
    return (first[0].value, first[1]) if first else (None, None)


def htmldate_day(tree: HtmlElement, url: str | None) -> str | None:
    """Return htmldate's publication day (YYYY-MM-DD) without its extensive free-text search, or None.

    The extensive search guesses a day from copyright lines and URLs; a wrong date is worse than none.
    """
    max_date = datetime.now().astimezone().strftime("%Y-%m-%d")
    return find_date(tree, extensive_search=False, original_date=True, url=url, max_date=max_date)


def _declared_dates(tree: HtmlElement, tz: tzinfo) -> list[tuple[ParsedDate, str]]:
    """Return dates declared in JSON-LD and meta tags, in that order of trust."""
    # one walk of the page in lxml's C iterator, where three XPaths (//script[...], //meta[@content],
    # //time[...]) walked it three times; each kind keeps its page order
    json_ld: list[str] = []
    metas: list[HtmlElement] = []
    times: list[str] = []
    for element in tree.getroottree().iter("script", "meta", "time"):
        if element.tag == "meta":
            if element.get("content") is not None:
                metas.append(element)
        elif element.tag == "script":
            if element.get("type") == "application/ld+json" and element.text:
                json_ld.append(element.text)
        elif element.get("itemprop") == "datePublished" and (stamp := element.get("datetime")) is not None:
            times.append(stamp)
    found: list[tuple[ParsedDate, str]] = []
    for script in json_ld:
        found += [
            (parsed, "json-ld")
            for value in _JSON_LD_PUBLISHED.findall(script)
            if (parsed := parse_date_detail(value, tz))
        ]
    by_name = {
        str(meta.get("property") or meta.get("name") or meta.get("itemprop") or "").lower(): meta for meta in metas
    }
    for name in PUBLISHED_META:
        meta = by_name.get(name)
        parsed = parse_date_detail(meta.get("content", ""), tz) if meta is not None else None
        if parsed:
            found.append((parsed, "metadata"))
    found += [(parsed, "metadata") for value in times if (parsed := parse_date_detail(value, tz))]
    return found


def _visible_dates(tree: HtmlElement, tz: tzinfo) -> list[tuple[ParsedDate, str]]:
    """Return the dates shown in date-line elements (class/id mentioning date, time, tanggal), in page order."""
    found = []
    for element in _date_line_elements(tree):
        parsed = find_date_detail(_leading_text(element), tz)
        if parsed:
            found.append((parsed, "text"))
    return found


def _date_line_elements(tree: HtmlElement) -> list[HtmlElement]:
    """Return the first date-line elements in the body, in page order: `time`, and the elements whose class or id
    mentions a date (ASCII case ignored).

    The same selection as the XPath `//body//time | //body//*[self::div or ...][contains(translate(concat(@class,
    ' ', @id), ...), 'date') or ...]`, which took 4 ms a page: libxml2 evaluated the translate for every element.
    Here lxml's C iterator visits only the tags in question and the test is two attribute reads.
    """
    elements: list[HtmlElement] = []
    for body in tree.iter("body"):
        for element in body.iter(_DATE_LINE_TAGS):
            if element.tag != "time":
                marks = f"{element.get('class') or ''} {element.get('id') or ''}"
                if marks == " ":
                    continue
                marks = marks.lower() if marks.isascii() else marks.translate(_ASCII_LOWER)
                if not any(word in marks for word in _DATE_LINE_WORDS):
                    continue
            elements.append(element)
            if len(elements) == _MAX_DATE_ELEMENTS:
                return elements
    return elements


def _leading_text(element: HtmlElement, limit: int = 200) -> str:
    """Return about the first `limit` characters of an element's text, whitespace collapsed."""
    parts: list[str] = []
    length = 0
    for part in element.itertext():
        parts.append(part)
        length += len(part)
        if length >= limit:
            break
    return normalise_space(" ".join(parts))[:limit]


def _dates_near(headline: HtmlElement | None, tz: tzinfo) -> list[tuple[ParsedDate, str]]:
    """Return the date shown just after the headline, else just before it in the same container."""
    if headline is None:
        return []
    after = [normalise_space(text) for text in islice(_texts_after(headline), _NEAR_HEADLINE_TEXTS)]
    # a date line may be split over a few text nodes ("Rabu, 4 November 2015 |", "21:04 WIB")
    parsed = find_date_detail(" | ".join(after), tz)
    siblings = headline.xpath("preceding-sibling::*[position() <= 3]")
    for sibling in siblings if not parsed else ():
        parsed = find_date_detail(_leading_text(sibling), tz)
        if parsed:
            break
    return [(parsed, "text")] if parsed else []


def _texts_after(element: HtmlElement) -> Iterator[str]:
    """Yield the text nodes after `element` in page order that are not blank, outside scripts and styles.

    The strings of the XPath `following::text()[normalize-space()][not(ancestor::script or
    ancestor::style)]`, which tested every text node to the end of the page (0.24 ms a page); this
    walk goes up from `element` through its later siblings and stops when the caller has enough.
    """
    node: HtmlElement | None = element
    while node is not None:
        yield from _visible_tail(node)
        for sibling in node.itersiblings():
            yield from _subtree_texts(sibling)
        node = node.getparent()


def _subtree_texts(node: HtmlElement) -> Iterator[str]:
    """Yield the non-blank text nodes of `node` and its descendants outside scripts and styles, then its tail."""
    # a comment's or processing instruction's .text is not a text node; script and style hold only theirs
    if isinstance(node.tag, str) and node.tag not in ("script", "style"):
        if node.text and node.text.strip(_XML_SPACE):
            yield node.text
        for child in node:
            yield from _subtree_texts(child)
    yield from _visible_tail(node)


def _visible_tail(node: HtmlElement) -> Iterator[str]:
    """Yield the text after `node` (its tail) when it is not blank, as XPath's normalize-space() has it."""
    if node.tail and node.tail.strip(_XML_SPACE):
        yield node.tail


def declared_language(tree: HtmlElement) -> str | None:
    """Return the primary language subtag from <html lang>, a language meta tag or og:locale."""
    for value in _declared_language_values(tree):
        subtag = re.split(r"[-_]", str(value).strip().lower())[0]
        if re.fullmatch(r"[a-z]{2,3}", subtag):
            return subtag
    return None


def _declared_language_values(tree: HtmlElement) -> Iterator[str]:
    """Yield <html lang> and <html xml:lang>, then the content of each language meta tag in page order.

    The values, in the order, of the XPath `/html/@lang | /html/@xml:lang | //meta[translate(@http-equiv,
    ...)='content-language' or @name='language' or @property='og:locale' or @itemprop='inLanguage']/@content`,
    which evaluated translate() for every meta tag in libxml2 (0.21 ms a page); lxml's iterator visits
    the meta tags and the test is a few attribute reads, and stops at the first usable value.
    """
    yield from tree.xpath("/html/@lang | /html/@xml:lang", namespaces={"xml": "http://www.w3.org/XML/1998/namespace"})
    for meta in tree.iter("meta"):
        content = meta.get("content")
        if content is not None and (
            (meta.get("http-equiv") or "").translate(_XPATH_CONTENT_LANGUAGE) == "content-language"
            or meta.get("name") == "language"
            or meta.get("property") == "og:locale"
            or meta.get("itemprop") == "inLanguage"
        ):
            yield content


def detect_language(text: str, dominance: int = 3) -> str | None:
    """Return "id" or "en" when their stopwords outnumber the other's `dominance` times in `text`, else None."""
    counts = Counter(_ascii_words(text))  # counted once, then looked up per stopword
    found = {lang: [counts[word] for word in words if word in counts] for lang, words in _STOPWORD_BYTES.items()}
    hits = {lang: sum(found[lang]) for lang in found}
    best = max(hits, key=lambda lang: hits[lang])
    others = sum(count for lang, count in hits.items() if lang != best)
    # several distinct stopwords, so that Italian "di" or Dutch "in" alone do not pass for Indonesian or English
    is_clear = hits[best] >= MIN_STOPWORD_HITS and len(found[best]) >= MIN_DISTINCT_STOPWORDS
    return best if is_clear and hits[best] >= dominance * others else None


def _ascii_words(text: str) -> list[bytes]:
    """Return the runs of ASCII letters a-z in lowercased `text`, as bytes: what the regex `[a-z]+` finds.

    Every other character becomes one byte that is not a letter ("?" for each non-ASCII one, then a
    space), so the runs are the same; bytes.translate and bytes.split do it in C at twice the regex's pace.
    Lowercasing only changes which bytes are ASCII letters for "A"-"Z" and the `LOWERED_TO_ASCII`
    characters, so without those the translation lowers "A"-"Z" itself and `str.lower` (a third of
    the time) is skipped.
    """
    if LOWERED_TO_ASCII[0] in text or LOWERED_TO_ASCII[1] in text:
        return text.lower().encode("ascii", "replace").translate(_LETTERS_ONLY).split()
    return text.encode("ascii", "replace").translate(_LOWERED_LETTERS_ONLY).split()


def canonical_link(tree: HtmlElement, url: str) -> str | None:
    """Return the page's rel=canonical link made absolute, or None."""
    # the links of `//link[translate(@rel, 'CANONICAL', 'canonical')='canonical']/@href` in page order;
    # libxml2 evaluated translate() for every link (0.23 ms a page), lxml's iterator only visits them
    for link in tree.iter("link"):
        href = link.get("href")
        if href is not None and (link.get("rel") or "").translate(_XPATH_CANONICAL) == "canonical":
            absolute = absolute_http_url(href, url)
            if absolute:
                return absolute
    return None


def normalise_space(text: str) -> str:
    """Return `text` with runs of whitespace collapsed to one space and trimmed."""
    return _WS.sub(" ", text).strip()
