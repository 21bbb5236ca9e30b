"""Single polite HTTP requests for the source tools: a GET or HEAD with a timeout, a size cap and our User-Agent.

This is for `warta discover`, which makes a handful of requests to look at a site. It is
not the crawler: no Scrapy, no retries, no storage. robots.txt is obeyed for every URL
except the one the operator asked for. XML is parsed without DTDs, entities or network.
"""

from __future__ import annotations

import logging
import urllib.robotparser
from dataclasses import dataclass
from urllib.parse import urljoin, urlsplit

import httpx
from lxml import etree

from warta.config import CrawlerSettings, WartaConfig
from warta.crawler import safexml
from warta.crawler.errors import CrawlerError
from warta.crawler.http_client import http_client
from warta.crawler.safexml import UnsafeXmlError, gunzip_bounded, is_gzipped

logger = logging.getLogger(__name__)

DEFAULT_MAX_BYTES = 5_000_000


class ProbeError(CrawlerError):
    """Raised when a URL the operator named cannot be fetched at all (network error, refused, timeout)."""


@dataclass(frozen=True)
class Probe:
    """The answer to one request."""

    url: str
    status: int
    content_type: str
    body: bytes

    @property
    def ok(self) -> bool:
        """Return whether the request answered 2xx."""
        return 200 <= self.status < 300


class Prober:
    """Make single GET and HEAD requests, obeying robots.txt, with a timeout and a body size cap."""

    def __init__(self, user_agent: str, timeout_seconds: float, max_bytes: int = DEFAULT_MAX_BYTES) -> None:
        self.user_agent = user_agent
        self.timeout_seconds = timeout_seconds
        self.max_bytes = max_bytes
        self._robots: dict[str, urllib.robotparser.RobotFileParser] = {}
        self.robots_bodies: dict[str, str] = {}
        self._unreachable_robots: set[str] = set()

    @classmethod
    def from_config(cls, cfg: WartaConfig | None) -> Prober:
        """Build a prober with the configured User-Agent, timeout and page size (defaults without a config)."""
        crawler = cfg.crawler if cfg is not None else CrawlerSettings()
        return cls(crawler.user_agent, crawler.timeout.total_seconds(), min(crawler.max_page_bytes, DEFAULT_MAX_BYTES))

    def fetch(self, url: str, method: str = "GET", obey_robots: bool = True) -> Probe | None:
        """Return the answer for `url`; None when robots.txt forbids it or the network fails."""
        if obey_robots and not self.allowed(url):
            logger.debug("robots.txt disallows %s; not probing it", url)
            return None
        try:
            return self._request(url, method)
        except ProbeError as exc:
            logger.debug("probe of %s failed: %s", url, exc)
            return None

    def fetch_start(self, url: str) -> Probe:
        """Return the answer for the URL the operator named; raise ProbeError when nothing answers."""
        return self._request(url, "GET")

    def allowed(self, url: str) -> bool:
        """Return whether robots.txt of the URL's host lets our User-Agent fetch it."""
        root = site_root(url)
        if root not in self._robots:
            parser = urllib.robotparser.RobotFileParser()
            body = ""
            try:
                answer = self._request(root + "robots.txt", "GET")
            except ProbeError:
                answer = None
            if answer is not None and answer.ok:
                body = answer.body.decode("utf-8", "replace")
            # RFC 9309: a missing robots.txt (4xx) allows everything; an unreachable one (5xx,
            # network error) must be taken as disallowing everything
            parser.parse(body.splitlines())
            if answer is None or answer.status >= 500:
                self._unreachable_robots.add(root)
            self._robots[root] = parser
            self.robots_bodies[root] = body
        return root not in self._unreachable_robots and self._robots[root].can_fetch(self.user_agent, url)

    def _request(self, url: str, method: str) -> Probe:
        try:
            with (
                http_client(self.user_agent, self.timeout_seconds) as client,
                # only gzip, decoded here within max_bytes (httpx would decode any encoding, unbounded)
                client.stream(method, url, headers={"Accept-Encoding": "gzip"}) as response,
            ):
                content_type = response.headers.get("Content-Type", "")
                if response.status_code >= 400:
                    return Probe(url, response.status_code, content_type, b"")
                raw = _read_at_most(response, self.max_bytes + 1)
                body = self._body(raw, response.headers.get("Content-Encoding", ""))
                return Probe(str(response.url), response.status_code, content_type, body)
        except (httpx.HTTPError, httpx.InvalidURL, OSError, ValueError) as exc:
            raise ProbeError(f"cannot fetch {url}: {exc or type(exc).__name__}") from exc

    def _body(self, raw: bytes, encoding: str) -> bytes:
        if len(raw) > self.max_bytes:
            raise ProbeError(f"the answer is larger than {self.max_bytes} bytes")
        if encoding.lower() == "gzip" or is_gzipped(raw):
            try:
                return gunzip_bounded(raw, self.max_bytes)
            except UnsafeXmlError as exc:  # a compression bomb or corrupt data
                raise ProbeError(f"the gzipped answer cannot be read: {exc}") from exc
        return raw


def _read_at_most(response: httpx.Response, limit: int) -> bytes:
    """Return the raw (still encoded) body, reading no more than `limit` bytes of it."""
    chunks: list[bytes] = []
    size = 0
    for chunk in response.iter_raw():
        chunks.append(chunk)
        size += len(chunk)
        if size >= limit:
            break
    return b"".join(chunks)[:limit]


def site_root(url: str) -> str:
    """Return scheme://host[:port]/ of a URL."""
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}/"


def parse_xml(body: bytes, max_bytes: int = DEFAULT_MAX_BYTES) -> etree._Element:
    """Return the root of an XML document; refuse DTDs and entities (XXE, billion laughs) and oversized input."""
    if b"<!DOCTYPE" in body[:4096].upper() or b"<!ENTITY" in body.upper():
        raise UnsafeXmlError("the XML document declares a DTD or entities, which warta does not parse")
    return safexml.parse_xml(body, max_bytes)


def absolute(base: str, link: str) -> str:
    """Return `link` resolved against `base`, without its fragment."""
    return urljoin(base, link.strip()).split("#", 1)[0]
