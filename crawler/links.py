"""Which links a source follows: its own hosts, its `follow` patterns minus its `deny` patterns.

A pattern starting with '/' matches the start of the URL path; any other pattern is
searched in the full URL. Links never leave the source's own hosts (host and port of
its configured URLs) unless a `follow` pattern names the other host. This module
only decides; it never fetches.
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
    """Return 'host:port' of an http(s) URL, lowercased, with the scheme's default port filled in."""
    parts = urlsplit(url)
    host = (parts.hostname or "").lower()
    try:
        port = parts.port
    except ValueError:
        return host
    if port is None:
        port = 443 if parts.scheme == "https" else 80
    return f"{host}:{port}"


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

    def names_host(self, url: str) -> bool:
        """Return True when the pattern is written for the URL's host (so it may leave the source's hosts)."""
        host = (urlsplit(url).hostname or "").lower()
        return bool(host) and not self.is_path_prefix and host in self.text.replace("\\", "").lower()


class LinkFilter:
    """Decide which discovered links of one source are followed."""

    def __init__(self, hosts: Iterable[str], follow: Sequence[str] = (), deny: Sequence[str] = ()) -> None:
        self.hosts = frozenset(hosts)
        self.follow = [LinkPattern.compile(text) for text in follow]
        self.deny = [LinkPattern.compile(text) for text in deny]

    @classmethod
    def for_source(cls, source: SourceConfig) -> LinkFilter:
        """Return the filter of a configured source: its URLs' hosts and its patterns."""
        return cls({origin(url) for url in source.urls}, source.follow, source.deny)

    def is_own_host(self, url: str) -> bool:
        """Return True when the URL is on one of the source's hosts."""
        return origin(url) in self.hosts

    def allows(self, url: str) -> bool:
        """Return True when the link is followed: http(s), on an allowed host, matching follow, not deny."""
        if urlsplit(url).scheme not in ("http", "https"):
            return False
        if any(pattern.matches(url) for pattern in self.deny):
            return False
        if self.is_own_host(url):
            return not self.follow or any(pattern.matches(url) for pattern in self.follow)
        return any(pattern.matches(url) and pattern.names_host(url) for pattern in self.follow)
