"""Query parameters of the archive browser, checked: a bad value is a 400 that says what is accepted."""

from __future__ import annotations

from datetime import date

from starlette.datastructures import QueryParams
from starlette.exceptions import HTTPException

MAX_PAGE = 10_000
MAX_TEXT = 500


def page_number(params: QueryParams) -> int:
    """Return the `page` parameter (1 when absent); 400 unless it is a whole number from 1 to MAX_PAGE."""
    return bounded_int(params, "page", 1, 1, MAX_PAGE)


def bounded_int(params: QueryParams, name: str, default: int, low: int, high: int) -> int:
    """Return the integer parameter `name`, `default` when absent; 400 when it is not in [low, high]."""
    raw = params.get(name, "").strip()
    if not raw:
        return default
    if not raw.isascii() or not raw.isdigit() or not low <= int(raw) <= high:
        raise HTTPException(400, f"{name}={raw[:40]!r} is not a whole number from {low} to {high}")
    return int(raw)


def optional_text(params: QueryParams, name: str, max_length: int = MAX_TEXT) -> str | None:
    """Return the text parameter `name` stripped, None when absent or empty; 400 when it is too long."""
    raw = params.get(name, "").strip()
    if len(raw) > max_length:
        raise HTTPException(400, f"{name} is {len(raw)} characters long; at most {max_length} are accepted")
    return raw or None


def optional_date(params: QueryParams, name: str) -> date | None:
    """Return the date parameter `name` (YYYY-MM-DD), None when absent; 400 when it is not a date."""
    raw = params.get(name, "").strip()
    if not raw:
        return None
    try:
        return date.fromisoformat(raw)
    except ValueError:
        raise HTTPException(400, f"{name}={raw[:40]!r} is not a date; write it as YYYY-MM-DD") from None


def choice(params: QueryParams, name: str, allowed: set[str]) -> str | None:
    """Return the parameter `name` when it is one of `allowed`, None when absent; 400 otherwise."""
    raw = optional_text(params, name, 100)
    if raw is not None and raw not in allowed:
        shown = ", ".join(sorted(allowed)) or "none"
        raise HTTPException(400, f"{name}={raw[:40]!r} is unknown; known values: {shown}")
    return raw
