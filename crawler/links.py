"""Which links a source follows: on its own origins, matching its `follow` patterns minus its `deny` patterns.

A source's own origins are the scheme, host and port of each of its configured URLs,
plus the hosts (and their subdomains) of its `allowed_domains`, on any scheme and port.
Nothing else is ever requested: crawler.origins refuses other requests, redirects
included. A pattern starting with '/' matches the start of the URL path; any other
pattern is searched in the full URL. This module only decides; it never fetches.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from urllib.parse import urlsplit

from warta.config import SourceConfig

logger = logging.getLogger(__name__)


def origin(url: str) -> str:
    """Return 'scheme://host:port' of an http(s) URL, lowercased, with the scheme's default port filled in."""
    parts = urlsplit(url)
    scheme = parts.scheme.lower()
    host = (parts.hostname or "").lower()
    try:
        port = parts.port
    except ValueError:
        return f"{scheme}://{host}"
    if port is None:
        port = 443 if scheme == "https" else 80
    return f"{scheme}://{host}:{port}"


def in_domains(url: str, domains: Iterable[str]) -> bool:
    """Return True when the URL's host is one of `domains` or a subdomain of one."""
    host = (urlsplit(url).hostname or "").lower().rstrip(".")
    return bool(host) and any(host == domain or host.endswith("." + domain) for domain in domains)


@dataclass(frozen=True)
class LinkPattern:
    """One `follow` or `deny` pattern, compiled."""

    text: str
    regex: re.Pattern[str]

    @classmethod
    def compile(cls, text: str) -> LinkPattern:
        """Return the compiled pattern."""
        return cls(text, re.compile(text))

    @property
    def is_path_prefix(self) -> bool:
        """Return True for a pattern anchored at the start of the URL path."""
        return self.text.startswith("/")

    def matches(self, url: str) -> bool:
        """Return True when the pattern matches the URL."""
        if self.is_path_prefix:
            return self.regex.match(urlsplit(url).path or "/") is not None
        return self.regex.search(url) is not None


class LinkFilter:
    """Decide which discovered links of one source are followed."""

    def __init__(
        self,
        origins: Iterable[str],
        follow: Sequence[str] = (),
        deny: Sequence[str] = (),
        allowed_domains: Iterable[str] = (),
    ) -> None:
        self.origins = frozenset(origins)
        self.allowed_domains = tuple(allowed_domains)
        self.follow = [LinkPattern.compile(text) for text in follow]
        self.deny = [LinkPattern.compile(text) for text in deny]

    @classmethod
    def for_source(cls, source: SourceConfig) -> LinkFilter:
        """Return the filter of a configured source: its URLs' origins, its allowed domains and its patterns."""
        return cls({origin(url) for url in source.urls}, source.follow, source.deny, source.allowed_domains)

    def is_own_host(self, url: str) -> bool:
        """Return True when the source may request the URL: on its own origins or its allowed domains."""
        if urlsplit(url).scheme.lower() not in ("http", "https"):
            return False
        return origin(url) in self.origins or in_domains(url, self.allowed_domains)

    def allows(self, url: str) -> bool:
        """Return True when the link is followed: http(s), on the source's origins, matching follow, not deny."""
        if not self.is_own_host(url):
            return False
        if any(pattern.matches(url) for pattern in self.deny):
            return False
        return not self.follow or any(pattern.matches(url) for pattern in self.follow)
