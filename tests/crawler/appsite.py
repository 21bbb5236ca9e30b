"""An application-shell site on 127.0.0.1: its pages are built in the browser from a JSON API.

Many city sites send an empty shell and let JavaScript fetch the stories. This fixture site does
the same, so that warta can be tested reading it both ways: rendered in a browser, and as a
`kind = "json"` source reading the API the page itself reads.

Paths (all absolute URLs in the JSON use the server's own base URL):

- `/` and `/?page=N`: the shell. A near-empty page (`<div id="app"></div>` and
  `<script src="/app.js">`); `app.js` fetches `/api/articles?page=N` and builds the listing:
  `<ul class="articles">` with one `<a href="/articles/SLUG">` per story and an `<a rel="next">`.
- `/articles/SLUG`: the same shell; `app.js` fetches `/api/articles/SLUG` and builds
  `<article><h1>TITLE</h1><p class="date">27 November 2026 | 14:05 WIB</p><div class="body">...</div></article>`
  and sets `document.title`; a slug the site does not serve answers 404.
- `/app.js`: the script doing that with `fetch()`.
- `/api/articles?page=N` (N from 1, `PAGE_SIZE` stories a page, newest first):
  `{"status": "ok", "data": {"page": N, "pages": P, "next": URL-or-null, "items": [ITEM, ...]}}`
  (a page past the last one answers an empty `items` list and `"next": null`).
- `/api/articles/SLUG`: `{"status": "ok", "data": ITEM}`.
- `/print/SLUG`: a server-rendered page of the story, for a JSON source without a `body` mapping.

An ITEM is `{"slug", "url" (the shell URL), "title", "published" (ISO 8601, +07:00), "date_line"
(as the page shows it), "body" (the article's HTML: three <p>), "api" (its JSON URL), "print_url"}`.
So a JSON source maps `items = "data.items"`, `url = "url"`, `title = "title"`, `published = "published"`,
`body = "body"`, and `next_page = "data.next"` (or counts up the `page` query parameter).

Controls for tests (attributes of `AppSite`, switchable while it runs):

- `edit_day_two()`: the story `EDITED_SLUG` gets a changed paragraph (its text changes).
- `change_shell()`: only the shell's markup changes (another bundle query string, a meta tag, class
  names, a comment); the stories are the same.
- `reverse_key_order()`: every JSON object is sent with its keys in reverse order; same values.
- `rename_list()`: the API's redesign: the list moves from `data.items` to `data.entries`, so a
  mapping of `data.items` finds nothing (the shell's script reads either).
- `publish_late()`: the story `LATE_SLUG` is listed (at the top of page 1) from now on; before
  that, its URLs answer 404.
- `reset()`: back to day one, log cleared (one server can serve a whole test module).
- `/articles/STUCK_SLUG`: a shell whose API request (`/api/articles/STUCK_SLUG`) never answers
  (it is held until the server stops), so a rendered page never finishes. It is not listed unless
  `list_stuck()` is called.

`json_source_toml(site.url)` is the `[[sources]]` block of that JSON source; crawled, it archives each
story at its shell URL with `Story.text()` as its text (tests/crawler/test_json_source.py), which a
rendered crawl of the shell can be compared with.

Every answer carries an ETag, and a matching If-None-Match gets 304. `requests` logs each request
(method, path with query, status) for assertions. Run it with `with AppSite() as site: site.url`.
"""

from __future__ import annotations

import hashlib
import json
import threading
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlsplit

PAGE_SIZE = 2
EDITED_SLUG = "festival-palang-pintu"
LATE_SLUG = "pameran-batik-susulan"
STUCK_SLUG = "menunggu-selamanya"

_PARAGRAPH = (
    "Dinas Kebudayaan Provinsi DKI Jakarta mengundang warga dan wisatawan untuk menyaksikan {what} di {where}. "
    "Kegiatan ini terbuka untuk umum tanpa biaya, dengan pendaftaran melalui laman resmi dinas, "
    "dan menjadi bagian dari rangkaian perayaan menuju lima abad kota Jakarta pada tahun 2027."
)


@dataclass(frozen=True)
class Story:
    """One story of the site, as the API serves it."""

    slug: str
    title: str
    published: str  # ISO 8601 with +07:00
    date_line: str  # what the rendered page shows under the headline
    paragraphs: tuple[str, ...]

    def body_html(self) -> str:
        """Return the story's article HTML, as the API's `body` field carries it."""
        return "".join(f"<p>{paragraph}</p>" for paragraph in self.paragraphs)

    def text(self) -> str:
        """Return the story's text, paragraphs separated by newlines."""
        return "\n".join(self.paragraphs)


def _story(slug: str, title: str, day: int, what: str, where: str, extra: str) -> Story:
    paragraphs = (
        _PARAGRAPH.format(what=what, where=where),
        f"{extra} Panitia menyiapkan tempat duduk bagi sekitar lima ratus penonton setiap malam, "
        "serta area khusus bagi penyandang disabilitas dan keluarga dengan anak kecil.",
        "Informasi jadwal lengkap, denah lokasi dan ketentuan bagi pengunjung diumumkan melalui kanal "
        "media sosial resmi dan papan pengumuman di kantor kelurahan setempat.",
    )
    return Story(
        slug=slug,
        title=title,
        published=f"2026-11-{day:02d}T14:05:00+07:00",
        date_line=f"{day} November 2026 | 14:05 WIB",
        paragraphs=paragraphs,
    )


STORIES: tuple[Story, ...] = (
    _story(
        "pentas-lenong-tim",
        "Pentas lenong Betawi di Taman Ismail Marzuki",
        27,
        "pentas lenong Betawi",
        "Taman Ismail Marzuki",
        "Lenong denes dan lenong preman dibawakan oleh tiga sanggar dari Jakarta Timur.",
    ),
    _story(
        EDITED_SLUG,
        "Festival palang pintu di Setu Babakan",
        26,
        "festival palang pintu",
        "Perkampungan Budaya Betawi Setu Babakan",
        "Rombongan palang pintu dari lima wilayah kota akan beradu pantun dan silat.",
    ),
    _story(
        "gambang-kromong-kota-tua",
        "Gambang kromong mengiringi malam di Kota Tua",
        25,
        "pertunjukan gambang kromong",
        "Taman Fatahillah, Kota Tua",
        "Orkes gambang kromong senior tampil bersama pemain muda dari sekolah musik.",
    ),
    _story(
        "tari-topeng-gedung-kesenian",
        "Tari topeng Betawi di Gedung Kesenian Jakarta",
        24,
        "pergelaran tari topeng Betawi",
        "Gedung Kesenian Jakarta",
        "Penari dari tiga generasi membawakan tari topeng kembang tiga dan topeng tunggal.",
    ),
    _story(
        "ondel-ondel-monas",
        "Parade ondel-ondel mengelilingi Monas",
        23,
        "parade ondel-ondel",
        "kawasan Monumen Nasional",
        "Sebanyak empat puluh pasang ondel-ondel diarak dengan iringan tanjidor.",
    ),
)
EDITED_STORY = Story(
    slug=EDITED_SLUG,
    title=STORIES[1].title,
    published=STORIES[1].published,
    date_line=STORIES[1].date_line,
    paragraphs=(
        STORIES[1].paragraphs[0],
        "Jadwal berubah: festival diundur satu pekan karena cuaca. Rombongan palang pintu dari lima wilayah "
        "kota tetap akan beradu pantun dan silat, dan panitia menambah dua malam pertunjukan.",
        STORIES[1].paragraphs[2],
    ),
)
LATE_STORY = _story(
    LATE_SLUG,
    "Pameran batik Betawi susulan di Museum Tekstil",
    28,
    "pameran batik Betawi",
    "Museum Tekstil Jakarta",
    "Lebih dari seratus helai batik Betawi dari koleksi perajin Marunda dipamerkan.",
)
STUCK_STORY = _story(
    STUCK_SLUG,
    "Halaman yang tidak pernah selesai dimuat",
    22,
    "halaman yang tidak pernah selesai",
    "server yang tidak pernah menjawab",
    "Permintaan API halaman ini tidak pernah dijawab.",
)

_SHELL = """<!doctype html>
<html lang="id">
<head><meta charset="utf-8"><title>Dinas Kebudayaan DKI Jakarta</title>{extra_head}</head>
<body><noscript>Aktifkan JavaScript untuk membaca berita.</noscript>
<div id="app" class="{app_class}"></div>
<script src="/app.js{bundle_query}"></script>{extra_body}
</body>
</html>
"""

APP_JS = r"""// builds the listing and the article from the JSON API, like a single-page application does
(function () {
  var app = document.getElementById("app");
  function el(tag, attrs, text) {
    var node = document.createElement(tag);
    Object.keys(attrs || {}).forEach(function (key) { node.setAttribute(key, attrs[key]); });
    if (text) { node.textContent = text; }
    return node;
  }
  function listing(page) {
    return fetch("/api/articles?page=" + page).then(function (r) { return r.json(); }).then(function (json) {
      var main = el("main", {"class": "listing"});
      main.appendChild(el("h1", {}, "Berita Budaya"));
      var list = el("ul", {"class": "articles"});
      (json.data.items || json.data.entries).forEach(function (item) {
        var li = el("li");
        li.appendChild(el("a", {"href": "/articles/" + item.slug}, item.title));
        list.appendChild(li);
      });
      main.appendChild(list);
      if (json.data.next) {
        main.appendChild(el("a", {"rel": "next", "href": "/?page=" + (page + 1)}, "Berikutnya"));
      }
      app.appendChild(main);
    });
  }
  function article(slug) {
    return fetch("/api/articles/" + slug).then(function (r) { return r.json(); }).then(function (json) {
      var item = json.data;
      document.title = item.title + " | Dinas Kebudayaan DKI Jakarta";
      var node = el("article");
      node.appendChild(el("h1", {}, item.title));
      node.appendChild(el("p", {"class": "date"}, item.date_line));
      var body = el("div", {"class": "body"});
      body.innerHTML = item.body;
      node.appendChild(body);
      app.appendChild(node);
    });
  }
  var match = location.pathname.match(/^\/articles\/([^\/]+)$/);
  if (match) {
    article(match[1]);
  } else {
    var page = parseInt(new URLSearchParams(location.search).get("page") || "1", 10);
    listing(page);
  }
})();
"""


@dataclass
class AppSiteState:
    """What the site serves now, and what it was asked."""

    base_url: str = ""
    day_two: bool = False
    shell_changed: bool = False
    keys_reversed: bool = False
    late_published: bool = False
    stuck_listed: bool = False
    list_renamed: bool = False
    requests: list[tuple[str, str, int]] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)
    stopping: threading.Event = field(default_factory=threading.Event)

    def stories(self) -> list[Story]:
        """Return the listed stories, newest first."""
        stories = [EDITED_STORY if s.slug == EDITED_SLUG and self.day_two else s for s in STORIES]
        if self.late_published:
            stories.insert(0, LATE_STORY)
        if self.stuck_listed:
            stories.append(STUCK_STORY)
        return stories

    def find(self, slug: str) -> Story | None:
        """Return the story at `slug` if it is served now (the stuck one always is)."""
        if slug == STUCK_SLUG:
            return STUCK_STORY
        return next((story for story in self.stories() if story.slug == slug), None)

    def item(self, story: Story) -> dict[str, Any]:
        """Return a story as the API's item object."""
        return {
            "slug": story.slug,
            "url": f"{self.base_url}/articles/{story.slug}",
            "title": story.title,
            "published": story.published,
            "date_line": story.date_line,
            "body": story.body_html(),
            "api": f"{self.base_url}/api/articles/{story.slug}",
            "print_url": f"{self.base_url}/print/{story.slug}",
        }


class AppSite:
    """Serve the application-shell site on 127.0.0.1 (or another loopback address) in a thread."""

    def __init__(self, host: str = "127.0.0.1", port: int = 0) -> None:
        self.state = AppSiteState()
        handler = type("BoundAppSiteHandler", (AppSiteHandler,), {"state": self.state})
        self.httpd = ThreadingHTTPServer((host, port), handler)
        self.httpd.daemon_threads = True
        self.thread = threading.Thread(target=self.httpd.serve_forever, name="app-site", daemon=True)
        self.state.base_url = self.url

    @property
    def url(self) -> str:
        """Return the base URL, e.g. http://127.0.0.1:8765 (no trailing slash)."""
        host, port = self.httpd.server_address[:2]
        return f"http://{host!s}:{port}"

    @property
    def requests(self) -> list[tuple[str, str, int]]:
        """Return a copy of the request log: (method, path with query, status)."""
        with self.state.lock:
            return list(self.state.requests)

    def paths(self) -> list[str]:
        """Return the requested paths (with query), in order."""
        return [path for _method, path, _status in self.requests]

    def clear_log(self) -> None:
        """Forget the requests logged so far."""
        with self.state.lock:
            self.state.requests.clear()

    def edit_day_two(self) -> None:
        """Serve the edited version of EDITED_SLUG from now on."""
        self.state.day_two = True

    def change_shell(self) -> None:
        """Change only the shell's markup from now on."""
        self.state.shell_changed = True

    def reverse_key_order(self) -> None:
        """Send every JSON object with its keys reversed from now on."""
        self.state.keys_reversed = True

    def rename_list(self) -> None:
        """Serve the listing's items under `data.entries` instead of `data.items` from now on."""
        self.state.list_renamed = True

    def publish_late(self) -> None:
        """List LATE_SLUG (first on page 1) from now on."""
        self.state.late_published = True

    def list_stuck(self) -> None:
        """List STUCK_SLUG (last) from now on; its API request still never answers."""
        self.state.stuck_listed = True

    def reset(self) -> None:
        """Serve day one again (undo every switch) and clear the request log."""
        self.state.day_two = self.state.shell_changed = self.state.keys_reversed = False
        self.state.late_published = self.state.stuck_listed = self.state.list_renamed = False
        self.clear_log()

    def start(self) -> AppSite:
        """Start serving; return self."""
        self.thread.start()
        return self

    def stop(self) -> None:
        """Release held requests, stop serving and close the socket."""
        self.state.stopping.set()
        self.httpd.shutdown()
        self.httpd.server_close()

    def __enter__(self) -> AppSite:
        return self.start()

    def __exit__(self, *_exc: object) -> None:
        self.stop()


def json_source_toml(base_url: str, source_id: str = "app-json") -> str:
    """Return a `[[sources]]` block reading this site's API as a `kind = "json"` source, bodies mapped."""
    return f"""
[[sources]]
id = "{source_id}"
kind = "json"
urls = ["{base_url}/api/articles?page=1"]
max_pages = 10

[sources.json]
items = "data.items"
url = "url"
title = "title"
published = "published"
body = "body"
next_page = "data.next"
"""


def _reversed_keys(value: Any) -> Any:
    """Return `value` with the keys of every object in reverse order."""
    if isinstance(value, dict):
        return {key: _reversed_keys(value[key]) for key in reversed(list(value))}
    if isinstance(value, list):
        return [_reversed_keys(entry) for entry in value]
    return value


class AppSiteHandler(BaseHTTPRequestHandler):
    """Answer GET and HEAD for the shell, the script, the API and the print pages."""

    state: AppSiteState
    protocol_version = "HTTP/1.1"
    server_version = "warta-appsite/1"

    def do_GET(self) -> None:
        self._answer(send_body=True)

    def do_HEAD(self) -> None:
        self._answer(send_body=False)

    def log_message(self, format: str, *args: object) -> None:
        """Keep test output quiet; the request log holds what matters."""

    def _answer(self, send_body: bool) -> None:
        parts = urlsplit(self.path)
        path = parts.path
        if path == f"/api/articles/{STUCK_SLUG}":
            self._log(0)
            # never answered: held until the server stops (a rendered page that never settles)
            self.state.stopping.wait(600)
            self.close_connection = True
            return
        if path == "/" or path.startswith("/articles/"):
            slug = path.removeprefix("/articles/")
            if path != "/" and self.state.find(slug) is None:
                self._send(404, b"not found", "text/plain", send_body)
                return
            self._send(200, self._shell().encode(), "text/html; charset=utf-8", send_body)
        elif path == "/app.js":
            self._send(200, APP_JS.encode(), "text/javascript; charset=utf-8", send_body)
        elif path == "/api/articles":
            self._send_json(self._listing(parts.query), send_body)
        elif path.startswith("/api/articles/"):
            story = self.state.find(path.removeprefix("/api/articles/"))
            if story is None:
                self._send_json({"status": "error", "message": "not found"}, send_body, status=404)
            else:
                self._send_json({"status": "ok", "data": self.state.item(story)}, send_body)
        elif path.startswith("/print/"):
            story = self.state.find(path.removeprefix("/print/"))
            if story is None:
                self._send(404, b"not found", "text/plain", send_body)
            else:
                self._send(200, _print_page(story).encode(), "text/html; charset=utf-8", send_body)
        elif path == "/robots.txt":
            self._send(200, b"User-agent: *\nAllow: /\n", "text/plain", send_body)
        else:
            self._send(404, b"not found", "text/plain", send_body)

    def _shell(self) -> str:
        if self.state.shell_changed:
            return _SHELL.format(
                extra_head='<meta name="generator" content="app-bundler 2.1">',
                app_class="root root--v2",
                bundle_query="?v=2f9c1",
                extra_body="\n<!-- build 2026-11-30 -->",
            )
        return _SHELL.format(extra_head="", app_class="root", bundle_query="?v=1a7e3", extra_body="")

    def _listing(self, query: str) -> dict[str, Any]:
        try:
            page = max(1, int(parse_qs(query).get("page", ["1"])[0]))
        except ValueError:
            page = 1
        stories = self.state.stories()
        pages = max(1, -(-len(stories) // PAGE_SIZE))
        chosen = stories[(page - 1) * PAGE_SIZE : page * PAGE_SIZE]
        next_url = f"{self.state.base_url}/api/articles?page={page + 1}" if page < pages else None
        items = [self.state.item(story) for story in chosen]
        key = "entries" if self.state.list_renamed else "items"
        return {"status": "ok", "data": {"page": page, "pages": pages, "next": next_url, key: items}}

    def _send_json(self, value: dict[str, Any], send_body: bool, status: int = 200) -> None:
        if self.state.keys_reversed:
            value = _reversed_keys(value)
        body = json.dumps(value, ensure_ascii=False, indent=1).encode()
        self._send(status, body, "application/json; charset=utf-8", send_body)

    def _send(self, status: int, body: bytes, content_type: str, send_body: bool) -> None:
        etag = '"' + hashlib.sha1(body).hexdigest()[:16] + '"'
        if status == 200 and self.headers.get("If-None-Match") == etag:
            status, body = 304, b""
        self.send_response(status)
        if status != 304:
            self.send_header("Content-Type", content_type)
        self.send_header("ETag", etag)
        self.send_header("Content-Length", str(len(body)))
        self._log(status)
        self.end_headers()
        if send_body and body:
            self.wfile.write(body)

    def _log(self, status: int) -> None:
        with self.state.lock:
            self.state.requests.append((self.command, self.path, status))


def _print_page(story: Story) -> str:
    return (
        f'<!doctype html><html lang="id"><head><meta charset="utf-8"><title>{story.title}</title></head>'
        f"<body><nav><a href='/'>Beranda</a></nav><main><article><h1>{story.title}</h1>"
        f'<p class="date">{story.date_line}</p>{story.body_html()}</article></main>'
        "<footer>Dinas Kebudayaan Provinsi DKI Jakarta</footer></body></html>"
    )
