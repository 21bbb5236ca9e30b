"""The feed server never answers with anything outside its folder, whatever the request target looks like.

tests/feeds/test_server.py covers the plain cases (dot-dot, %2e, %252e, backslashes,
//etc/passwd, a symlinked file leaving the folder); these are the less common spellings.
"""

from __future__ import annotations

import pytest

from tests.reliability.conftest import SECRET, FeedSite, http_request, raw_exchange, status_of

ESCAPES = {
    "triple-encoded-dots": "/%25252e%25252e/secret.txt",
    "double-encoded-slash": "/..%252fsecret.txt",
    "mixed-case-encoding": "/%2E%2e/%2e%2E/secret.txt",
    "dot-dot-encoded-slash-chain": "/topics%2f..%2f..%2fsecret.txt",
    "overlong-utf8-dot": "/%c0%ae%c0%ae/secret.txt",
    "overlong-utf8-slash": "/..%c0%afsecret.txt",
    "fullwidth-dots": "/%ef%bc%8e%ef%bc%8e/secret.txt",
    "encoded-backslash-dots": "/%5c..%5c..%5csecret.txt",
    "double-encoded-backslash": "/..%255csecret.txt",
    "dot-segment-with-params": "/..;/secret.txt",
    "trailing-dot-segment": "/topics/..",
    "single-dot-segments": "/./topics/./../../secret.txt",
    "absolute-form-target": "http://127.0.0.1/../secret.txt",
    "absolute-form-other-host": "http://evil.example/secret.txt",
    "absolute-file-path": "/" + "%2f" + "tmp",
    "symlinked-folder-out": "/linked/feed.atom",
    "symlink-chain-out": "/hop.atom",
    "symlink-to-absolute": "/absolute.atom",
    "query-hides-dots": "/all.atom?/../../secret.txt",
    "encoded-nul": "/secret.txt%00",
    "encoded-newline": "/all.atom%0d%0aX-Injected:%201",
}


@pytest.mark.parametrize("target", list(ESCAPES.values()), ids=list(ESCAPES))
def test_escaping_request_targets_never_reveal_files_outside_the_folder(feed_site: FeedSite, target: str) -> None:
    status, headers, body = http_request(feed_site.address, "GET", target)
    assert SECRET.encode() not in body and b"root:" not in body
    assert "x-injected" not in headers
    if target.startswith("/all.atom?"):
        # the query string is not part of the path: this is a plain request for all.atom
        assert status == 200 and body == (feed_site.feed_dir / "all.atom").read_bytes()
    else:
        assert status == 404


@pytest.mark.parametrize(
    "target",
    [b"/../secret.txt", b"..\\secret.txt", b"*", b"secret.txt", b"/\xc0\xae\xc0\xae/secret.txt", b"/\xff"],
    ids=["raw-dotdot", "raw-backslash-relative", "asterisk", "no-leading-slash", "raw-overlong-bytes", "raw-bad-utf8"],
)
def test_raw_targets_that_http_clients_would_not_send_answer_404(feed_site: FeedSite, target: bytes) -> None:
    response = raw_exchange(feed_site.address, b"GET " + target + b" HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
    assert status_of(response) in (400, 404)
    assert SECRET.encode() not in response


def test_negative_control_the_files_those_targets_aim_at_exist(feed_site: FeedSite) -> None:
    # Without this, every 404 above could be the server failing to serve anything at all.
    assert (feed_site.feed_dir.parent / "secret.txt").read_text(encoding="utf-8") == SECRET
    assert (feed_site.feed_dir / "linked" / "feed.atom").read_text(encoding="utf-8") == SECRET
    status, _, body = http_request(feed_site.address, "GET", "/topics/wccf.atom")
    assert status == 200 and body == (feed_site.feed_dir / "topics" / "wccf.atom").read_bytes()
