"""Body HTML for feeds keeps article structure and loses everything that can run or track."""

from __future__ import annotations

import pytest
from lxml import html as lxml_html

from warta.crawler.sanitize import sanitize_html

BASE = "https://budaya.example.go.id/berita/pameran"

HOSTILE = [
    ("<p>a<script>alert(1)</script>b</p>", "alert", "script"),
    ("<style>p{color:red}</style><p>x</p>", "color", "style"),
    ('<iframe src="https://evil.example/"></iframe><p>x</p>', "evil", "iframe"),
    ('<object data="x.swf"></object><embed src="y.swf"><p>x</p>', "swf", "object-embed"),
    ('<form action="/login"><input name="pw"></form><p>x</p>', "login", "form"),
    ('<p onclick="steal()">x</p><img src="a.png" onerror="steal()">', "steal", "event-handlers"),
    ('<a href="javascript:steal()">x</a>', "steal", "javascript-url"),
    ('<a href="JaVa&#x09;Script:steal()">x</a>', "steal", "obfuscated-javascript-url"),
    ('<a href="  javascript:steal()">x</a>', "steal", "padded-javascript-url"),
    ('<img src="data:image/png;base64,AAAA" alt="x">', "base64", "data-image"),
    ('<a href="data:text/html,<script>steal()</script>">x</a>', "steal", "data-link"),
    ('<a href="vbscript:steal()">x</a>', "steal", "vbscript"),
    ("<svg><script>steal()</script></svg>", "steal", "svg-script"),
    ('<p style="background:url(https://tracker.example/p.gif)">x</p>', "tracker", "inline-style"),
    ("<math><mtext><table><mglyph><style><img src=x onerror=steal()>", "steal", "mutation-xss"),
    ('<noscript><img src="https://tracker.example/p.gif"></noscript><p>x</p>', "tracker", "noscript"),
    ("<p>x</p><!-- <img src=x onerror=steal()> -->", "steal", "comment"),
]


@pytest.mark.parametrize(("dirty", "forbidden"), [case[:2] for case in HOSTILE], ids=[case[2] for case in HOSTILE])
def test_hostile_markup_is_neutralised(dirty: str, forbidden: str) -> None:
    clean = sanitize_html(dirty, BASE)
    assert forbidden not in clean.lower()
    assert "<script" not in clean.lower()


def test_article_structure_survives() -> None:
    dirty = (
        "<h2>Jadwal</h2><p>Pameran <strong>seni</strong> <em>rupa</em> di <b>TIM</b>.</p>"
        "<ul><li>Senin</li></ul><ol><li>Selasa</li></ol><blockquote>Kutipan</blockquote>"
        '<figure><img src="/img/a.jpg" alt="Poster"><figcaption>Poster acara</figcaption></figure>'
        "<table><tr><th>Hari</th><td>Senin</td></tr></table><pre><code>kode</code></pre><p>a<br>b</p>"
    )
    tree = lxml_html.fragment_fromstring(sanitize_html(dirty, BASE), create_parent="div")
    tags = {element.tag for element in tree.iter()} - {"div", "tbody"}
    assert tags == {
        "h2", "p", "strong", "em", "b", "ul", "ol", "li", "blockquote", "figure", "img", "figcaption",
        "table", "tr", "th", "td", "pre", "code", "br",
    }  # fmt: skip
    assert tree.xpath("//img/@alt") == ["Poster"]


def test_links_become_absolute_and_get_safe_rel() -> None:
    clean = sanitize_html('<p><a href="../acara/1" target="_blank" rel="opener">Acara</a></p>', BASE)
    link = lxml_html.fragment_fromstring(clean, create_parent="div").find(".//a")
    assert link.get("href") == "https://budaya.example.go.id/acara/1"
    assert link.get("rel") == "noopener noreferrer nofollow"
    assert link.get("target") is None


def test_images_become_absolute() -> None:
    clean = sanitize_html('<img src="/img/poster.jpg" alt="Poster" width="300" class="wide">', BASE)
    assert clean == '<img src="https://budaya.example.go.id/img/poster.jpg" alt="Poster">'


def test_unknown_wrappers_are_unwrapped_keeping_their_text() -> None:
    clean = sanitize_html('<div class="content"><section><span>Teks artikel</span></section></div>', BASE)
    assert clean == "Teks artikel"
