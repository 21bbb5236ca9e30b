"""Finding a page's requisites: stylesheets, fonts and images named by its HTML and CSS."""

from __future__ import annotations

import pytest

from warta.crawler.requisite_links import (
    Requisite,
    page_requisites,
    resolve_reference,
    srcset_urls,
    stylesheet_requisites,
)

PAGE = "http://situs.test/berita/festival"


def urls(requisites: list[Requisite]) -> list[str]:
    return [requisite.url for requisite in requisites]


@pytest.mark.parametrize(
    ("srcset", "expected"),
    [
        ("a.png 1x, b.png 2x", ["a.png", "b.png"]),
        ("a.png", ["a.png"]),
        ("a.png 300w,b.png 600w", ["a.png", "b.png"]),
        ("https://cdn.test/w_300,h_200/a.jpg 300w, https://cdn.test/w_600,h_400/a.jpg 600w", [
            "https://cdn.test/w_300,h_200/a.jpg", "https://cdn.test/w_600,h_400/a.jpg",
        ]),
        ("a.png, b.png 2x,", ["a.png", "b.png"]),
        ("  ,, ", []),
    ],
    ids=["density", "bare", "width-no-space", "commas-in-url", "url-ending-in-comma", "empty"],
)  # fmt: skip
def test_srcset_gives_every_candidate(srcset: str, expected: list[str]) -> None:
    assert srcset_urls(srcset) == expected


@pytest.mark.parametrize(
    ("reference", "expected"),
    [
        ("../img/a.png", "http://situs.test/img/a.png"),
        ("//cdn.test/a.png#x", "http://cdn.test/a.png"),
        ("data:image/png;base64,AAAA", None),
        ("javascript:void(0)", None),
        ("#filter", None),
        ("   ", None),
        ("ftp://situs.test/a.png", None),
    ],
    ids=["relative", "scheme-relative-fragment", "data", "javascript", "fragment", "blank", "ftp"],
)
def test_references_resolve_to_fetchable_urls_only(reference: str, expected: str | None) -> None:
    assert resolve_reference(reference, PAGE) == expected


def test_stylesheet_names_imports_as_stylesheets_and_urls_as_resources() -> None:
    css = """
    @import url("fonts.css") screen;
    @import 'print.css';
    /* body { background: url(commented-out.png) } */
    body { background: #fff url( ../img/pattern.png ) repeat; }
    @font-face { font-family: Warta; src: url("fonts/warta.woff2") format("woff2"), url(data:font/woff2;base64,AA); }
    .icon { filter: url(#shadow); background-image: url('../img/pattern.png'); }
    """
    found = stylesheet_requisites(css, "http://situs.test/static/site.css")
    assert found == [
        Requisite("http://situs.test/static/fonts.css", is_stylesheet=True),
        Requisite("http://situs.test/static/print.css", is_stylesheet=True),
        Requisite("http://situs.test/img/pattern.png"),
        Requisite("http://situs.test/static/fonts/warta.woff2"),
    ]


def test_page_lists_stylesheets_first_then_images_each_once() -> None:
    html = b"""<!DOCTYPE html><html><head>
    <link rel="stylesheet" href="/static/site.css">
    <link rel="alternate stylesheet" href="/static/contrast.css">
    <link rel="icon" href="/favicon.ico">
    <style>@import "/static/extra.css"; .banner { background: url(/img/banner.png) }</style>
    </head><body style="background-image: url('/img/pita.png')">
    <img src="/img/topeng.png" srcset="/img/topeng.png 1x, /img/topeng-2x.png 2x">
    <picture><source srcset="/img/gerbang.png" type="image/png"><img src="/img/gerbang-kecil.png"></picture>
    <img src="data:image/gif;base64,R0lGOD">
    <script src="/app.js"></script><iframe src="/embed"></iframe>
    <img src="/img/topeng.png">
    </body></html>"""
    found = page_requisites(html, "utf-8", PAGE)
    assert urls(found) == [
        "http://situs.test/static/site.css",
        "http://situs.test/static/extra.css",
        "http://situs.test/img/banner.png",
        "http://situs.test/img/pita.png",
        "http://situs.test/img/topeng.png",
        "http://situs.test/img/topeng-2x.png",
        "http://situs.test/img/gerbang.png",
        "http://situs.test/img/gerbang-kecil.png",
    ]
    assert [requisite.is_stylesheet for requisite in found[:3]] == [True, True, False]


def test_base_href_decides_where_relative_references_point() -> None:
    html = b'<html><head><base href="http://cdn.test/aset/"><link rel=stylesheet href="gaya.css"></head>' \
        b'<body><img src="foto.png"></body></html>'  # fmt: skip
    assert urls(page_requisites(html, "utf-8", PAGE)) == [
        "http://cdn.test/aset/gaya.css",
        "http://cdn.test/aset/foto.png",
    ]


def test_page_in_a_legacy_encoding_is_read_with_it() -> None:
    html = '<html><body><img src="/img/café.png"></body></html>'.encode("cp1252")
    assert urls(page_requisites(html, "cp1252", PAGE)) == ["http://situs.test/img/café.png"]


def test_empty_body_has_no_requisites() -> None:
    assert page_requisites(b"", "utf-8", PAGE) == []
