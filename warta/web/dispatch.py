"""The one application warta serves: which part answers a request.

In order: any method but GET and HEAD gets 405 (everything warta serves is
read-only); /healthz and /metrics go to the monitoring endpoints when the
daemon serves them; a path naming a file of the feed folder is served from it
(so feed URLs stay those of `warta feeds serve`: /all.atom, /topics/wccf.atom,
/index.html); everything else, `/` included, is the archive browser. Basic
auth, when configured, guards the browser's pages only: feed readers and health
checks keep working as before.
"""

from __future__ import annotations

from starlette.types import ASGIApp, Receive, Scope, Send

from warta.config import WartaConfig
from warta.feeds.static_app import FeedFolderApp, method_not_allowed
from warta.monitoring.endpoints import MonitoringApp
from warta.storage.database import Database
from warta.web.app import create_app


class WartaApp:
    """ASGI application: the monitoring endpoints, the feed folder, and the archive browser behind them."""

    def __init__(self, browser: ASGIApp, feeds: FeedFolderApp | None, monitoring: MonitoringApp | None) -> None:
        self.browser = browser
        self.feeds = feeds
        self.monitoring = monitoring

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.browser(scope, receive, send)
        elif scope["method"] not in ("GET", "HEAD"):
            await _refuse_method(send)
        elif self.monitoring is not None and self.monitoring.answers(scope):
            await self.monitoring(scope, receive, send)
        elif self.feeds is not None and self.feeds.has_file(scope):
            await self.feeds(scope, receive, send)
        else:
            await self.browser(scope, receive, send)


async def _refuse_method(send: Send) -> None:
    response = method_not_allowed()
    headers = [(name.encode("latin-1"), value.encode("latin-1")) for name, value in response.headers]
    await send({"type": "http.response.start", "status": response.status, "headers": headers})
    await send({"type": "http.response.body", "body": response.body})


def make_warta_app(
    cfg: WartaConfig,
    database: Database,
    monitoring: MonitoringApp | None = None,
    environ: dict[str, str] | None = None,
) -> WartaApp:
    """Return the archive browser over `database` with the feed folder of [feeds] dir (and `monitoring`).

    Raises AuthConfigError when [web] asks for basic auth but the password hash is missing.
    """
    # no directory index: `/` is the browser's home page, the feeds' own index stays at /index.html
    feeds = FeedFolderApp(cfg.feeds.dir, index=None)
    return WartaApp(create_app(cfg, database, environ), feeds, monitoring)
