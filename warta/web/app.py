"""The archive browser's ASGI application: routes that ask storage for plain data and render templates.

Routes hold no SQL: each asks one read-only function of warta.storage.browse (or
the search) for plain values. Templates escape everything they print. An unknown
id answers 404 and a bad parameter 400, as an HTML page or, under /api/, as JSON;
an unexpected error is logged and answered with a plain 500 page, never a traceback.
"""

from __future__ import annotations

import logging

from starlette.applications import Starlette
from starlette.exceptions import HTTPException
from starlette.middleware import Middleware
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Mount
from starlette.staticfiles import StaticFiles

from warta.config import WartaConfig
from warta.storage.database import Database
from warta.web import api, pages
from warta.web.security import BasicAuth, SecurityHeaders, password_hash_from_environment
from warta.web.site import HERE, Site, TopicLink, make_templates, site_of

logger = logging.getLogger(__name__)


def create_app(cfg: WartaConfig, database: Database, environ: dict[str, str] | None = None) -> Starlette:
    """Return the archive browser over `database`, with basic auth when [web] auth_username is set."""
    site = Site(
        database=database,
        title=cfg.web.title,
        page_size=cfg.web.page_size,
        topics=tuple(TopicLink(topic.id, topic.title, topic.description) for topic in cfg.topics),
        feeds_base_url=cfg.feeds.base_url,
        templates=make_templates(),
    )
    middleware = [Middleware(SecurityHeaders)]
    if cfg.web.auth_username:
        password_hash = password_hash_from_environment(cfg.web.auth_password_hash_env, environ)
        middleware.append(Middleware(BasicAuth, username=cfg.web.auth_username, password_hash=password_hash))
    app = Starlette(
        routes=[
            *pages.routes(),
            *api.routes(),
            Mount("/static", app=StaticFiles(directory=HERE / "static"), name="static"),
        ],
        middleware=middleware,
        exception_handlers={HTTPException: _http_error, Exception: _server_error},
    )
    app.state.site = site
    return app


def _http_error(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, HTTPException)
    if request.url.path.startswith("/api/"):
        return JSONResponse({"error": exc.detail, "status": exc.status_code}, status_code=exc.status_code)
    context = {"status": exc.status_code, "message": exc.detail}
    return site_of(request).render(request, "error.html", context, exc.status_code)


def _server_error(request: Request, exc: Exception) -> Response:
    logger.exception("the archive browser failed on %s", request.url.path, exc_info=exc)
    if request.url.path.startswith("/api/"):
        return JSONResponse({"error": "internal error; see the server log", "status": 500}, status_code=500)
    return Response("internal error; the server log says what went wrong\n", status_code=500, media_type="text/plain")
