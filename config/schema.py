"""The typed schema of warta.toml: every key, its default and its help text.

This is the one place that defines configuration keys. The CLI, the daemon, the
configuration reference in docs/ and `warta config check` all read it. Loading
a file (finding it, environment overrides, relative paths) is in config.loader.
"""

from __future__ import annotations

import re
from datetime import timedelta
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path
from typing import Annotated, Any, Literal
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import jmespath
from jmespath.exceptions import JMESPathError
from pydantic import (
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    PlainSerializer,
    PlainValidator,
    ValidationInfo,
    WithJsonSchema,
    field_validator,
    model_validator,
)

from warta.config.durations import format_duration, parse_duration, parse_size
from warta.config.schedules import Schedule, parse_schedule, to_schedule
from warta.config.secrets import Secret, SecretUrl, mask_url

try:
    VERSION = version("warta")
except PackageNotFoundError:  # running from a source tree that was never installed
    VERSION = "0.0.0"

PROJECT_URL = "https://github.com/warta-project/warta"
SLUG = re.compile(r"^[a-z0-9][a-z0-9_-]{0,62}$")
# An e-mail address as archives write it in a bag's Contact-Email: one @, no spaces, a dot in the domain.
EMAIL = re.compile(r"[^@\s]+@[^@\s]+\.[^@\s.]+")
SOURCE_KINDS = ("feed", "sitemap", "listing", "page", "json")
# `next_page = "?page"`: count up this query parameter instead of reading the next page's URL
QUERY_PARAMETER = re.compile(r"^\?[A-Za-z0-9_.\[\]-]+$")
HOST_NAME = re.compile(r"^(?=.{1,253}$)[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?(\.[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?)*$")
SNAPSHOT_FORMATS = ("jsonl", "csv", "warc", "wacz", "bagit")

Duration = Annotated[
    timedelta,
    BeforeValidator(parse_duration),
    PlainSerializer(format_duration, return_type=str),
]
Size = Annotated[int, BeforeValidator(parse_size)]
# Parsed once when the config is read; written back (config show, Scrapyd job arguments) as its text.
ScheduleField = Annotated[
    Schedule,
    PlainValidator(to_schedule),
    PlainSerializer(str, return_type=str),
    WithJsonSchema({"type": "string"}),
]


def _check_slug(value: str) -> str:
    if not SLUG.match(value):
        raise ValueError(
            f"{value!r} is not a valid id; use lowercase letters, digits, '-' and '_' (e.g. 'dinas-kebudayaan')"
        )
    return value


def _check_http_url(value: str) -> str:
    parts = urlsplit(value)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise ValueError(
            f"{mask_url(value)!r} is not an http(s) URL; write it in full, e.g. 'https://example.org/news'"
        )
    return value


def _check_timezone(value: str) -> str:
    try:
        ZoneInfo(value)
    except (ZoneInfoNotFoundError, ValueError):
        raise ValueError(f"{value!r} is not a known timezone; use an IANA name such as 'Asia/Jakarta'") from None
    return value


def _check_pattern(value: str) -> str:
    try:
        re.compile(value)
    except re.error as exc:
        raise ValueError(
            f"{value!r} is not a valid regular expression ({exc}); fix the pattern, and escape characters "
            "meant literally with a backslash, e.g. '\\.pdf$' (single-quoted TOML strings keep backslashes)"
        ) from None
    return value


def _check_jmespath(value: str) -> str:
    try:
        jmespath.compile(value)
    except JMESPathError as exc:
        detail = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
        raise ValueError(
            f"{value!r} is not a JMESPath expression ({detail}); write a path such as 'data.items' or "
            "'links.self' (see https://jmespath.org)"
        ) from None
    return value


def _check_next_page(value: str) -> str:
    if value.startswith("?"):
        if not QUERY_PARAMETER.match(value):
            raise ValueError(
                f"{value!r} is not a query parameter to count up; write '?page' (the parameter's name after '?')"
            )
        return value
    return _check_jmespath(value)


def _check_host(value: str) -> str:
    host = value.strip().lower().rstrip(".")
    if not HOST_NAME.match(host):
        raise ValueError(
            f"{value!r} is not a host name; write the host alone, without scheme, port or path, "
            "e.g. 'cdn.jakarta.go.id'"
        )
    return host


Slug = Annotated[str, BeforeValidator(lambda v: _check_slug(v) if isinstance(v, str) else v)]
JmesPath = Annotated[str, BeforeValidator(lambda v: _check_jmespath(v) if isinstance(v, str) else v)]
HostName = Annotated[str, BeforeValidator(lambda v: _check_host(v) if isinstance(v, str) else v)]
HttpUrl = Annotated[str, BeforeValidator(lambda v: _check_http_url(v) if isinstance(v, str) else v)]
# an http(s) URL that may hold a password (config.secrets.SecretUrl)
SecretHttpUrl = Annotated[SecretUrl, BeforeValidator(lambda v: _check_http_url(v) if isinstance(v, str) else v)]
Pattern = Annotated[str, BeforeValidator(lambda v: _check_pattern(v) if isinstance(v, str) else v)]


class Section(BaseModel):
    """Base of every config table: unknown keys are errors, values are immutable."""

    model_config = ConfigDict(extra="forbid", frozen=True, validate_default=True)


class StorageSettings(Section):
    """Where the archive database lives."""

    url: SecretUrl = Field(
        SecretUrl("sqlite:///warta.db"),
        description=(
            "Database URL. SQLite paths are relative to the config file; for production use "
            "'postgresql+psycopg://user:password@host/dbname'. Overridden by $WARTA_STORAGE_URL."
        ),
    )

    @field_validator("url", mode="before")
    @classmethod
    def _supported_database(cls, value: Any) -> Any:
        if not isinstance(value, str):
            return value
        scheme = value.split("://", 1)[0] if "://" in value else ""
        if scheme == "postgresql":
            return "postgresql+psycopg://" + value.split("://", 1)[1]
        if scheme not in ("sqlite", "postgresql+psycopg"):
            # without '://' the value cannot be masked reliably, and it may hold a password
            shown = scheme or ("***@" + value.rpartition("@")[2] if "@" in value else value)
            raise ValueError(
                f"unsupported database URL scheme {shown!r}; use 'sqlite:///path/to/warta.db' "
                "or 'postgresql+psycopg://user@host/dbname'"
            )
        return value


class CrawlerSettings(Section):
    """How politely and how hard the spiders crawl."""

    user_agent: str = Field(
        f"warta/{VERSION} (+{PROJECT_URL})",
        description="User-Agent header sent with every request; name your project and a contact URL.",
        min_length=1,
    )
    obey_robots: bool = Field(True, description="Obey robots.txt rules for the user agent.")
    concurrency: int = Field(8, ge=1, le=256, description="Requests in flight at once over all hosts.")
    per_host_concurrency: int = Field(2, ge=1, le=64, description="Requests in flight at once to one host.")
    download_delay: Duration = Field(
        timedelta(seconds=1), description="Least delay between two requests to one host (seconds or '500ms')."
    )
    timeout: Duration = Field(timedelta(seconds=30), description="Give up on a request after this long.")
    max_page_bytes: Size = Field(
        10_000_000, description="Largest response body accepted, after decompression (bytes or '10MB')."
    )
    revisit_days: int = Field(
        30, ge=0, description="Articles older than this many days are not refetched on every run."
    )
    capture_requisites: bool = Field(
        False,
        description=(
            "Also fetch the images, stylesheets and fonts an archived article page uses, once per crawl, "
            "so that replay of the WARC shows the page as it looked (a source may override it)."
        ),
    )
    requisites_max_bytes: Size = Field(
        5_000_000,
        description=(
            "Most bytes of requisites fetched for one article page (bytes or '5MB'); the rest of its "
            "requisites are left out."
        ),
    )
    timezone: str = Field("Asia/Jakarta", description="Timezone of dates that carry none (a source may override it).")
    browser_path: Path | None = Field(
        None,
        description="Chromium executable for sources with render = 'browser' (default: found at the usual "
        "paths of Debian's and other distributions' chromium, e.g. /usr/bin/chromium).",
    )
    max_browser_pages: int = Field(
        2, ge=1, le=32, description="Pages rendered at once by each browser source's crawl (a browser context each)."
    )

    @field_validator("timezone")
    @classmethod
    def _valid_timezone(cls, value: str) -> str:
        return _check_timezone(value)


class FeedSettings(Section):
    """The curated feeds written by `warta feeds build`."""

    dir: Path = Field(Path("public"), description="Folder the feeds are written to (relative to the config file).")
    base_url: HttpUrl = Field(
        "http://127.0.0.1:8080/",
        description="Public URL of the feed folder, used for self links, entry ids and the OPML.",
    )
    max_entries: int = Field(50, ge=1, le=10_000, description="Newest entries kept in each feed.")
    title_prefix: str = Field("warta", description="Prefix of every feed title, e.g. 'warta: WCCF'.")

    @field_validator("base_url")
    @classmethod
    def _trailing_slash(cls, value: str) -> str:
        return value if value.endswith("/") else value + "/"


class DaemonSettings(Section):
    """The long-running scheduler started by `warta daemon`."""

    listen: str = Field(
        "127.0.0.1:8080",
        description="host:port of the daemon's HTTP server (the archive browser, the feeds, /healthz, /metrics).",
    )
    max_parallel_crawls: int = Field(2, ge=1, le=64, description="Crawls running at the same time.")
    crawl_timeout: Duration = Field(
        timedelta(hours=1), description="Wall-clock limit of one crawl; a crawl past it is stopped and failed."
    )
    webhook_url: SecretHttpUrl | None = Field(
        None, description="URL that receives a JSON POST for each alert. Overridden by $WARTA_WEBHOOK_URL."
    )
    shutdown_grace: Duration = Field(
        timedelta(seconds=30),
        description="On SIGTERM or SIGINT, how long running crawls may take to finish before they are stopped.",
    )
    failing_after: int = Field(
        2, ge=1, le=100, description="Failed runs in a row after which a source's health is 'failing' (and alerts)."
    )

    executor: Literal["local", "scrapyd"] = Field(
        "local",
        description=(
            "Where crawls run: 'local' (a child process of the daemon) or 'scrapyd' (dispatched to "
            "[daemon] scrapyd_nodes; needs a PostgreSQL [storage] url the nodes can reach)."
        ),
    )
    scrapyd_nodes: list[SecretHttpUrl] = Field(
        default_factory=list,
        description=(
            "Scrapyd nodes that run the crawls when executor = 'scrapyd', e.g. ['http://crawler-1:6800']. "
            "Credentials may be given as 'http://user:password@host:6800'."
        ),
    )
    scrapyd_project: Slug = Field("warta", description="Scrapyd project that `warta deploy` uploads and runs.")
    scrapyd_username: str | None = Field(None, description="Basic-auth user name for every Scrapyd node.")
    scrapyd_password: Secret | None = Field(
        None, description="Basic-auth password for every Scrapyd node. Overridden by $WARTA_SCRAPYD_PASSWORD."
    )
    scrapyd_database_url: SecretUrl | None = Field(
        None,
        description=(
            "Database URL sent to the Scrapyd jobs (default: [storage] url). It travels in the job's arguments, "
            "which the node logs: give a URL without the password and set PGPASSWORD on the nodes to keep it out."
        ),
    )
    scrapyd_retry_after: Duration = Field(
        timedelta(seconds=30), description="A Scrapyd node that stopped answering is tried again after this long."
    )

    @field_validator("listen")
    @classmethod
    def _host_port(cls, value: str) -> str:
        host, sep, port = value.rpartition(":")
        if not sep or not host or not port.isdigit() or not 0 < int(port) < 65536:
            raise ValueError(f"{value!r} is not host:port; write e.g. '127.0.0.1:8080'")
        return value


class DedupSettings(Section):
    """How near-duplicate stories are found and clustered (storage/dedup.py; docs/clusters.md).

    After changing a key, `warta clusters rebuild` reclusters the stories already archived.
    """

    min_words: int = Field(
        40, ge=1, description="Stories with fewer words are never clustered: short notices look alike by their form."
    )
    min_coverage: float = Field(
        0.5,
        ge=0.0,
        le=1.0,
        description=(
            "To join a cluster: the share of the shorter story's word 3-shingles that the two stories share. "
            "A copy cut to its first paragraphs or with lines added still shares nearly all of the shorter one; "
            "a festival's day-two report repeating one paragraph shares about a third."
        ),
    )
    min_agreement: float = Field(
        0.93,
        ge=0.0,
        le=1.0,
        description=(
            "To join a cluster: over the lines both stories tell, the share of one story's shingles found in the "
            "other, in the direction where it is higher. A copy adds or cuts whole lines, so its own lines are "
            "all in the original (0.95 and above on the evaluation set); two announcements of one series "
            "differ inside the same lines in date, venue and performers (0.87 and below)."
        ),
    )
    stay_min_coverage: float = Field(
        0.4,
        ge=0.0,
        le=1.0,
        description="For a member edited after it joined to stay in its cluster: min_coverage against one member.",
    )
    stay_min_agreement: float = Field(
        0.7,
        ge=0.0,
        le=1.0,
        description=(
            "For a member edited after it joined to stay in its cluster: min_agreement against one member. "
            "A copy that diverges into another story falls below the stay thresholds and leaves."
        ),
    )

    @model_validator(mode="after")
    def _stay_is_looser_than_join(self) -> DedupSettings:
        if self.stay_min_coverage > self.min_coverage or self.stay_min_agreement > self.min_agreement:
            raise ValueError(
                "dedup.stay_min_coverage and dedup.stay_min_agreement must not be above min_coverage and "
                "min_agreement: an edited story would leave a cluster it would join again"
            )
        return self


class ArchiveSettings(Section):
    """Who the exported archives say they come from."""

    organization: str = Field(
        "warta", description="Name of the archiving organization, written into BagIt bag-info and WARC headers."
    )
    contact: str | None = Field(
        None,
        description=(
            "E-mail address of the archive's operator, e.g. 'arsip@example.org': the WARC warcinfo's operator "
            "and a bag's Contact-Email."
        ),
    )

    @field_validator("contact")
    @classmethod
    def _email_address(cls, value: str | None) -> str | None:
        if value is not None and not EMAIL.fullmatch(value):
            raise ValueError(f"{value!r} is not an e-mail address; write e.g. 'arsip@example.org'")
        return value


class WebSettings(Section):
    """The archive browser served by `warta serve`, and by the daemon on [daemon] listen."""

    title: str = Field("warta archive", min_length=1, description="Title shown on every page of the archive browser.")
    page_size: int = Field(20, ge=1, le=200, description="Stories or search results shown per page.")
    host: str = Field(
        "127.0.0.1", min_length=1, description="Address `warta serve` listens on (0.0.0.0 exposes it to the network)."
    )
    port: int = Field(8000, ge=0, le=65535, description="Port `warta serve` listens on (0 picks a free one).")
    auth_username: str | None = Field(
        None,
        description=(
            "User name of HTTP basic auth for a private archive (none: the archive is public). It guards the "
            "browser's pages; the feed files, /healthz and /metrics stay open to feed readers and monitoring."
        ),
    )
    auth_password_hash_env: str = Field(
        "WARTA_WEB_PASSWORD_HASH",
        min_length=1,
        description=(
            "Environment variable holding the basic-auth password hash (from `warta serve --hash-password`); "
            "read only when auth_username is set. The hash is never written into the config or printed."
        ),
    )


class JsonMapping(Section):
    """Where a `kind = "json"` source finds its items, as JMESPath expressions ([sources.json])."""

    items: JmesPath = Field(description="The list of items in each response, e.g. 'data.items' (or '@' for a list).")
    url: JmesPath = Field(
        description="An item's article URL, e.g. 'url' or 'links.self' (relative URLs resolve against the response)."
    )
    title: JmesPath = Field(description="An item's title, e.g. 'title'.")
    published: JmesPath = Field(description="An item's publication date (ISO 8601, RFC 822 or a date warta reads).")
    body: JmesPath | None = Field(
        None,
        description="An item's article HTML, e.g. 'content.html'; without it, each item's URL is fetched and "
        "extracted like any page.",
    )
    next_page: Annotated[str, BeforeValidator(lambda v: _check_next_page(v) if isinstance(v, str) else v)] | None = (
        Field(
            None,
            description="How to reach the next page: an expression giving its URL (e.g. 'data.next'), or '?page' "
            "to count up that query parameter of the start URL until a page has no items; at most "
            "sources[].max_pages pages.",
        )
    )


class SourceConfig(Section):
    """One site or feed that warta crawls."""

    # the [sources.json] table is held as `json_mapping` (a field named `json` would shadow BaseModel.json)
    model_config = ConfigDict(extra="forbid", frozen=True, validate_default=True, serialize_by_alias=True)

    id: Slug = Field(description="Unique short name of the source, used in commands and feed paths.")
    name: str = Field("", description="Human-readable name shown in feeds and status (defaults to the id).")
    kind: Literal["feed", "sitemap", "listing", "page", "json"] = Field(
        description="feed: RSS/Atom items; sitemap: sitemap URLs; listing: pages linking to articles; "
        "page: fixed URLs monitored whole; json: items of a JSON API, mapped by [sources.json]."
    )
    urls: list[HttpUrl] = Field(
        min_length=1, description="Start URLs: feeds, sitemaps, listing pages, pages or JSON endpoints."
    )
    json_mapping: JsonMapping | None = Field(
        None,
        alias="json",
        description="The [sources.json] table of a kind = 'json' source: JMESPath expressions of its items' "
        "fields (see the table below).",
    )
    allowed_domains: list[HostName] = Field(
        default_factory=list,
        description="Other hosts (and their subdomains) the crawl may request, for links and redirects alike; "
        "by default it requests only the origins (scheme, host, port) of its urls.",
    )
    schedule: ScheduleField = Field(
        parse_schedule("every 6h"),
        description="When to crawl: 'every 30m', 'every 6h', 'every 1d' or a 5-field cron expression.",
    )
    language: str | None = Field(
        None, description="Language of the source's pages (e.g. 'id', 'en') when a page does not say."
    )
    timezone: str | None = Field(
        None, description="Timezone of the source's dates that carry none (default: [crawler] timezone)."
    )
    follow: list[Pattern] = Field(
        default_factory=list,
        description="Regular expressions of article links to follow (listing, sitemap); a pattern starting "
        "with '/' matches the start of the URL path.",
    )
    deny: list[Pattern] = Field(
        default_factory=list, description="Regular expressions of links never to follow, applied after follow."
    )
    max_pages: int = Field(
        5, ge=1, le=10_000, description="Listing pages (or pages of a JSON source) to walk, following pagination."
    )
    expect_new_within: Duration | None = Field(
        None, description="Alert as stale when nothing is new or changed for this long (e.g. '14d')."
    )
    render: Literal["http", "browser"] = Field(
        "http",
        description="http: read the HTML the server sends; browser: render listing and article pages in "
        "Chromium first (for sites that build their pages with JavaScript).",
    )
    wait_for: str | None = Field(
        None,
        description="With render = 'browser': a CSS selector to wait for before the rendered page is read "
        "(e.g. 'article h1').",
    )
    render_timeout: Duration = Field(
        timedelta(seconds=30),
        description="With render = 'browser': a page not loaded (and its wait_for not found) by then is a page error.",
    )
    tags: list[str] = Field(default_factory=list, description="Free labels, shown in feeds as categories.")
    enabled: bool = Field(True, description="Crawl this source on schedule and in `warta crawl`.")
    capture_requisites: bool | None = Field(
        None,
        description="Fetch the images, stylesheets and fonts of this source's article pages "
        "(default: [crawler] capture_requisites).",
    )

    @field_validator("timezone")
    @classmethod
    def _valid_timezone(cls, value: str | None) -> str | None:
        return None if value is None else _check_timezone(value)

    @field_validator("wait_for")
    @classmethod
    def _wait_only_when_rendered(cls, value: str | None, info: ValidationInfo) -> str | None:
        if value is not None and info.data.get("render") != "browser":
            raise ValueError("wait_for applies only to a rendered source; add render = 'browser' or remove it")
        return value

    @model_validator(mode="after")
    def _json_mapping_matches_kind(self) -> SourceConfig:
        if self.kind == "json" and self.json_mapping is None:
            raise ValueError(
                'kind = "json" needs a [sources.json] table: add items, url, title and published '
                "(JMESPath expressions), e.g. items = 'data.items', url = 'url', title = 'title', "
                "published = 'published'"
            )
        if self.kind != "json" and self.json_mapping is not None:
            raise ValueError(
                f'a [sources.json] table only applies to kind = "json"; remove it or set kind = "json" '
                f"(this source is kind = {self.kind!r})"
            )
        return self

    @property
    def display_name(self) -> str:
        """Return the name to show people: `name`, else the id."""
        return self.name or self.id


class TopicConfig(Section):
    """A curated feed of documents that mention certain terms."""

    id: Slug = Field(description="Unique short name of the topic, used in feed paths.")
    title: str = Field(min_length=1, description="Title of the topic's feeds.")
    description: str = Field("", description="Subtitle of the topic's feeds.")
    any: list[str] = Field(
        default_factory=list, description="A document matches when it contains at least one of these terms."
    )
    all: list[str] = Field(default_factory=list, description="...and every one of these terms.")
    none: list[str] = Field(default_factory=list, description="...and none of these terms.")
    sources: list[str] = Field(default_factory=list, description="Only documents of these sources (empty: all).")
    languages: list[str] = Field(default_factory=list, description="Only documents in these languages (empty: all).")

    @field_validator("any", "all", "none")
    @classmethod
    def _no_blank_terms(cls, value: list[str]) -> list[str]:
        for term in value:
            if not term.strip():
                raise ValueError("a term is empty; remove it or write a word or phrase")
        return value


class SnapshotConfig(Section):
    """An export that the daemon makes on a schedule."""

    id: Slug = Field(description="Unique short name of the scheduled snapshot.")
    format: Literal["jsonl", "csv", "warc", "wacz", "bagit"] = Field(description="Export format.")
    schedule: ScheduleField = Field(parse_schedule("every 1d"), description="When to export, like a source schedule.")
    dir: Path = Field(Path("snapshots"), description="Folder of the exports (relative to the config file).")
    keep: int = Field(7, ge=1, description="Newest exports kept; older ones are deleted.")


class FixityConfig(Section):
    """A fixity check that the daemon runs on a schedule, as `warta verify` does, alerting on a mismatch."""

    id: Slug = Field(description="Unique short name of the fixity check.")
    schedule: ScheduleField = Field(parse_schedule("every 7d"), description="When to check, like a source schedule.")
    archive: bool = Field(
        True, description="Recompute the digests of the stored captures' bodies and the revisions' texts."
    )
    snapshots: bool = Field(
        True,
        description=(
            "Also check every export of the [[snapshots]] entries still on disk: its recorded SHA-256, and the "
            "digests inside a WARC, a WACZ or a bag."
        ),
    )


class WartaConfig(Section):
    """The whole configuration of one warta installation."""

    storage: StorageSettings = Field(default_factory=StorageSettings, description="[storage] table.")
    crawler: CrawlerSettings = Field(default_factory=CrawlerSettings, description="[crawler] table.")
    feeds: FeedSettings = Field(default_factory=FeedSettings, description="[feeds] table.")
    daemon: DaemonSettings = Field(default_factory=DaemonSettings, description="[daemon] table.")
    archive: ArchiveSettings = Field(default_factory=ArchiveSettings, description="[archive] table.")
    dedup: DedupSettings = Field(default_factory=DedupSettings, description="[dedup] table.")
    web: WebSettings = Field(default_factory=WebSettings, description="[web] table.")
    sources: list[SourceConfig] = Field(default_factory=list, description="[[sources]] tables.")
    topics: list[TopicConfig] = Field(default_factory=list, description="[[topics]] tables.")
    snapshots: list[SnapshotConfig] = Field(default_factory=list, description="[[snapshots]] tables.")
    fixity: list[FixityConfig] = Field(default_factory=list, description="[[fixity]] tables.")
    config_path: Path | None = Field(None, exclude=True, description="File this config was read from.")

    def source(self, source_id: str) -> SourceConfig:
        """Return the source with this id, or raise KeyError."""
        for source in self.sources:
            if source.id == source_id:
                return source
        raise KeyError(source_id)

    def enabled_sources(self) -> list[SourceConfig]:
        """Return the sources that are crawled on schedule."""
        return [source for source in self.sources if source.enabled]

    def source_requisites_max_bytes(self, source: SourceConfig) -> int | None:
        """Return the per-page byte budget of page requisites for this source, None when it fetches none."""
        wanted = self.crawler.capture_requisites if source.capture_requisites is None else source.capture_requisites
        return self.crawler.requisites_max_bytes if wanted else None

    def source_timezone(self, source: SourceConfig) -> ZoneInfo:
        """Return the timezone of dates without one for this source."""
        return ZoneInfo(source.timezone or self.crawler.timezone)
