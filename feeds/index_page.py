"""index.html: a readable page of every topic and source, its subscribe links and its latest stories.

Self-contained (inline CSS, no scripts, fonts or images) so it works offline
and from a file:// URL. Every value from the archive is HTML-escaped, and only
http(s) links are made clickable.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from html import escape

from warta.feeds.catalog import FORMAT_LABELS, FORMATS, FeedSpec
from warta.feeds.content import is_safe_url
from warta.feeds.model import FeedEntry

LATEST_PER_FEED = 5

STYLE = """
body{font-family:system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;max-width:52rem;margin:0 auto;
padding:1rem 1.25rem 3rem;line-height:1.5;color:#1d1d1f;background:#fff}
h1{font-size:1.6rem;margin-bottom:.25rem}h2{margin-top:2.5rem;border-bottom:2px solid #ddd}
h3{margin:1.75rem 0 .25rem;font-size:1.15rem}section>p{margin:.2rem 0}
.subscribe a{display:inline-block;margin-right:.5rem;padding:.05rem .5rem;border:1px solid #b3541e;
border-radius:.3rem;color:#b3541e;text-decoration:none;font-size:.9rem}
ul{padding-left:1.1rem}li{margin:.3rem 0}.meta{color:#666;font-size:.85rem}
nav a{margin-right:.75rem}
@media (prefers-color-scheme:dark){body{background:#161616;color:#eee}a{color:#8ab4f8}.meta{color:#aaa}}
"""


@dataclass(frozen=True)
class IndexSection:
    """A feed as the index page shows it: its description and newest entries."""

    spec: FeedSpec
    entries: Sequence[FeedEntry]


def render_index_page(sections: Sequence[IndexSection], base_url: str, title: str) -> bytes:
    """Return the index page (UTF-8 HTML) of the given feeds."""
    groups = [("all", "All stories", "everything"), ("topic", "Topics", "topics"), ("source", "Sources", "sources")]
    nav = " ".join(f'<a href="#{anchor}">{label}</a>' for _, label, anchor in groups)
    parts = [
        "<!DOCTYPE html>",
        '<html lang="en">',
        "<head>",
        '<meta charset="utf-8">',
        '<meta name="viewport" content="width=device-width, initial-scale=1">',
        f"<title>{escape(title)}</title>",
        '<link rel="alternate" type="text/x-opml" title="All feeds (OPML)" href="index.opml">',
        f"<style>{STYLE.strip()}</style>",
        "</head>",
        "<body>",
        f"<h1>{escape(title)}</h1>",
        "<p>Curated feeds of Jakarta culture announcements. Copy a feed link into any feed reader, "
        'or import <a href="index.opml">index.opml</a> to subscribe to all of them at once.</p>',
        f"<nav>{nav}</nav>",
    ]
    for kind, label, anchor in groups:
        parts.append(f'<h2 id="{anchor}">{label}</h2>')
        for section in sections:
            if section.spec.section == kind:
                parts.append(_section(section))
    parts += ["</body>", "</html>", ""]
    return "\n".join(parts).encode("utf-8")


def _section(section: IndexSection) -> str:
    spec = section.spec
    links = " ".join(
        f'<a href="{escape(spec.path(fmt))}" type="{_media_type(fmt)}">{FORMAT_LABELS[fmt]}</a>' for fmt in FORMATS
    )
    lines = [
        f'<section id="{escape(spec.anchor)}">',
        f"<h3>{escape(spec.title)}</h3>",
        f"<p>{escape(spec.description)}</p>",
        f'<p class="subscribe">Subscribe: {links}</p>',
    ]
    if section.entries:
        lines.append("<ul>")
        lines += [_entry(entry) for entry in section.entries[:LATEST_PER_FEED]]
        lines.append("</ul>")
    else:
        lines.append('<p class="meta">No stories yet.</p>')
    lines.append("</section>")
    return "\n".join(lines)


def _entry(entry: FeedEntry) -> str:
    title = escape(entry.title)
    headline = f'<a href="{escape(entry.link)}">{title}</a>' if entry.link and is_safe_url(entry.link) else title
    meta = [escape(entry.author)] if entry.author else []
    meta.append(f'<time datetime="{entry.updated.isoformat()}">{entry.updated:%Y-%m-%d %H:%M} UTC</time>')
    return f'<li>{headline} <span class="meta">{" · ".join(meta)}</span></li>'


def _media_type(fmt: str) -> str:
    return {"atom": "application/atom+xml", "rss": "application/rss+xml", "json": "application/feed+json"}[fmt]
