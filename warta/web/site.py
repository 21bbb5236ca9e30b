"""What every route of the archive browser shares: the database, the site's settings and its templates."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import jinja2
from starlette.requests import Request
from starlette.responses import Response
from starlette.templating import Jinja2Templates

from warta.storage.database import Database

HERE = Path(__file__).resolve().parent


@dataclass(frozen=True)
class TopicLink:
    """A configured topic: its id and title."""

    id: str
    title: str
    description: str


@dataclass(frozen=True)
class Site:
    """What the routes need of the config: the database, titles, page size and the feeds' public URL."""

    database: Database
    title: str
    page_size: int
    topics: tuple[TopicLink, ...]
    feeds_base_url: str
    templates: Jinja2Templates

    def topic(self, topic_id: str) -> TopicLink | None:
        """Return the configured topic with this id, or None."""
        return next((topic for topic in self.topics if topic.id == topic_id), None)

    def render(self, request: Request, name: str, context: dict[str, Any], status_code: int = 200) -> Response:
        """Return the template `name` rendered with the site's common values."""
        common = {"site": self, "now": datetime.now(UTC)}
        return self.templates.TemplateResponse(request, name, {**common, **context}, status_code=status_code)


def make_templates() -> Jinja2Templates:
    """Return the templates of the app's own folder, autoescaping every one of them."""
    environment = jinja2.Environment(
        loader=jinja2.FileSystemLoader(HERE / "templates"),
        autoescape=True,
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    environment.filters["when"] = _format_time
    environment.filters["day"] = _format_day
    return Jinja2Templates(env=environment)


def site_of(request: Request) -> Site:
    """Return the Site of the app serving `request`."""
    site: Site = request.app.state.site
    return site


def _format_time(value: datetime | None) -> str:
    return value.astimezone(UTC).strftime("%Y-%m-%d %H:%M UTC") if value else ""


def _format_day(value: datetime | None) -> str:
    return value.astimezone(UTC).strftime("%Y-%m-%d") if value else ""
