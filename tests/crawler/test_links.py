"""Which links a source follows: own hosts, follow patterns (path prefixes or regexes), minus deny."""

from __future__ import annotations

import pytest

from warta.crawler.links import LinkFilter

FILTER = LinkFilter({"news.example:80"}, follow=["/berita/", r"partner\.example/budaya/"], deny=["/berita/foto/"])


@pytest.mark.parametrize(
    ("url", "followed"),
    [
        ("http://news.example/berita/pameran", True),
        ("http://news.example/tentang", False),
        ("http://news.example/arsip/berita/x", False),  # '/' patterns match the start of the path only
        ("http://news.example/berita/foto/galeri", False),  # deny wins over follow
        ("http://other.example/berita/pameran", False),  # another host, not named by a pattern
        ("http://news.example:8080/berita/pameran", False),  # another port is another host
        ("http://partner.example/budaya/tari", True),  # a follow pattern names this host
        ("mailto:redaksi@news.example", False),
    ],
)
def test_link_filter_follows_only_matching_links_on_allowed_hosts(url: str, followed: bool) -> None:
    assert FILTER.allows(url) is followed
