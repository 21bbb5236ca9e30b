"""Signals from a page's own markup: clean headline, date line next to it, canonical link."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone
from itertools import islice
from zoneinfo import ZoneInfo

from lxml import html as lxml_html
from trafilatura.metadata import extract_meta_json
from trafilatura.settings import Document

from warta.crawler import page_metadata
from warta.crawler.page_metadata import canonical_link, clean_title, declared_metadata, published_date

JAKARTA = ZoneInfo("Asia/Jakarta")
URL = "https://www.wartabudaya.example/berita/1"
FIELDS = [name for name in Document.__slots__ if name not in ("body", "commentsbody")]  # not fresh elements


def tree_of(body: str, head: str = ""):
    return lxml_html.document_fromstring(f"<html><head>{head}</head><body>{body}</body></html>")


def test_title_prefix_shown_as_headline_wins() -> None:
    tree = tree_of("<h1>Konser Kroncong - Malam Minggu di Kota Tua</h1>")
    title, element = clean_title("Konser Kroncong - Malam Minggu di Kota Tua | Warta Budaya", tree, URL)
    assert title == "Konser Kroncong - Malam Minggu di Kota Tua"  # a dash inside the headline stays
    assert element is not None and element.tag == "h1"


def test_a_shorter_prefix_with_another_longest_word_is_found_as_headline() -> None:
    # the prefixes' longest words differ ("Kebudayaannya", "Kroncong"): each prefix finds its own texts
    tree = tree_of("<p>Kebudayaannya dan Kroncong</p><h1>Konser Kroncong</h1><h2>Konser <b>Kroncong</b></h2>")
    title, element = clean_title("Konser Kroncong - Kebudayaannya", tree, URL)
    assert title == "Konser Kroncong"
    assert element is not None and element.tag == "h1"


def test_headline_in_a_related_list_is_not_the_headline() -> None:
    tree = tree_of("<ul><li><a href='/2'>Konser Kroncong di Kota Tua</a></li></ul><p>Isi</p>")
    assert clean_title("Konser Kroncong di Kota Tua", tree, URL) == ("Konser Kroncong di Kota Tua", None)


def test_site_suffix_is_removed_without_a_headline_element() -> None:
    tree = tree_of("<p>Isi berita</p>", head='<meta property="og:site_name" content="Warta Budaya">')
    assert clean_title("Konser Kroncong - Warta Budaya", tree, URL)[0] == "Konser Kroncong"
    assert clean_title("Konser Kroncong | wartabudaya.example", tree, URL)[0] == "Konser Kroncong"


def test_title_part_not_naming_the_site_is_kept() -> None:
    tree = tree_of("<p>Isi berita</p>")
    assert clean_title("Jakarta - Bandung Makin Dekat", tree, URL)[0] == "Jakarta - Bandung Makin Dekat"


def test_date_line_under_headline_beats_a_header_clock_and_wrong_zone_metadata() -> None:
    head = '<meta name="pubdate" content="2026-11-23 T14:05:00Z">'
    body = (
        "<div class='clock'>Kamis, 26/11/2026 08:00 WIB</div><h1>Konser Kroncong</h1>"
        "<div>Oleh Rina | Senin, 23/11/2026 14:05 WIB</div><p>Isi</p>"
    )
    tree = tree_of(body, head)
    _, headline = clean_title("Konser Kroncong", tree, URL)
    published, source = published_date(tree, headline, None, JAKARTA)
    assert (published, source) == (datetime(2026, 11, 23, 14, 5, tzinfo=timezone(timedelta(hours=7))), "text")


def test_a_bare_day_takes_the_time_shown_for_that_day() -> None:
    head = '<meta property="article:published_time" content="2026-11-23">'
    body = "<p>Isi</p><span class='post-date'>23 November 2026 pukul 19.30</span>"
    published, _ = published_date(tree_of(body, head), None, None, JAKARTA)
    assert published == datetime(2026, 11, 23, 19, 30, tzinfo=JAKARTA)


def test_a_time_on_another_day_does_not_replace_the_declared_day() -> None:
    head = '<meta property="article:published_time" content="2026-11-23">'
    body = "<p>Isi</p><span class='time'>Kamis, 26/11/2026 08:00</span>"
    published, source = published_date(tree_of(body, head), None, None, JAKARTA)
    assert (published, source) == (datetime(2026, 11, 23, tzinfo=JAKARTA), "metadata")


def test_without_any_date_in_the_markup_htmldate_gives_the_day_of_a_dated_url() -> None:
    url = "https://wartabudaya.example/berita/2026/11/23/konser-kroncong"
    published, source = published_date(tree_of("<h1>Konser Kroncong</h1><p>Isi</p>"), None, url, JAKARTA)
    assert (published, source) == (datetime(2026, 11, 23, tzinfo=JAKARTA), "trafilatura")
    assert published_date(tree_of("<p>Isi</p>"), None, URL, JAKARTA) == (None, None)


def test_declared_metadata_reads_meta_tags_and_json_ld_but_not_bylines_in_the_text() -> None:
    head = (
        '<title>Konser Kroncong | Warta Budaya</title><meta name="description" content="Malam kroncong.">'
        '<meta property="og:image" content="https://wartabudaya.example/k.jpg">'
        '<script type="application/ld+json">{"@context": "https://schema.org", "@type": "NewsArticle",'
        ' "author": {"@type": "Person", "name": "Rina Wulandari"},'
        ' "publisher": {"@type": "Organization", "name": "Warta Budaya"}}</script>'
    )
    metadata = declared_metadata(tree_of("<h1>Konser Kroncong</h1><p class='byline'>Oleh Budi Santoso</p>", head))
    assert metadata.title == "Konser Kroncong"
    assert (metadata.author, metadata.sitename) == ("Rina Wulandari", "Warta Budaya")
    assert (metadata.description, metadata.image) == ("Malam kroncong.", "https://wartabudaya.example/k.jpg")
    assert declared_metadata(tree_of("<h1>Konser</h1><p class='byline'>Oleh Budi Santoso</p>")).author is None


def test_json_ld_metadata_is_trafilaturas_extract_meta_json() -> None:
    # escaped quotes and backslashes, unicode escapes (a surrogate pair, a lone surrogate), markup, whitespace
    # inside and outside strings, an unterminated string, and a script that is not JSON at all
    scripts = (
        '{"@context": "https://schema.org", "@type": "NewsArticle",'
        ' "headline": "Kata \\"kroncong di  kota\\n\\\\ lagi\n malam",\n "author": {"@type": "Person",'
        ' "name": "Rina\\u00e9 \\ud83d\\ude00 \\udc00Wulandari"}, "articleSection": "<b>Budaya</b>",'
        ' "publisher": {"@type": "Organization", "name": "Warta  \\t Budaya"}}',
        '{"@context": "https://schema.org", "@type": "WebPage", "name": "tak selesai \\"  , "description": "x\\\n y"',
        '"author": "Budi Santoso", "articleSection": "Musik"  "headline": "Kroncong  malam"',
    )
    found = []
    for script in scripts:
        tree = tree_of("", f'<script type="application/ld+json">{script}</script>')
        expected = extract_meta_json(tree, Document())
        found.append(page_metadata._json_ld_metadata(tree, Document()))
        assert [getattr(found[-1], name) for name in FIELDS] == [getattr(expected, name) for name in FIELDS]
    assert (found[0].author, found[0].sitename, found[2].title) == ("Rinaé Wulandari", "Warta Budaya", "Kroncong malam")


def test_canonical_link_is_made_absolute_and_unsafe_ones_ignored() -> None:
    assert canonical_link(tree_of("", '<link rel="Canonical" href="/berita/1-a">'), URL) == (
        "https://www.wartabudaya.example/berita/1-a"
    )
    assert canonical_link(tree_of("", '<link rel="canonical" href="javascript:x()">'), URL) is None


def test_canonical_link_is_the_first_usable_one_the_xpath_selected() -> None:
    # the former XPath lowered only the letters of "CANONICAL" and needed an href
    head = (
        '<link rel="canonical alternate" href="/a"><link rel="CANONİCAL" href="/b"><link rel="canonical">'
        '<link rel="CaNoNiCaL" href="javascript:x()"><link rel="CANONICAL" href="/c"><link rel="canonical" href="/d">'
    )
    assert canonical_link(tree_of("", head), URL) == "https://www.wartabudaya.example/c"


def test_declared_language_values_are_the_xpaths_in_its_order() -> None:
    # the former XPath; <html lang> comes first in document order, then the meta tags in page order
    xpath = (
        "/html/@lang | /html/@xml:lang | //meta[translate(@http-equiv, 'CONTENT-LANGUAGE', 'content-language')"
        "='content-language' or @name='language' or @property='og:locale' or @itemprop='inLanguage']/@content"
    )
    page = (
        '<html xml:lang="ms" lang="en-US"><head><meta property="og:locale" content="id_ID">'
        '<meta http-equiv="Content-Language" content="de"><meta http-equiv="CONTENT-LANGUAGE" content="">'
        '<meta http-equiv="Content-Languagé" content="xx"><meta name="language"><meta name="Language" content="yy">'
        '<meta itemprop="inLanguage" content="fr"></head><body><meta name="language" content="jv"></body></html>'
    )
    tree = lxml_html.document_fromstring(page)
    expected = tree.xpath(xpath, namespaces={"xml": "http://www.w3.org/XML/1998/namespace"})
    assert list(page_metadata._declared_language_values(tree)) == expected
    assert expected[-5:] == ["id_ID", "de", "", "fr", "jv"]
    assert page_metadata.declared_language(tree) == "en"
    assert page_metadata.declared_language(tree_of("", '<meta http-equiv="content-language" content="id">')) == "id"


def test_date_line_elements_are_those_the_xpath_selected_in_page_order() -> None:
    # the former XPath: time elements, and div/span/p/li/small/em whose class or id mentions a date (ASCII case)
    words = ("date", "time", "tanggal", "publish")
    marks = "translate(concat(@class, ' ', @id), 'ABCDEFGHIJKLMNOPQRSTUVWXYZ', 'abcdefghijklmnopqrstuvwxyz')"
    xpath = (
        "//body//time | //body//*[self::div or self::span or self::p or self::li or self::small or self::em]["
        + " or ".join(f"contains({marks}, '{word}')" for word in words)
        + "]"
    )
    body = (
        '<head><meta class="date"></head><body><div class="Post-DATE">1</div><section class="date">no</section>'
        '<span id="pubTime">2</span><time>3</time><p class="x" id="y">no</p><li class="tanggal-terbit">4</li>'
        '<em class="İdate">5</em><small id="PUBLISHED">6</small><div class="da te">no</div>'
        + "".join(f'<span class="meta-date">{n}</span>' for n in range(70))
        + "</body>"
    )
    tree = lxml_html.document_fromstring(f"<html>{body}</html>")
    found = page_metadata._date_line_elements(tree)
    assert found == tree.xpath(xpath)[: page_metadata._MAX_DATE_ELEMENTS]
    assert [element.text for element in found[:7]] == ["1", "2", "3", "4", "5", "6", "0"]


def test_declared_dates_come_from_json_ld_then_meta_tags_then_time_elements() -> None:
    page = (
        '<html><head><meta property="article:published_time" content="2026-11-20T08:00:00+07:00">'
        '<script type="application/ld+json">{"datePublished": "2026-11-19T10:00:00+07:00"}</script>'
        '<script>var datePublished = "2026-01-01";</script><meta name="date" content="2026-11-18">'
        '</head><body><time itemprop="datePublished" datetime="2026-11-17T09:30:00+07:00">x</time>'
        '<time datetime="2026-11-16">y</time><meta content="2026-11-15"></body></html>'
    )
    found = page_metadata._declared_dates(lxml_html.document_fromstring(page), JAKARTA)
    assert [(parsed.value.day, source) for parsed, source in found] == [
        (19, "json-ld"),
        (20, "metadata"),
        (18, "metadata"),
        (17, "metadata"),
    ]


def test_texts_after_the_headline_are_the_xpaths_following_texts() -> None:
    # the former XPath: later text nodes, not blank in XPath's sense (a no-break space is not blank there),
    # none inside a script or style; comments and processing instructions are not text nodes, their tails are
    tree = tree_of(
        "<div><header><h1>Judul <b>berita</b></h1> tail-h1 <!-- c --> tail-comment</header>"
        "<script>var x = 1;</script> tail-script <style>p {}</style>\n \t<p>\u00a0</p>"
        "<div class='meta'>Rabu, <span>4 November 2015</span><?pi x?> | 21:04 WIB</div></div> tail-div"
        + "".join(f"<p>teks {n}</p>" for n in range(12))
    )
    (headline,) = tree.xpath("//h1")
    path = "following::text()[normalize-space()][not(ancestor::script or ancestor::style)][position() <= $count]"
    for count in (3, 12, 30):
        expected = headline.xpath(path, count=count, smart_strings=False)
        assert list(islice(page_metadata._texts_after(headline), count)) == expected
    assert list(islice(page_metadata._texts_after(headline), 4)) == [
        " tail-h1 ",
        " tail-comment",
        " tail-script ",
        "\u00a0",
    ]
