"""One canonical spelling per page: tracking, fragments and spelling variants collapse; meaning stays."""

from __future__ import annotations

import pytest

from warta.crawler.urls import canonical_from_page, canonicalize_url, same_site

CASES = [
    ("HTTPS://Budaya.Jakarta.GO.ID/Berita", "https://budaya.jakarta.go.id/Berita", "lowercase-scheme-host-not-path"),
    ("https://example.org:443/a", "https://example.org/a", "drop-default-https-port"),
    ("http://example.org:80/a", "http://example.org/a", "drop-default-http-port"),
    ("http://example.org:8080/a", "http://example.org:8080/a", "keep-other-port"),
    ("https://example.org", "https://example.org/", "empty-path-is-slash"),
    ("https://example.org/a#komentar", "https://example.org/a", "drop-fragment"),
    ("https://example.org/a/", "https://example.org/a/", "keep-trailing-slash"),
    ("https://example.org/a", "https://example.org/a", "do-not-add-trailing-slash"),
    (
        "https://example.org/a?utm_source=fb&utm_medium=social&id=7&fbclid=XyZ&gclid=1",
        "https://example.org/a?id=7",
        "drop-tracking",
    ),
    (
        "https://example.org/a?dclid=1&msclkid=2&mc_cid=3&mc_eid=4&igshid=5&yclid=6&_ga=7&ref_src=twsrc",
        "https://example.org/a",
        "drop-all-listed-trackers",
    ),
    ("https://example.org/a?b=2&a=1&c=", "https://example.org/a?a=1&b=2&c=", "sort-params-keep-empty"),
    ("https://example.org/%7euser/%e2%82%ac", "https://example.org/~user/%E2%82%AC", "normalise-escapes"),
    ("https://example.org/a%2Fb", "https://example.org/a%2Fb", "keep-escaped-slash"),
    ("https://example.org/berita baru", "https://example.org/berita%20baru", "escape-space"),
    ("https://example.org/s?q=seni+rupa", "https://example.org/s?q=seni%20rupa", "plus-is-space"),
    ("https://Bücher.example/", "https://xn--bcher-kva.example/", "idna-host"),
]


@pytest.mark.parametrize(("url", "expected"), [case[:2] for case in CASES], ids=[case[2] for case in CASES])
def test_canonicalize_url(url: str, expected: str) -> None:
    assert canonicalize_url(url) == expected


def test_canonical_form_is_stable_when_applied_twice() -> None:
    for url, _, _ in CASES:
        once = canonicalize_url(url)
        assert canonicalize_url(once) == once


def test_relative_url_is_resolved_against_base() -> None:
    assert canonicalize_url("../acara/2?utm_campaign=x", base="https://example.org/berita/1") == (
        "https://example.org/acara/2"
    )


def test_tracking_parameter_name_is_matched_exactly_not_by_substring() -> None:
    assert (
        canonicalize_url("https://example.org/a?page=2&campaign_id=4") == "https://example.org/a?campaign_id=4&page=2"
    )


@pytest.mark.parametrize("url", ["mailto:redaksi@example.org", "javascript:void(0)", "/relative/only", "ftp://x.org/"])
def test_non_http_url_is_refused_with_a_hint(url: str) -> None:
    with pytest.raises(ValueError, match="not an absolute http"):
        canonicalize_url(url)


def test_same_site_treats_www_and_bare_host_as_one() -> None:
    assert same_site("https://www.kompas.com/a", "https://kompas.com/b")
    assert same_site("https://KOMPAS.com/a", "http://www.kompas.com/b")
    assert not same_site("https://regional.kompas.com/a", "https://kompas.com/b")
    assert not same_site("https://kompas.com.evil.example/a", "https://kompas.com/b")


def test_rel_canonical_on_same_site_is_honoured() -> None:
    page = "https://www.example.org/berita/1?utm_source=x#top"
    assert canonical_from_page(page, "/berita/1-pameran-seni") == "https://www.example.org/berita/1-pameran-seni"
    assert canonical_from_page(page, "https://example.org/b") == "https://example.org/b"


def test_rel_canonical_on_another_site_is_ignored() -> None:
    page = "https://example.org/berita/1"
    assert canonical_from_page(page, "https://syndication.example.net/story/1") == page


def test_missing_or_unusable_rel_canonical_gives_the_page_url() -> None:
    page = "https://Example.org/berita/1?fbclid=1"
    assert canonical_from_page(page, None) == "https://example.org/berita/1"
    assert canonical_from_page(page, "javascript:void(0)") == "https://example.org/berita/1"
