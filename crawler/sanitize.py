"""Sanitized article HTML: the safe subset of markup that feeds and archives may carry.

Keeps text structure (paragraphs, headings, lists, quotes, emphasis, figures, simple tables,
code) and links and images with absolute http(s) URLs. Drops scripts, styles, frames,
objects, forms, event handlers, inline styles, classes, ids and every non-http(s) URL
(``javascript:``, ``data:`` including data images, ``vbscript:``). It does not reformat text.
"""

from __future__ import annotations

import logging
from urllib.parse import urljoin, urlsplit

import nh3

logger = logging.getLogger(__name__)

ALLOWED_TAGS = frozenset(
    {
        "p", "br", "a", "h2", "h3", "h4", "h5", "h6", "ul", "ol", "li", "blockquote", "em", "strong", "b", "i",
        "figure", "figcaption", "img", "table", "thead", "tbody", "tfoot", "tr", "th", "td", "caption",
        "pre", "code",
    }
)  # fmt: skip
ALLOWED_ATTRIBUTES = {"a": {"href"}, "img": {"src", "alt"}, "th": {"colspan", "rowspan"}, "td": {"colspan", "rowspan"}}
# removed together with their content: their text is never article text
DROPPED_WITH_CONTENT = frozenset({"script", "style", "iframe", "object", "embed", "form", "noscript", "template"})
URL_ATTRIBUTES = frozenset({"href", "src"})
URL_SCHEMES = frozenset({"http", "https"})
LINK_REL = "noopener noreferrer nofollow"


def sanitize_html(html: str, base_url: str) -> str:
    """Return `html` reduced to the safe article subset, with links and images made absolute."""

    def resolve(tag: str, attribute: str, value: str) -> str | None:
        return absolute_http_url(value, base_url) if attribute in URL_ATTRIBUTES else value

    return nh3.clean(
        html,
        tags=set(ALLOWED_TAGS),
        clean_content_tags=set(DROPPED_WITH_CONTENT),
        attributes={tag: set(names) for tag, names in ALLOWED_ATTRIBUTES.items()},
        attribute_filter=resolve,
        url_schemes=set(URL_SCHEMES),
        link_rel=LINK_REL,
        strip_comments=True,
    ).strip()


def absolute_http_url(value: str, base_url: str) -> str | None:
    """Return `value` resolved against `base_url` when it is an http(s) URL, else None."""
    # browsers ignore control characters and whitespace inside a scheme ("java\tscript:"), so must we
    compact = "".join(char for char in value if char > " ")
    if urlsplit(urljoin(base_url, compact)).scheme.lower() not in URL_SCHEMES:
        logger.debug("dropping non-http URL %.60r", value)
        return None
    return urljoin(base_url, value.strip())
