"""Entry bodies and summaries: sanitizing rules and summary length, on plain strings."""

from __future__ import annotations

import pytest

from warta.feeds.content import body_html, is_safe_url, sanitize_html, summarize


@pytest.mark.parametrize(
    ("html", "kept", "removed"),
    [
        ("<p>a</p><script>evil()</script>", "<p>a</p>", "evil"),
        ("<style>p{}</style><p>a</p>", "<p>a</p>", "p{}"),
        ('<iframe src="https://x.example/"></iframe><p>a</p>', "<p>a</p>", "iframe"),
        ('<img src="https://x.example/i.png" onerror="evil()">', 'src="https://x.example/i.png"', "onerror"),
        ('<a href="javascript:evil()">a</a>', "<a", "javascript"),
        ('<a href="data:text/html,evil">a</a>', "<a", "data:"),
        ('<a href="/lain">a</a>', 'href="https://disbud.jakarta.go.id/lain"', 'href="/lain"'),
        ('<p style="position:fixed">a</p>', "<p>a</p>", "position"),
        ("<form action='https://x.example'><input></form>a", "a", "<form"),
    ],
    ids=[
        "script",
        "style",
        "iframe",
        "event-handler",
        "javascript-url",
        "data-url",
        "relative-link",
        "inline-style",
        "form",
    ],
)
def test_sanitizer(html: str, kept: str, removed: str) -> None:
    cleaned = sanitize_html(html, "https://disbud.jakarta.go.id/berita/x")
    assert kept in cleaned
    assert removed not in cleaned


def test_body_falls_back_to_text_when_html_has_no_text() -> None:
    assert body_html("<script>x()</script>", "Teks saja.") == "<p>Teks saja.</p>"


def test_summary_is_cut_at_a_word_near_300_characters() -> None:
    text = "kata " * 200
    summary = summarize(text)
    assert 250 < len(summary) <= 301 and summary.endswith("kata…")
    assert summarize("Pendek.") == "Pendek."


def test_summary_does_not_repeat_the_headline_the_text_opens_with() -> None:
    text = "Lebaran Betawi 2026 Digelar\nDinas Kebudayaan kembali menggelar Lebaran Betawi."
    assert summarize(text, "Lebaran Betawi 2026 Digelar") == "Dinas Kebudayaan kembali menggelar Lebaran Betawi."
    # a text that does not open with the title, or only with a word that starts like it, is kept whole
    assert summarize("Festivalnya ramai sekali.", "Festival") == "Festivalnya ramai sekali."
    assert (
        summarize(text, "Festival Film Jakarta")
        == "Lebaran Betawi 2026 Digelar Dinas Kebudayaan kembali menggelar Lebaran Betawi."
    )


@pytest.mark.parametrize(
    ("url", "safe"),
    [("https://a.example/x", True), ("http://a.example", True), ("javascript:alert(1)", False), ("/relative", False)],
    ids=["https", "http", "javascript", "relative"],
)
def test_only_absolute_http_urls_are_safe(url: str, safe: bool) -> None:
    assert is_safe_url(url) is safe
