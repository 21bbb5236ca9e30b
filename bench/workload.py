"""The benchmark web site: generated news pages with heavy boilerplate, listings, an RSS feed and a sitemap.

`generate_site` writes a site folder (served by warta.demo.siteserver.SiteServer)
of article pages of 50 to 150 KB each, two in three Indonesian and one in three
English, laid out like a regional news portal: a large menu, inline scripts and
styles, related-story boxes, comments, a sidebar and a long footer around a
few hundred words of prose. When the shared extraction corpus is present, every
tenth page is a real saved news page instead. `SiteProcess` serves the folder
from a separate process, so that serving never competes with the crawler for
its interpreter lock.
"""

from __future__ import annotations

import json
import logging
import os
import random
import re
import subprocess
import sys
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import tomli_w

from bench.text_style import ID_DAYS, ID_MONTHS, SECTIONS, Story, headline, paragraph, sentence

logger = logging.getLogger(__name__)

REPO = Path(__file__).resolve().parents[1]
CORPUS_PAGES = REPO.parent / "shared" / "corpus" / "extraction" / "pages"
MIN_PAGE_BYTES = 50_000
MAX_PAGE_BYTES = 150_000
LISTING_PAGE_SIZE = 50
FEED_ITEMS = 50
CORPUS_EVERY = 10
NEWEST = datetime(2026, 11, 20, 9, 0, tzinfo=UTC)
ARTICLE_FOLLOW = r"/berita/[^/?#]+$"
_CANONICAL = re.compile(rb"<link[^>]+rel=[\"']?canonical[^>]*>|<meta[^>]+property=[\"']og:url[^>]*>", re.I)


@dataclass(frozen=True)
class Workload:
    """A generated site: its folder (served as day1), and its article paths with their HTML files."""

    root: Path
    article_paths: tuple[str, ...]

    @property
    def day(self) -> Path:
        """Return the folder that is served."""
        return self.root / "day1"

    def article_files(self) -> list[Path]:
        """Return the HTML file of each article, in article order."""
        return [self.day / f"{path.lstrip('/')}.html" for path in self.article_paths]

    def article_html(self, site_url: str) -> list[str]:
        """Return each article's HTML as the server sends it (site URL filled in)."""
        return [
            file.read_bytes().replace(b"{{site_url}}", site_url.encode()).decode("utf-8", "replace")
            for file in self.article_files()
        ]

    def total_article_bytes(self) -> int:
        """Return the size of all article pages together."""
        return sum(file.stat().st_size for file in self.article_files())


def generate_site(root: Path, articles: int, seed: int = 11, mix_corpus: bool = True) -> Workload:
    """Write a site of `articles` article pages, listings, rss.xml, sitemap.xml and robots.txt into `root`."""
    rng = random.Random(seed)
    day = root / "day1"
    (day / "berita").mkdir(parents=True, exist_ok=True)
    corpus = corpus_pages() if mix_corpus else []
    teasers = [_teaser_title(rng, i) for i in range(400)]
    entries: list[tuple[str, str, datetime]] = []
    for number in range(articles):
        language = "en" if number % 3 == 2 else "id"
        title = f"{headline(rng, language)} ({number + 1})"
        slug = f"{_slugify(title)[:70]}-{number + 1}"
        published = NEWEST - timedelta(hours=7 * number)
        path = f"/berita/{slug}"
        body = _real_page(corpus, number) if corpus and number % CORPUS_EVERY == CORPUS_EVERY - 1 else None
        if body is None:
            target = rng.randint(MIN_PAGE_BYTES, MAX_PAGE_BYTES)
            body = article_page(rng, path, title, language, published, teasers, target).encode("utf-8")
        (day / f"berita/{slug}.html").write_bytes(body)
        entries.append((path, title, published))
    _write_listings(day, entries)
    (day / "rss.xml").write_text(rss_feed(entries[:FEED_ITEMS]), encoding="utf-8")
    (day / "sitemap.xml").write_text(sitemap(entries), encoding="utf-8")
    (day / "robots.txt").write_text("User-agent: *\nDisallow: /cari\n", encoding="utf-8")
    logger.info("generated %d article pages in %s", articles, day)
    return Workload(root, tuple(path for path, _, _ in entries))


def corpus_pages() -> list[Path]:
    """Return the saved real pages of the shared corpus that are 50 to 150 KB (none when it is absent)."""
    if not CORPUS_PAGES.is_dir():
        return []
    return [
        page for page in sorted(CORPUS_PAGES.glob("*.html")) if MIN_PAGE_BYTES <= page.stat().st_size <= MAX_PAGE_BYTES
    ]


def _real_page(corpus: list[Path], number: int) -> bytes | None:
    """Return a saved real page without its canonical link (it names another host), or None if not UTF-8."""
    data = corpus[(number // CORPUS_EVERY) % len(corpus)].read_bytes()
    try:
        data.decode("utf-8")
    except UnicodeDecodeError:
        return None
    return _CANONICAL.sub(b"", data)


def _slugify(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")


def _teaser_title(rng: random.Random, index: int) -> str:
    return headline(rng, "en" if index % 3 == 2 else "id")


def indonesian_date(moment: datetime) -> str:
    """Return a date line as Jakarta portals print it, e.g. 'Rabu, 18 November 2026 | 16:30 WIB'."""
    local = moment + timedelta(hours=7)
    return f"{ID_DAYS[local.weekday()]}, {local.day} {ID_MONTHS[local.month - 1]} {local.year} | {local:%H:%M} WIB"


def article_page(
    rng: random.Random,
    path: str,
    title: str,
    language: str,
    published: datetime,
    teasers: list[str],
    target_bytes: int,
) -> str:
    """Return one article page of about `target_bytes` bytes: prose wrapped in a news portal's boilerplate."""
    story = Story.draw(rng)
    paragraphs = [paragraph(rng, language, story) for _ in range(rng.randint(6, 14))]
    date_line = indonesian_date(published) if language == "id" else f"{published:%B %d, %Y} {published:%H:%M} UTC"
    body: list[str] = []
    for index, text in enumerate(paragraphs):
        body.append(f"<p>{text}</p>")
        if index % 4 == 1:
            related = rng.choice(teasers)
            label = "Read also" if language == "en" else "Baca juga"
            body.append(
                f'<div class="baca-juga"><strong>{label}:</strong> <a href="/arsip/terkait-{index}">{related}</a></div>'
            )
        if index % 5 == 3:
            body.append(f'<div class="iklan" data-slot="inarticle-{index}"><ins class="adsbygoogle"></ins></div>')
    section = rng.choice(SECTIONS)
    head = _head(title, path, language, published, paragraphs[0], rng)
    article = (
        f'<article class="detail"><nav class="breadcrumb"><a href="/">Beranda</a> &rsaquo; '
        f'<a href="/berita/">{section}</a></nav><h1 class="judul">{title}</h1>'
        f'<div class="meta-berita"><span class="tanggal">{date_line}</span> &middot; '
        f'<span class="penulis">Redaksi</span></div>'
        f'<figure class="foto-utama"><img src="/img/{rng.randint(1, 9999)}.jpg" alt="{title}">'
        f"<figcaption>{sentence(rng, language)}</figcaption></figure>"
        f'<div class="isi-berita">{"".join(body)}</div>'
        f'<div class="tags">{"".join(f"<a href=/tag/{s.lower()}>#{s}</a> " for s in rng.sample(SECTIONS, 5))}</div>'
        '<div class="bagikan">Bagikan: <a href="https://www.facebook.com/sharer/sharer.php">Facebook</a> '
        '<a href="https://x.com/intent/post">X</a> <a href="https://wa.me/">WhatsApp</a></div></article>'
    )
    parts = [head, "<body>", MENU, '<main class="container">', article, _comments(rng, language)]
    parts.append(_sidebar(rng, teasers))
    page = "".join(parts)
    more: list[str] = ['<section class="berita-lainnya"><h2>Berita Lainnya</h2>']
    tail = "</section></main>" + FOOTER + "</body></html>"
    size = len(page) + len(more[0]) + len(tail)
    while size < target_bytes:
        card = _card(rng, teasers)
        more.append(card)
        size += len(card)
    return page + "".join(more) + tail


def _head(title: str, path: str, language: str, published: datetime, lead: str, rng: random.Random) -> str:
    url = "{{site_url}}" + path
    ld = {
        "@context": "https://schema.org",
        "@type": "NewsArticle",
        "headline": title,
        "datePublished": published.isoformat(),
        "inLanguage": language,
        "mainEntityOfPage": url,
        "publisher": {"@type": "Organization", "name": "Kabar Kota Jakarta"},
    }
    tracking = json.dumps(
        {
            "slots": [
                {
                    "id": f"div-gpt-{i}",
                    "sizes": [[300, 250], [728, 90]],
                    "targeting": {"kanal": rng.choice(SECTIONS), "pos": i},
                }
                for i in range(40)
            ]
        }
    )
    return (
        f'<!DOCTYPE html><html lang="{language}"><head><meta charset="utf-8">'
        f"<title>{title} | Kabar Kota Jakarta</title>"
        f'<meta name="description" content="{lead[:150]}">'
        f'<meta property="og:title" content="{title}"><meta property="og:type" content="article">'
        f'<meta property="article:published_time" content="{published.isoformat()}">'
        f'<link rel="canonical" href="{url}">'
        f'<script type="application/ld+json">{json.dumps(ld)}</script>'
        f"<style>{STYLE}</style><script>window.adConfig={tracking};</script>{SCRIPT}</head>"
    )


def _comments(rng: random.Random, language: str) -> str:
    items = "".join(
        f'<li class="komentar"><span class="nama">Pembaca{rng.randint(1, 999)}</span> '
        f"<time>{rng.randint(1, 28)}/11/2026</time><p>{sentence(rng, language)}</p></li>"
        for _ in range(rng.randint(3, 12))
    )
    return f'<section class="komentar-list" id="comments"><h3>Komentar</h3><ol>{items}</ol></section>'


def _sidebar(rng: random.Random, teasers: list[str]) -> str:
    popular = "".join(
        f'<li><a href="/arsip/populer-{i}">{rng.choice(teasers)}</a> '
        f'<span class="views">{rng.randint(100, 9000)} kali dibaca</span></li>'
        for i in range(10)
    )
    latest = "".join(f'<li><a href="/arsip/terbaru-{i}">{rng.choice(teasers)}</a></li>' for i in range(10))
    return (
        f'<aside class="sidebar"><h3>Terpopuler</h3><ol class="populer">{popular}</ol>'
        f'<h3>Terbaru</h3><ul>{latest}</ul><form class="newsletter"><label>Berlangganan buletin</label>'
        '<input type="email" name="email"><button>Daftar</button></form></aside>'
    )


def _card(rng: random.Random, teasers: list[str]) -> str:
    title = rng.choice(teasers)
    return (
        f'<div class="kartu"><a href="/arsip/lainnya-{rng.randint(1, 99999)}">'
        f'<img src="/img/t{rng.randint(1, 999)}.jpg" alt="" loading="lazy"><h4>{title}</h4></a>'
        f'<span class="kanal">{rng.choice(SECTIONS)}</span></div>'
    )


def _write_listings(day: Path, entries: list[tuple[str, str, datetime]]) -> None:
    """Write /berita/ and /berita/page/N/ listing pages of LISTING_PAGE_SIZE links each, newest first."""
    pages = [entries[start : start + LISTING_PAGE_SIZE] for start in range(0, len(entries), LISTING_PAGE_SIZE)]
    for number, chunk in enumerate(pages, start=1):
        folder = day / "berita" if number == 1 else day / f"berita/page/{number}"
        folder.mkdir(parents=True, exist_ok=True)
        links = "".join(
            f'<li><a href="{path}">{title}</a> <time>{indonesian_date(published)}</time></li>'
            for path, title, published in chunk
        )
        following = f'<a rel="next" href="/berita/page/{number + 1}/">Berikutnya</a>' if number < len(pages) else ""
        (folder / "index.html").write_text(
            f'<!DOCTYPE html><html lang="id"><head><meta charset="utf-8"><title>Berita - halaman {number}</title>'
            f"</head><body>{MENU}<main><h1>Berita</h1><ul class='daftar'>{links}</ul>{following}</main>{FOOTER}"
            "</body></html>",
            encoding="utf-8",
        )


def rss_feed(entries: list[tuple[str, str, datetime]]) -> str:
    """Return an RSS 2.0 feed of the entries."""
    items = "".join(
        f"<item><title>{title}</title><link>{{{{site_url}}}}{path}</link><guid>{{{{site_url}}}}{path}</guid>"
        f"<pubDate>{published:%a, %d %b %Y %H:%M:%S} +0000</pubDate></item>"
        for path, title, published in entries
    )
    return (
        '<?xml version="1.0" encoding="utf-8"?><rss version="2.0"><channel><title>Kabar Kota Jakarta</title>'
        f"<link>{{{{site_url}}}}/</link><description>Berita budaya Jakarta</description>{items}</channel></rss>"
    )


def sitemap(entries: list[tuple[str, str, datetime]]) -> str:
    """Return a sitemap of the entries with their lastmod dates."""
    urls = "".join(
        f"<url><loc>{{{{site_url}}}}{path}</loc><lastmod>{published:%Y-%m-%dT%H:%M:%SZ}</lastmod></url>"
        for path, _, published in entries
    )
    return f'<?xml version="1.0" encoding="UTF-8"?><urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">{urls}</urlset>'


def _build_menu() -> str:
    columns = []
    for section in SECTIONS:
        links = "".join(f'<li><a href="/kanal/{section.lower()}/{i}">{section} {i}</a></li>' for i in range(1, 9))
        columns.append(f'<li class="mega"><a href="/kanal/{section.lower()}/">{section}</a><ul>{links}</ul></li>')
    return (
        '<header class="site-header"><a class="logo" href="/">Kabar Kota Jakarta</a>'
        f'<nav class="menu"><ul>{"".join(columns)}</ul></nav>'
        '<form class="cari" action="/cari"><input name="q" placeholder="Cari berita"></form></header>'
    )


def _build_footer() -> str:
    groups = "".join(
        f'<div class="kolom"><h5>{section}</h5>'
        + "".join(f'<a href="/kanal/{section.lower()}/arsip/{year}">Arsip {year}</a> ' for year in range(2010, 2027))
        + "</div>"
        for section in SECTIONS
    )
    return (
        f'<footer class="site-footer">{groups}<p>Kabar Kota Jakarta. Jl. Contoh No. 1, Jakarta Pusat. '
        "Redaksi: redaksi@contoh.invalid. Situs uji benchmark warta: isi dibuat otomatis.</p>"
        "<p>&copy; 2026 Kabar Kota Jakarta. Hak cipta dilindungi undang-undang.</p></footer>"
        '<div class="cookie-banner" role="dialog"><p>Situs ini menggunakan cookie untuk meningkatkan pengalaman '
        'Anda.</p><button type="button">Setuju</button></div>'
    )


MENU = _build_menu()
FOOTER = _build_footer()
STYLE = "".join(
    f".k{i}{{margin:{i % 7}px;padding:{i % 5}px;color:#{i * 2654435761 % 0xFFFFFF:06x};font-size:{10 + i % 9}px}}"
    for i in range(160)
)
SCRIPT = (
    "<script>"
    + "".join(
        f"function t{i}(e){{var d=window.dataLayer||[];d.push({{event:'v{i}',el:e&&e.id}});return d.length}}"
        for i in range(120)
    )
    + "</script>"
)


class SiteProcess:
    """Serves a generated site from a separate process (`python -m bench.workload ROOT`); a context manager."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self.url = ""
        self._process: subprocess.Popen[str] | None = None

    def __enter__(self) -> SiteProcess:
        paths = [str(REPO), os.environ.get("PYTHONPATH", "")]
        environment = {**os.environ, "PYTHONPATH": os.pathsep.join(path for path in paths if path)}
        self._process = subprocess.Popen(
            [sys.executable, "-m", "bench.workload", str(self.root)],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
            cwd=REPO,
            env=environment,
        )
        assert self._process.stdout is not None
        line = self._process.stdout.readline().strip()
        if not line.startswith("http://"):
            self.__exit__()
            raise RuntimeError(f"the benchmark site server did not start (it printed {line!r})")
        self.url = line
        return self

    def __exit__(self, *_exc: object) -> None:
        if self._process is None:
            return
        assert self._process.stdin is not None
        self._process.stdin.close()  # the server stops when its standard input closes
        try:
            self._process.wait(10)
        except subprocess.TimeoutExpired:
            self._process.kill()
            self._process.wait()
        if self._process.stdout is not None:
            self._process.stdout.close()
        self._process = None


def serve(root: Path) -> None:
    """Serve the site at `root`, print its URL, and stop when standard input closes."""
    from warta.demo.siteserver import SiteServer

    with SiteServer(root) as server:
        print(server.url, flush=True)
        sys.stdin.read()


def bench_config(
    folder: Path,
    database_url: str,
    sources: list[dict[str, Any]],
    concurrency: int = 16,
    extra: dict[str, Any] | None = None,
) -> Path:
    """Write a warta.toml for benchmark crawls of the local site and return its path."""
    document: dict[str, Any] = {
        "storage": {"url": database_url},
        "crawler": {
            # the site is local: no politeness delay, and enough requests in flight to keep both cores busy
            "download_delay": "0s",
            "concurrency": concurrency,
            "per_host_concurrency": concurrency,
            "timeout": "60s",
            # revisit every known page on a recrawl, the most a recrawl can cost
            "revisit_days": 36500,
        },
        "feeds": {"dir": str(folder / "feeds")},
        "sources": sources,
        **(extra or {}),
    }
    path = folder / "warta.toml"
    path.write_text(tomli_w.dumps(document), encoding="utf-8")
    return path


def sitemap_source(site_url: str, source_id: str = "kabar") -> dict[str, Any]:
    """Return the [[sources]] table that crawls every article through the sitemap."""
    return {
        "id": source_id,
        "kind": "sitemap",
        "urls": [f"{site_url}/sitemap.xml"],
        "follow": [ARTICLE_FOLLOW],
        "language": "id",
    }


if __name__ == "__main__":
    serve(Path(sys.argv[1]))
