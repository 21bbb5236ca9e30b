"""The one set-up of outgoing HTTP that is not a crawl: probes, the alert webhook and the Scrapyd API.

Crawls go through Scrapy. Everything else asks `http_client` for an
`httpx.Client`, so that every such request has a timeout, bounded connection
pools, our User-Agent and the same redirect handling. It lives in the crawler
layer, the lowest one that speaks HTTP; monitoring and the daemon import it.
"""

from __future__ import annotations

import httpx

DEFAULT_TIMEOUT_SECONDS = 10.0
# a handful of connections is plenty: these clients make one request at a time (a probe, an alert, an API call)
LIMITS = httpx.Limits(max_connections=4, max_keepalive_connections=2)


def http_client(
    user_agent: str,
    timeout_seconds: float = DEFAULT_TIMEOUT_SECONDS,
    auth: tuple[str, str] | None = None,
) -> httpx.Client:
    """Return a client sending `user_agent`, giving up on each connect, read or write after `timeout_seconds`."""
    return httpx.Client(
        headers={"User-Agent": user_agent},
        timeout=httpx.Timeout(timeout_seconds),
        limits=LIMITS,
        # urllib, which these clients replace, followed redirects; a probe reports where it ended up
        follow_redirects=True,
        auth=auth,
    )
