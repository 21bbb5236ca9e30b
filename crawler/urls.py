"""Canonical URLs: one spelling per page, so the archive keys a document once.

Normalises scheme, host, port, percent-encoding and query order, and drops fragments and
tracking parameters. It does not guess at site-specific rewrites (``index.html``, trailing
slashes, ``www.``): a slash given is kept, and only an empty path becomes ``/``.
"""

from __future__ import annotations

import logging
import re
from urllib.parse import quote, urljoin, urlsplit, urlunsplit

logger = logging.getLogger(__name__)

DEFAULT_PORTS = {"http": 80, "https": 443}
TRACKING_PARAMS = frozenset(
    {
        "fbclid", "gclid", "dclid", "gbraid", "wbraid", "msclkid", "mc_cid", "mc_eid", "igshid", "yclid",
        "_ga", "_gl", "_hsenc", "_hsmi", "ref_src", "ref_url", "mkt_tok", "oly_anon_id", "oly_enc_id",
        "vero_id", "wickedid", "twclid", "ttclid", "li_fat_id", "s_cid", "spm", "cmpid",
    }
)  # fmt: skip
TRACKING_PREFIXES = ("utm_", "pk_", "mtm_", "hsa_")
_ESCAPE = re.compile(r"%([0-9A-Fa-f]{2})")
_UNRESERVED = frozenset("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-._~")
# characters that may stay literal; everything else (spaces, non-ASCII, quotes) is escaped
_PATH_SAFE = "%/:@!$&'()*+,;=-._~"
_QUERY_PART_SAFE = "%/:@!$'()*+,;-._~?"


def canonicalize_url(url: str, base: str | None = None) -> str:
    """Return the canonical absolute form of `url` (resolved against `base` when relative).

    Raises ValueError when the result is not an http(s) URL with a host.
    """
    absolute = urljoin(base, url.strip()) if base else url.strip()
    parts = urlsplit(absolute)
    scheme = parts.scheme.lower()
    if scheme not in DEFAULT_PORTS or not parts.hostname:
        raise ValueError(f"{url!r} is not an absolute http(s) URL; give a base URL to resolve relative links")
    path = _normalise_escapes(parts.path, _PATH_SAFE) or "/"
    return urlunsplit((scheme, _netloc(scheme, parts.hostname, parts.port), path, _clean_query(parts.query), ""))


def canonical_from_page(page_url: str, rel_canonical: str | None) -> str:
    """Return the canonical URL of a page: its rel=canonical when on the same site, else the page URL."""
    page = canonicalize_url(page_url)
    if not rel_canonical:
        return page
    try:
        declared = canonicalize_url(rel_canonical, base=page)
    except ValueError:
        logger.debug("ignoring unusable rel=canonical %r on %s", rel_canonical, page)
        return page
    if not same_site(page, declared):
        logger.debug("ignoring cross-site rel=canonical %s on %s", declared, page)
        return page
    return declared


def same_site(url_a: str, url_b: str) -> bool:
    """Return whether two URLs are on the same host, counting www.example.org and example.org as one."""
    return _site_host(url_a) == _site_host(url_b) != ""


def _site_host(url: str) -> str:
    """Return the lowercase host of `url` without a leading ``www.`` ("" when there is none)."""
    host = (urlsplit(url.strip()).hostname or "").rstrip(".")
    return host.removeprefix("www.")


def _netloc(scheme: str, hostname: str, port: int | None) -> str:
    """Return host[:port] in lowercase (IDNA for non-ASCII hosts) without the scheme's default port."""
    host = hostname.rstrip(".").lower()
    if not host.isascii():
        host = host.encode("idna").decode("ascii")
    if ":" in host:  # an IPv6 literal keeps its brackets
        host = f"[{host}]"
    return host if port in (None, DEFAULT_PORTS[scheme]) else f"{host}:{port}"


def _clean_query(query: str) -> str:
    """Return the query without tracking parameters, its pairs normalised and sorted."""
    pairs = []
    for pair in query.split("&"):
        if not pair:
            continue
        key, sep, value = pair.partition("=")
        key = _normalise_escapes(key.replace("+", "%20"), _QUERY_PART_SAFE)
        if _is_tracking(key):
            continue
        value = _normalise_escapes(value.replace("+", "%20"), _QUERY_PART_SAFE + "=")
        pairs.append((key, sep, value))
    return "&".join(f"{key}{sep}{value}" for key, sep, value in sorted(pairs))


def _is_tracking(key: str) -> bool:
    """Return whether a (normalised) query parameter name is a known tracking parameter."""
    name = key.lower()
    return name in TRACKING_PARAMS or name.startswith(TRACKING_PREFIXES)


def _normalise_escapes(text: str, safe: str) -> str:
    """Decode escapes of unreserved characters, upper-case the others, and escape unsafe characters."""
    decoded = _ESCAPE.sub(_normalise_escape, text)
    return quote(decoded, safe=safe)


def _normalise_escape(match: re.Match[str]) -> str:
    """Return the character for an escaped unreserved character, else the escape in upper case."""
    char = chr(int(match.group(1), 16))
    return char if char in _UNRESERVED else f"%{match.group(1).upper()}"
