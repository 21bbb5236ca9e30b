"""Entry bodies: stored HTML re-sanitized for feeds, plain text as paragraphs, and summaries.

Stored revision HTML was sanitized when it was extracted; it is cleaned again
here because feeds are read by many clients that trust them, and an older
archive may hold HTML sanitized by older rules. Only http(s) and mailto links
survive; relative links are made absolute against the page's URL.
"""

from __future__ import annotations

import html
import re
from urllib.parse import urljoin, urlsplit

import nh3

SAFE_SCHEMES = frozenset({"http", "https", "mailto"})
SUMMARY_CHARS = 300
_BLANK_LINES = re.compile(r"\n\s*\n")
_SPACES = re.compile(r"\s+")
# what sanitized HTML can open with: bare text up to the first tag, or a first paragraph or heading
_LEADING_TEXT = re.compile(r"\s*([^<]+)(?=<)")
_LEADING_BLOCK = re.compile(r"\s*<(p|h[1-6])\b[^>]*>(.*?)</\1>", re.DOTALL)


def is_safe_url(url: str | None) -> bool:
    """Return True when `url` is an absolute http(s) URL (nothing a feed reader could execute)."""
    if not url:
        return False
    parts = urlsplit(url.strip())
    return parts.scheme.lower() in ("http", "https") and bool(parts.netloc)


def sanitize_html(fragment: str, page_url: str | None = None) -> str:
    """Return `fragment` with scripts, styles, frames, event handlers and unsafe URLs removed."""

    def absolute(url: str) -> str | None:
        resolved = urljoin(page_url, url) if page_url and is_safe_url(page_url) else None
        return resolved if is_safe_url(resolved) else None

    return nh3.clean(
        fragment,
        tags=nh3.ALLOWED_TAGS - {"area", "map"},
        clean_content_tags={"script", "style", "iframe", "noscript", "template", "object", "embed"},
        url_schemes=set(SAFE_SCHEMES),
        url_relative=absolute,
        strip_comments=True,
    ).strip()


def text_to_html(text: str) -> str:
    """Return plain `text` as escaped HTML paragraphs, one per blank-line-separated block."""
    blocks = [block.strip() for block in _BLANK_LINES.split(text) if block.strip()]
    return "".join(f"<p>{html.escape(block).replace(chr(10), '<br>')}</p>" for block in blocks)


def body_html(stored_html: str, text: str, page_url: str | None = None, title: str = "") -> str:
    """Return the body an entry shows: the sanitized stored HTML, else the text as paragraphs.

    A headline repeated at the start of the body (extraction often keeps it, as bare
    text or as the first paragraph or heading) is left out: the entry shows its title.
    """
    cleaned = sanitize_html(stored_html, page_url) if stored_html.strip() else ""
    if _SPACES.sub("", nh3.clean(cleaned, tags=set())):
        return strip_leading_headline_html(cleaned, title)
    return text_to_html(strip_leading_headline_text(text, title))


def _same_words(fragment: str, title: str) -> bool:
    """Return whether `fragment` reads as `title`: same words, whatever the case, spacing or end punctuation."""

    def words(value: str) -> str:
        return _SPACES.sub(" ", value).strip().rstrip(" .:").casefold()

    return bool(words(title)) and words(fragment) == words(title)


def strip_leading_headline_html(fragment: str, title: str) -> str:
    """Return sanitized HTML without a leading text, paragraph or heading that repeats `title`."""
    if not title:
        return fragment
    bare = _LEADING_TEXT.match(fragment)
    if bare and _same_words(html.unescape(bare.group(1)), title):
        return fragment[bare.end() :].lstrip()
    block = _LEADING_BLOCK.match(fragment)
    rest = fragment[block.end() :].lstrip() if block else ""
    if block and rest and _same_words(html.unescape(nh3.clean(block.group(2), tags=set())), title):
        return rest
    return fragment


def strip_leading_headline_text(text: str, title: str) -> str:
    """Return plain `text` without a first line that repeats `title`."""
    first, _newline, rest = text.lstrip().partition("\n")
    return rest.lstrip() if rest and _same_words(first, title) else text


def summarize(text: str, title: str = "", max_chars: int = SUMMARY_CHARS) -> str:
    """Return about the first `max_chars` characters of `text`, cut at a word, with an ellipsis when cut."""
    flat = _SPACES.sub(" ", text).strip()
    headline = _SPACES.sub(" ", title).strip()
    # extracted text often opens with the headline; the entry shows the title already
    rest = flat[len(headline) :]
    if headline and flat.casefold().startswith(headline.casefold()) and rest and not rest[0].isalnum():
        flat = rest.lstrip(" .:-–—")
    if len(flat) <= max_chars:
        return flat
    cut = flat[:max_chars].rsplit(" ", 1)[0] or flat[:max_chars]
    return cut.rstrip(" ,;:.") + "…"
