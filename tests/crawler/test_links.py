"""Which links a source follows: own origins and allowed domains, follow patterns (paths or regexes), minus deny."""

from __future__ import annotations

import pytest

from warta.crawler.links import LinkFilter
from warta.crawler.origins import describe_off_origin

FILTER = LinkFilter(
    {"http://news.example:80"},
    follow=["/berita/", r"partner\.example/budaya/", "/budaya/"],
    deny=["/berita/foto/"],
    allowed_domains=["cdn.example"],
)


@pytest.mark.parametrize(
    ("url", "followed"),
    [
        ("http://news.example/berita/pameran", True),
        ("http://news.example/tentang", False),
        ("http://news.example/arsip/berita/x", False),  # '/' patterns match the start of the path only
        ("http://news.example/berita/foto/galeri", False),  # deny wins over follow
        ("http://other.example/berita/pameran", False),  # another host, not named by a pattern
        ("http://news.example:8080/berita/pameran", False),  # another port is another host
        ("https://news.example/berita/pameran", False),  # another scheme is another origin
        ("http://partner.example/budaya/tari", False),  # a follow pattern naming a host does not open it
        ("http://cdn.example/budaya/tari", True),  # an allowed domain, on any scheme and port
        ("https://img.cdn.example:8443/budaya/tari", True),  # and its subdomains
        ("http://notcdn.example/budaya/tari", False),  # a name ending the same way is another host
        ("mailto:redaksi@news.example", False),
    ],
)
def test_link_filter_follows_only_matching_links_on_allowed_hosts(url: str, followed: bool) -> None:
    assert FILTER.allows(url) is followed


def test_an_off_origin_redirect_says_how_to_allow_it() -> None:
    elsewhere = describe_off_origin("http://cdn.example/a", "http://news.example/a")
    assert elsewhere.startswith("redirected to http://cdn.example/a, outside the source's origins: not followed")
    assert "sources[].allowed_domains" in elsewhere
    upgrade = describe_off_origin("https://news.example/a", "http://news.example/a")
    assert "the site moved to https: write the source's urls with https://" in upgrade
