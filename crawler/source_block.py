"""Turning a Discovery into a ready-to-paste `[[sources]]` block of warta.toml.

The best kind wins: a feed, else a sitemap, else a listing, else the page itself
watched whole. Follow patterns are derived from the article URLs that were seen,
so they need checking with `warta preview` before a source is relied on.
"""

from __future__ import annotations

import ipaddress
import re
from collections import Counter
from typing import Any
from urllib.parse import urlsplit

import tomli_w

from warta.crawler.discovery import Discovery

# second-level labels of country domains (disbud.jakarta.go.id, tempo.co.id) that say nothing about the site
GENERIC_LABELS = frozenset(
    ["www", "go", "co", "or", "ac", "web", "my", "sch", "net", "com", "org", "gov", "edu", "mil", "id"]
)
SCHEDULES = {"feed": "every 2h", "sitemap": "every 12h", "listing": "every 6h", "page": "every 1d"}
MAX_FOLLOW_PATTERNS = 3


def suggest_source(found: Discovery) -> dict[str, Any]:
    """Return the `[[sources]]` table for the best way to crawl the discovered site."""
    source: dict[str, Any] = {"id": source_id(found.start_url)}
    if found.site_name:
        source["name"] = found.site_name
    if found.feeds:
        feed = max(found.feeds, key=lambda candidate: len(candidate.entry_links))
        source.update(kind="feed", urls=[feed.url])
    elif covering := [sitemap for sitemap in found.sitemaps if _covers(sitemap.page_urls, found.final_url)]:
        sitemap = max(covering, key=lambda candidate: len(candidate.page_urls))
        source.update(kind="sitemap", urls=[sitemap.url])
        follow = follow_patterns(list(sitemap.page_urls))
        if follow:
            source["follow"] = follow
    elif found.listings:
        listing = found.listings[0]
        source.update(kind="listing", urls=[listing.url], follow=follow_patterns(list(listing.article_links)))
        source["max_pages"] = 3
    else:
        source.update(kind="page", urls=[found.final_url])
    if found.app_shell is not None:
        source["render"] = "browser"
    source["schedule"] = SCHEDULES[source["kind"]]
    if found.language:
        source["language"] = found.language
    return source


def _covers(page_urls: tuple[str, ...], start_url: str) -> bool:
    """Return whether a sitemap lists pages in the start URL's part of the site (a host may hold several sites)."""
    start_path = urlsplit(start_url).path
    folder = start_path if start_path.endswith("/") else start_path.rsplit("/", 1)[0] + "/"
    return any(urlsplit(url).path.startswith(folder) for url in page_urls)


def source_block(found: Discovery, config_file: str = "warta.toml", config_option: str = "") -> str:
    """Return a commented `[[sources]]` block: what was found, the chosen table, and how to try it.

    `config_file` is where the block goes; `config_option` (e.g. "--config x.toml") is what
    `warta preview` then needs to read that file, empty when it is found without one.
    """
    lines = [f"# warta discover {found.start_url}"]
    lines += [f"# {note}" for note in found.notes]
    lines.append(f"# feeds ({len(found.feeds)}):")
    lines += [f"#   {feed.url}  ({feed.format}, {len(feed.entry_links)} items)" for feed in found.feeds]
    lines.append(f"# sitemaps ({len(found.sitemaps)}):")
    lines += [
        f"#   {sitemap.url}  ({'index, ' if sitemap.is_index else ''}{len(sitemap.page_urls)} pages, "
        f"{sitemap.with_lastmod} with lastmod)"
        for sitemap in found.sitemaps
    ]
    lines.append(f"# listings ({len(found.listings)}):")
    lines += [f"#   {listing.url}  ({len(listing.article_links)} article links)" for listing in found.listings]
    source = suggest_source(found)
    lines.append(f"# chosen: {source['kind']} (preferred order: feed, sitemap, listing, page).")
    # preview reads sources from the config only, so the block must be there first
    preview = " ".join(part for part in ("warta", config_option, "preview", source["id"]) if part)
    lines.append(f"# Add this block to {config_file}, then check it with: {preview}")
    return "\n".join(lines) + "\n\n" + tomli_w.dumps({"sources": [source]}) + json_block(found, source["id"])


def json_block(found: Discovery, main_id: str) -> str:
    """Return the commented `kind = "json"` alternative guessed from the page's JSON requests ('' without one)."""
    if not found.json_requests:
        return ""
    count = len(found.json_requests)
    lines = ["", f"# The rendered page made {count} JSON request{'' if count == 1 else 's'}:"]
    lines += [f"#   {url}" for url in found.json_requests]
    if not found.json_guesses:
        lines.append('# none of them holds a list of objects to map as a kind = "json" source.')
        return "\n".join(lines) + "\n"
    guess = found.json_guesses[0]
    lines.append(f"# Or read the JSON the page reads: {guess.url} lists {guess.item_count} items at {guess.items!r}.")
    lines.append("# GUESSED mappings: each one is a guess; check it with `warta preview` before relying on it.")
    missing = [name for name in ("url", "title", "published") if name not in guess.fields]
    if missing:
        lines.append(f"# No field was found for {', '.join(missing)}: fill it in by hand.")
    mapping = {"items": guess.items, **guess.fields}
    source = {"id": f"{main_id}-json"[:63], "kind": "json", "urls": [guess.url], "json": mapping}
    return "\n".join(lines) + "\n\n" + tomli_w.dumps({"sources": [source]})


def source_id(url: str) -> str:
    """Return a source id slug from a URL: its host without generic labels, plus its first path segment."""
    parts = urlsplit(url)
    host = (parts.hostname or "site").lower()
    try:
        ipaddress.ip_address(host)
        labels = [host.replace(".", "-").replace(":", "-")]
    except ValueError:
        labels = host.split(".")
        labels = [label for label in labels[:-1] if label not in GENERIC_LABELS] or labels[:1]
    first_segment = next((segment for segment in parts.path.split("/") if segment), "")
    if first_segment and "." not in first_segment:
        labels.append(first_segment.lower())
    slug = re.sub(r"[^a-z0-9_-]+", "-", "-".join(labels)).strip("-_") or "site"
    return slug[:63].rstrip("-_")


def follow_patterns(urls: list[str]) -> list[str]:
    """Return path patterns matching the article URLs: one per directory shape, digits generalised."""
    shapes: Counter[str] = Counter()
    for url in urls:
        path = urlsplit(url).path
        segments = [segment for segment in path.split("/") if segment]
        if len(segments) < 2:
            continue  # the home page or a top-level page is not an article
        directory = "/" + "".join(_segment_pattern(segment) + "/" for segment in segments[:-1])
        shapes[directory + "[^/?#]+" + ("/?$" if path.endswith("/") else "$")] += 1
    return [pattern for pattern, _count in shapes.most_common(MAX_FOLLOW_PATTERNS)]


def _segment_pattern(segment: str) -> str:
    """Return a regex for one directory segment: digits become \\d{n} (dates, ids), the rest stays literal."""
    if segment.isdigit():
        return rf"\d{{{len(segment)}}}"
    return re.escape(segment)
