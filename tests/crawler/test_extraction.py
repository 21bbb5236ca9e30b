"""Extraction of hand-written Indonesian and English pages: fields, stability under boilerplate, encodings."""

from __future__ import annotations

import re
import sys
from datetime import datetime, timedelta, timezone
from zoneinfo import ZoneInfo

import pytest

from warta.crawler.extraction import (
    MIN_ARTICLE_WORDS,
    Extracted,
    decode_html,
    extract_article,
    is_article,
    main_text,
)
from warta.crawler.page_metadata import detect_language

URL = "https://wartabudaya.example/berita/2026/11/23/pameran-lukisan-batavia?utm_source=feed"
WIB = timezone(timedelta(hours=7))


def extract(html: str | bytes, url: str = URL, **kwargs: object) -> Extracted:
    """Return the extraction of a page that must have an article."""
    extracted = extract_article(html, url, **kwargs)  # type: ignore[arg-type]
    assert extracted is not None
    return extracted


def test_indonesian_article_fields(page_bytes) -> None:
    article = extract(page_bytes.bytes("pameran_day1.html"))
    assert article.title == "Pameran Lukisan Batavia Kembali Hadir di Taman Ismail Marzuki"
    assert article.published == datetime(2026, 11, 23, 14, 5, tzinfo=WIB)
    assert article.language == "id"
    assert article.canonical_url == "https://wartabudaya.example/berita/2026/11/23/pameran-lukisan-batavia"
    assert article.metadata["author"] == "Rina Wulandari"
    assert article.metadata["sitename"] == "Warta Budaya Jakarta"
    assert article.word_count == len(article.text.split()) > MIN_ARTICLE_WORDS
    assert is_article(article)


def test_body_keeps_article_and_drops_boilerplate(page_bytes) -> None:
    article = extract(page_bytes.bytes("pameran_day1.html"))
    assert "upaya untuk mengenalkan sejarah kota kepada generasi muda" in article.text
    assert "area parkir di kawasan Cikini terbatas" in article.text
    for boilerplate in ("Terpopuler", "Teater Koma Umumkan", "Pesan tiket konser", "hak cipta", "Pengunjung hari ini"):
        assert boilerplate not in article.text


def test_body_html_is_sanitized_structure(page_bytes) -> None:
    article = extract(page_bytes.bytes("pameran_day1.html"))
    assert "<p>" in article.html and "<h2>Jadwal dan lokasi</h2>" in article.html
    assert "<script" not in article.html and "dataLayer" not in article.html and "class=" not in article.html


def test_english_article_fields(page_bytes) -> None:
    article = extract(page_bytes.bytes("festival_en_day1.html"), "https://budaya.example/news/42")
    assert article.title == "Jakarta Old Town Festival Returns with Night Market and Gamelan Stage"
    # the header clock (26 November) is not the date line under the headline (23 November, 2:05 PM)
    assert article.published == datetime(2026, 11, 23, 14, 5, tzinfo=WIB)
    assert article.language == "en"
    assert article.canonical_url is None
    assert "Latest news" not in article.text and "light rain" not in article.text


def test_date_without_zone_takes_the_source_timezone(page_bytes) -> None:
    makassar = ZoneInfo("Asia/Makassar")
    article = extract(page_bytes.bytes("festival_en_day1.html"), "https://budaya.example/news/42", timezone=makassar)
    assert article.published == datetime(2026, 11, 23, 14, 5, tzinfo=makassar)


@pytest.mark.parametrize(
    ("day1", "day2"),
    [("pameran_day1.html", "pameran_day2.html"), ("festival_en_day1.html", "festival_en_day2.html")],
    ids=["indonesian", "english"],
)
def test_boilerplate_only_change_gives_identical_extraction(page_bytes, day1: str, day2: str) -> None:
    assert page_bytes.bytes(day1) != page_bytes.bytes(day2)
    first, second = extract(page_bytes.bytes(day1)), extract(page_bytes.bytes(day2))
    assert (first.title, first.text, first.html, first.published) == (
        second.title,
        second.text,
        second.html,
        second.published,
    )


def test_real_edit_changes_the_text(page_bytes) -> None:
    edited = page_bytes.text("pameran_day1.html").replace("lebih dari seratus karya", "lebih dari dua ratus karya")
    first, second = extract(page_bytes.text("pameran_day1.html")), extract(edited)
    assert first.text != second.text
    assert "dua ratus karya" in second.text


def test_contact_page_is_not_an_article(page_bytes) -> None:
    contact = extract(page_bytes.bytes("kontak.html"), "https://wartabudaya.example/kontak")
    assert not is_article(contact)
    assert contact.published is None  # the copyright year is not a publication date


def test_page_without_text_gives_none() -> None:
    assert extract_article("<html><body><script>var a = 1;</script><div> </div></body></html>", URL) is None
    assert extract_article(b"", URL) is None
    assert main_text("<html><body></body></html>", None) is None


def test_feed_values_fill_in_what_the_page_lacks() -> None:
    body = "".join(
        f"<p>Paragraf {n}: pertunjukan tari di Gedung Kesenian Jakarta berlangsung meriah.</p>" for n in range(8)
    )
    feed_date = datetime(2026, 11, 20, 9, 0, tzinfo=WIB)
    html = f"<html><body><div class='isi'>{body}</div></body></html>"
    kwargs = {"fallback_title": "Pertunjukan Tari", "fallback_published": feed_date, "language": "id"}
    article = extract(html, "https://wartabudaya.example/acara?id=7", **kwargs)
    assert (article.title, article.published, article.metadata["date_source"]) == (
        "Pertunjukan Tari",
        feed_date,
        "feed",
    )


def test_source_language_is_the_last_resort() -> None:
    body = "".join(f"<p>Teks {n} singkat sekali saja tanpa kata umum apa pun lagi.</p>" for n in range(3))
    assert extract(f"<html><body><article>{body}</article></body></html>", language="jv").language == "jv"


def test_declared_english_on_indonesian_text_is_corrected(page_bytes) -> None:
    html = page_bytes.text("pameran_day1.html").replace('<html lang="id">', '<html lang="en">')
    assert extract(html).language == "id"


def test_stopword_detection_does_not_take_italian_for_indonesian() -> None:
    italian = "La mostra di pittura di Giacarta apre le porte al pubblico di tutta la città di sera. " * 5
    assert detect_language(italian) is None
    assert detect_language(italian, dominance=2) is None


def test_stopword_detection_abstains_on_too_little_text() -> None:
    assert detect_language("yang dan di") is None
    assert detect_language("the festival of the city and the music in the square is open to all of the people") == "en"


PAGE = "<html><head>{meta}</head><body><article><p>{text}</p></article></body></html>"
TEXT = "Pameran seni rupa di kafe ini menampilkan crème brûlée, piñata dan naïve art — semuanya ‘gratis’. " * 4


@pytest.mark.parametrize(
    ("meta", "encoding"),
    [
        ('<meta charset="utf-8">', "utf-8"),
        ('<meta charset="windows-1252">', "cp1252"),
        ('<meta charset="utf-8">', "cp1252"),
        ('<meta charset="windows-1252">', "utf-8"),
        ('<meta http-equiv="Content-Type" content="text/html; charset=iso-8859-1">', "utf-8"),
        ("", "utf-8-sig"),
    ],
    ids=[
        "utf8-declared-utf8",
        "cp1252-declared",
        "cp1252-declared-utf8",
        "utf8-declared-cp1252",
        "utf8-declared-latin1",
        "bom",
    ],
)
def test_bytes_decode_to_readable_text_whatever_the_declaration(meta: str, encoding: str) -> None:
    raw = PAGE.format(meta=meta, text=TEXT).encode(encoding)
    assert "crème brûlée, piñata dan naïve art — semuanya ‘gratis’" in decode_html(raw)
    assert "crème brûlée" in extract(raw).text


def test_declared_shift_jis_is_honoured() -> None:
    raw = '<html><head><meta charset="shift_jis"></head><body><p>東京の美術展</p></body></html>'.encode("shift_jis")
    assert "東京の美術展" in decode_html(raw)


def test_body_texts_are_the_xpaths_text_nodes_outside_scripts_and_styles() -> None:
    from lxml import html as lxml_html

    from warta.crawler.extraction import _body_texts

    # a head script and a visible span repeat texts of the body and of a body script: only the
    # body script's own copy may go
    page = (
        "<html><head><title>t</title><script> tail-div</script></head><body>lead <!-- note --> after"
        "<div>yang <b>dan</b> tail-b <script>var x = 'yang';</script> tail-script<style>p {}</style>"
        "<p>di ini<?pi x?> after-pi</p><span>var x = 'yang';</span></div> tail-div</body></html>"
    )
    tree = lxml_html.document_fromstring(page)
    xpath = tree.xpath("//body//text()[not(parent::script or parent::style)]", smart_strings=False)
    assert sorted(_body_texts(tree)) == sorted(xpath)
    assert _body_texts(tree).count("var x = 'yang';") == 1
    assert " tail-div" in _body_texts(tree)
    assert not any("{}" in text for text in _body_texts(tree))


def test_stopwords_are_counted_in_runs_of_ascii_letters() -> None:
    from warta.crawler.page_metadata import _ascii_words

    # accented letters, digits and punctuation end a word, as the regex [a-z]+ would have it
    words = _ascii_words("Yang-dan di_ini café2itu ÉTÉ 東京yang")
    assert words == b"yang dan di ini caf itu t yang".split()
    # characters whose lowercase holds ASCII letters: "İ" lowers to "i" and a combining dot, the Kelvin sign to "k"
    for text in ("İNİ YANG", "\u212aE ITU", "ÅNGSTRÖM DAN İtu", "ǅ ǈ ﬀ ẞ Σ DAN"):
        assert _ascii_words(text) == [word.encode() for word in re.findall("[a-z]+", text.lower())]


def test_only_the_listed_characters_outside_ascii_lower_to_ascii_letters() -> None:
    from warta.crawler.page_metadata import LOWERED_TO_ASCII

    lowered = [chr(code) for code in range(0x80, sys.maxunicode + 1) if re.search("[a-z]", chr(code).lower())]
    assert tuple(lowered) == LOWERED_TO_ASCII


@pytest.mark.parametrize("favours_precision", [False, True])
@pytest.mark.parametrize("name", ["pameran_day1.html", "festival_en_day1.html", "kontak.html"])
def test_main_body_is_what_bare_extraction_gives_with_warta_settings(
    page_bytes, name: str, favours_precision: bool
) -> None:
    import trafilatura
    from lxml.etree import tostring
    from trafilatura.utils import load_html

    from warta.crawler.extraction import _main_body

    # a reader comment, which warta leaves out of the archived text
    comment = '<div id="comments"><p>Komentar pembaca: acaranya sangat menarik sekali, saya datang lagi.</p></div>'
    html = page_bytes.text(name).replace("</body>", comment + "</body>")
    expected = trafilatura.bare_extraction(
        html, url=URL, include_comments=False, favor_precision=favours_precision, with_metadata=False
    )
    body = _main_body(load_html(html), URL, favours_precision)
    assert body is not None and expected is not None and expected.body is not None
    assert tostring(body) == tostring(expected.body)
    assert "Komentar pembaca" not in "".join(body.itertext())
