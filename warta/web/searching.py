"""The search behind /search and /api/search: query parameters in, one page of ranked hits out.

The search itself is storage's (`warta.storage.search.search_documents`: SQLite FTS5
or PostgreSQL full-text search); this module only reads the parameters and maps a
malformed query to a 400 that carries the search's own message.
"""

from __future__ import annotations

import importlib
from datetime import date
from types import ModuleType
from typing import Any
from urllib.parse import urlencode

from starlette.datastructures import QueryParams
from starlette.exceptions import HTTPException

from warta.web.params import choice, optional_date, optional_text, page_number
from warta.web.site import Site

# 10 KB of query text is refused by the search with a clear message; longer input is cut off here first
MAX_QUERY_CHARACTERS = 20_000
LANGUAGES = {"id", "en"}


def search_module() -> ModuleType | None:
    """Return warta.storage.search, or None in a build that does not have the full-text search yet."""
    try:
        return importlib.import_module("warta.storage.search")
    except ModuleNotFoundError as exc:
        if exc.name != "warta.storage.search":
            raise
        return None


def search_from_params(site: Site, params: QueryParams, known_sources: set[str]) -> tuple[dict[str, Any], Any]:
    """Return the query as given (for the form) and the page of results (None when there is no query text)."""
    text = optional_text(params, "q", MAX_QUERY_CHARACTERS) or ""
    topic = choice(params, "topic", {topic.id for topic in site.topics})
    source = choice(params, "source", known_sources)
    language = choice(params, "lang", LANGUAGES)
    date_from, date_to = optional_date(params, "from"), optional_date(params, "to")
    page = page_number(params)
    form: dict[str, Any] = {"q": text, "topic": topic, "source": source, "lang": language}
    form |= {"from": date_from, "to": date_to, "page": page}
    if date_from and date_to and date_from > date_to:
        raise HTTPException(400, f"from={date_from} is after to={date_to}; swap them")
    if not text:
        return form, None
    module = search_module()
    if module is None:
        raise HTTPException(503, "full-text search is not available in this build of warta")
    query = module.SearchQuery(text, topic, source, language, date_from, date_to, page, site.page_size)
    with site.database.reading() as session:
        try:
            return form, module.search_documents(session, query)
        except module.SearchQueryError as exc:
            raise HTTPException(400, str(exc)) from exc


def search_link(form: dict[str, Any], **changes: Any) -> str:
    """Return the /search URL of the form's query with some parameters changed (None drops one)."""
    values = {**form, **changes}
    pairs = [(key, value.isoformat() if isinstance(value, date) else value) for key, value in values.items()]
    return "/search?" + urlencode([(key, value) for key, value in pairs if value not in (None, "", 1) or key == "q"])
