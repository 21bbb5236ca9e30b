"""Searching the archive: ranked hits with highlighted snippets, a total and facets, on SQLite and PostgreSQL.

`search_documents` reads the index that storage.search_index keeps (the current
revision of every document, gone ones included) with the query syntax of
storage.search_syntax, matched on each database by storage.search_match.
Snippets come back as plain (text, is_match) parts, never as markup, so a page
escapes them like any other text.

Facets count the matches per topic, source and year under the same query and
filters as the hits, so each count is what narrowing by it would find.
A story's year and the date filters use its published time, or its first
sighting when the page gave none.

The matches are read once, and at most MAX_COUNTED_MATCHES of them: the
total, the facets and the ranking of the hits come from that set. A query
with more matches (a word nearly every story holds) is shown as "10,000+"
(`SearchPage.is_capped`), its facets counted and its hits ranked among the
10,000 matches read: on SQLite the newest (FTS5 reads its index backwards for
free), on PostgreSQL the first its index yields (finding the newest would
read every match). Its cost then stops growing with the archive; any
narrower query is counted and ranked exactly.
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from operator import attrgetter
from typing import Any, NamedTuple

from sqlalchemy import ColumnElement, Select, exists, extract, func, select
from sqlalchemy.orm import Session, aliased

from warta.storage.errors import SearchQueryError
from warta.storage.models import Document, Revision, TopicMembership
from warta.storage.search_match import MATCH_END, MATCH_START, Match, match_query
from warta.storage.search_syntax import parse_query

MAX_PAGE_SIZE = 100
# hits beyond this many are not paged through: a reader narrows the query instead
MAX_RESULT_DEPTH = 10_000
# matches beyond this many are not counted or ranked (see the module docstring)
MAX_COUNTED_MATCHES = MAX_RESULT_DEPTH


@dataclass(frozen=True)
class SearchQuery:
    """What a reader asked for: the query text, optional filters, and which page of hits."""

    text: str
    topic: str | None = None
    source: str | None = None
    lang: str | None = None
    date_from: date | None = None
    date_to: date | None = None
    page: int = 1
    page_size: int = 20


class SnippetPart(NamedTuple):
    """A run of a snippet's text, and whether it matched the query (to be highlighted)."""

    text: str
    is_match: bool


@dataclass(frozen=True)
class SearchHit:
    """One matching story: its current revision's title and a snippet of its text around the matches."""

    document_id: int
    title: str
    url: str
    source_id: str
    language: str | None
    published: datetime | None
    status: str
    revision: int
    rank: float
    title_parts: tuple[SnippetPart, ...]
    snippet: tuple[SnippetPart, ...]


@dataclass(frozen=True)
class SearchFacets:
    """Counts of the matching stories per topic, per source and per year (most first; years newest first)."""

    topics: tuple[tuple[str, int], ...]
    sources: tuple[tuple[str, int], ...]
    years: tuple[tuple[int, int], ...]


@dataclass(frozen=True)
class SearchPage:
    """One page of ranked hits, the number of all matches, and the facets to narrow them by."""

    query: SearchQuery
    total: int
    hits: tuple[SearchHit, ...]
    facets: SearchFacets
    # True when more stories match than the `total` that were counted (see the module docstring)
    is_capped: bool = False

    @property
    def pages(self) -> int:
        """Return how many pages the matches fill (at most the depth a reader can page to)."""
        reachable = min(self.total, MAX_RESULT_DEPTH)
        return max(1, math.ceil(reachable / self.query.page_size))


def search_documents(session: Session, query: SearchQuery, max_counted: int = MAX_COUNTED_MATCHES) -> SearchPage:
    """Return the page of hits for `query`, ranked best first, with the total and facets of the matches.

    At most `max_counted` matches are counted and ranked (see the module docstring).
    """
    _check(query)
    parsed = parse_query(query.text)
    match = match_query(session, parsed)
    matches = _matches(session, match, query, max_counted)
    counted = matches[:max_counted]
    facets = _facets(session, match, counted)
    hits = _hits(session, match, _page_of(counted, query))
    return SearchPage(query, len(counted), hits, facets, is_capped=len(matches) > len(counted))


def _check(query: SearchQuery) -> None:
    """Raise SearchQueryError for a page, page size or date range that cannot be served."""
    if not 1 <= query.page_size <= MAX_PAGE_SIZE:
        raise SearchQueryError(f"page size {query.page_size} is out of range; use 1 to {MAX_PAGE_SIZE}")
    if query.page < 1:
        raise SearchQueryError(f"page {query.page} does not exist; pages start at 1")
    if query.page * query.page_size > MAX_RESULT_DEPTH + query.page_size:
        raise SearchQueryError(
            f"page {query.page} is beyond the first {MAX_RESULT_DEPTH:,} hits; "
            "add words or filters to narrow the search"
        )
    if query.date_from and query.date_to and query.date_from > query.date_to:
        raise SearchQueryError(f"the date range starts ({query.date_from}) after it ends ({query.date_to}); swap them")


def _story_time() -> ColumnElement[datetime]:
    """Return a story's time for years and date filters: published, else first seen."""
    return func.coalesce(Revision.published, Document.first_seen)


def _filtered(statement: Select[Any], query: SearchQuery) -> Select[Any]:
    """Return `statement` narrowed by the query's topic, source, language and dates."""
    if query.topic:
        # an alias: the topic facet joins topic_memberships itself, and must not correlate with this
        membership = aliased(TopicMembership)
        statement = statement.where(
            exists().where(membership.document_id == Document.id, membership.topic_id == query.topic)
        )
    if query.source:
        statement = statement.where(Document.source_id == query.source)
    if query.lang:
        statement = statement.where(Revision.language == query.lang)
    story_time = _story_time()
    if query.date_from:
        statement = statement.where(story_time >= _day_start(query.date_from))
    if query.date_to:
        statement = statement.where(story_time < _day_start(query.date_to) + timedelta(days=1))
    return statement


def _day_start(day: date) -> datetime:
    """Return the start of `day` in UTC (a datetime is taken as it is)."""
    if isinstance(day, datetime):
        return day if day.tzinfo else day.replace(tzinfo=UTC)
    return datetime.combine(day, time(), tzinfo=UTC)


class _Matched(NamedTuple):
    """One matching story as counting and ranking need it."""

    revision_id: int
    document_id: int
    source_id: str
    year: int
    rank: float


def _matches(session: Session, match: Match, query: SearchQuery, max_counted: int) -> list[_Matched]:
    """Return the matches of the query and filters (the newest first on SQLite), one more than are counted."""
    year = extract("year", _story_time())
    statement = _filtered(match.base(Revision.id, Document.id, Document.source_id, year, match.rank()), query)
    statement = statement.order_by(match.newest_first()).limit(max_counted + 1)
    # through the connection: the ORM's row handling took longer than the query for 10,000 rows
    rows = session.connection().execute(statement).all()
    return [_Matched(int(r), int(d), str(s), int(y), float(rank)) for r, d, s, y, rank in rows]


def _facets(session: Session, match: Match, matches: list[_Matched]) -> SearchFacets:
    """Count the matches per source, per topic and per year."""
    if not matches:
        return SearchFacets((), (), ())
    # plain (value, count) tuples, not database rows: the JSON API writes them as they are
    sources = sorted(Counter(m.source_id for m in matches).items(), key=lambda row: (-row[1], row[0]))
    years = sorted(Counter(m.year for m in matches).items(), reverse=True)
    topic = TopicMembership.topic_id
    members = match.is_one_of(TopicMembership.document_id, [m.document_id for m in matches])
    per_topic = select(topic, func.count()).where(members).group_by(topic)
    topics = sorted(((str(t), int(n)) for t, n in session.execute(per_topic)), key=lambda row: (-row[1], row[0]))
    return SearchFacets(tuple(topics), tuple(sources), tuple(years))


def _page_of(matches: list[_Matched], query: SearchQuery) -> list[_Matched]:
    """Return the matches on the query's page, best ranked first (the newer story first on a tie)."""
    ranked = sorted(matches, key=attrgetter("rank", "document_id"), reverse=True)
    start = (query.page - 1) * query.page_size
    return ranked[start : start + query.page_size]


def _hits(session: Session, match: Match, page: list[_Matched]) -> tuple[SearchHit, ...]:
    """Return the hits of the page's matches, in its order, with their titles and snippets marked."""
    if not page:
        return ()
    title, snippet = match.title_and_snippet()
    # the snippets are drawn for this page's rows only: highlighting reads the whole text
    columns = (
        Revision.id,
        Document.id,
        Document.url,
        Document.source_id,
        Document.status,
        Revision.language,
        Revision.published,
        Revision.number,
        title,
        snippet,
    )
    statement = match.page(columns, [m.revision_id for m in page])
    rows = {row[0]: row for row in session.execute(statement)}
    return tuple(_hit(rows[m.revision_id], m.rank) for m in page)


def _hit(row: Sequence[Any], rank: float) -> SearchHit:
    _, document_id, url, source_id, status, language, published, number, title, snippet = row
    return SearchHit(
        document_id=document_id,
        title=_plain(title),
        url=url,
        source_id=source_id,
        language=language,
        published=published,
        status=status,
        revision=number,
        rank=float(rank),
        title_parts=split_marked(title),
        snippet=split_marked(snippet),
    )


def split_marked(marked: str | None) -> tuple[SnippetPart, ...]:
    """Return text with match markers as parts: plain runs and matched runs, markers removed."""
    parts: list[SnippetPart] = []
    is_match = False
    run: list[str] = []
    for character in marked or "":
        if character in (MATCH_START, MATCH_END):
            if run:
                parts.append(SnippetPart("".join(run), is_match))
            run, is_match = [], character == MATCH_START
            continue
        run.append(character)
    if run:
        parts.append(SnippetPart("".join(run), is_match))
    return tuple(parts)


def _plain(marked: str | None) -> str:
    return (marked or "").replace(MATCH_START, "").replace(MATCH_END, "")
