"""The JSON API of the archive browser: /api/stories/<id> and /api/search, the same data as the pages."""

from __future__ import annotations

from dataclasses import asdict, is_dataclass
from datetime import date, datetime
from typing import Any

from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from warta.storage import browse
from warta.web.searching import search_from_params
from warta.web.site import site_of


def routes() -> list[Route]:
    """Return the routes of the JSON API."""
    return [Route("/api/stories/{story_id:int}", story_json), Route("/api/search", search_json)]


def story_json(request: Request) -> Response:
    """A story with every revision (number, time, title, text), its captures, topics and copies."""
    site = site_of(request)
    with site.database.reading() as session:
        detail = browse.story_detail(session, request.path_params["story_id"])
    if detail is None:
        raise HTTPException(404, "there is no story with this id in the archive")
    document = as_json(detail)
    for capture in document["captures"]:
        capture["view"] = f"/captures/{capture['id']}"
    return JSONResponse(document)


def search_json(request: Request) -> Response:
    """One page of search results: total, hits with snippets, and counts per topic, source and year."""
    site = site_of(request)
    with site.database.reading() as session:
        sources = {row.id for row in browse.list_sources(session)}
    form, results = search_from_params(site, request.query_params, sources)
    if results is None:
        raise HTTPException(400, "q is empty; give the words to search for, e.g. /api/search?q=festival")
    return JSONResponse({"query": as_json(form), **as_json(results)})


def as_json(value: Any) -> Any:
    """Return `value` with dataclasses as objects, tuples as lists and times as ISO 8601 text."""
    if is_dataclass(value) and not isinstance(value, type):
        return as_json(asdict(value))
    if isinstance(value, dict):
        return {str(key): as_json(item) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return [as_json(item) for item in value]
    if isinstance(value, datetime | date):
        return value.isoformat()
    return value
