"""Searching the archive: ranked hits with highlighted snippets, a total and facets, on SQLite and PostgreSQL.

`search_documents` reads the index that storage.search_index keeps (the current
revision of every document, gone ones included) with the query syntax of
storage.search_syntax. Snippets come back as plain (text, is_match) parts, never
as markup, so a page escapes them like any other text.

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

import json
import math
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from operator import attrgetter
from typing import Any, NamedTuple

from sqlalchemy import (
    BigInteger,
    ColumnElement,
    Select,
    any_,
    bindparam,
    case,
    cast,
    column,
    exists,
    extract,
    func,
    literal_column,
    select,
    table,
    text,
)
from sqlalchemy.dialects.postgresql import ARRAY, TSVECTOR
from sqlalchemy.orm import InstrumentedAttribute, Session, aliased

from warta.storage.errors import SearchQueryError
from warta.storage.models import Document, Revision, SearchEntry, TopicMembership
from warta.storage.search_index import FTS_TABLE, configuration_sql
from warta.storage.search_syntax import ParsedQuery, Phrase, fts5_match, parse_query, websearch_phrase

MAX_PAGE_SIZE = 100
# hits beyond this many are not paged through: a reader narrows the query instead
MAX_RESULT_DEPTH = 10_000
# matches beyond this many are not counted or ranked (see the module docstring)
MAX_COUNTED_MATCHES = MAX_RESULT_DEPTH
# private-use characters mark matches inside snippets; split into parts before anything is shown
MATCH_START, MATCH_END = "\ue000", "\ue001"
SNIPPET_WORDS = 32
_CONFIGURATIONS = ("warta_indonesian", "warta_english", "warta_simple")
_HEADLINE_OPTIONS = (
    f"StartSel={MATCH_START}, StopSel={MATCH_END}, MaxWords={SNIPPET_WORDS}, MinWords=12, "
    'MaxFragments=2, FragmentDelimiter=" … "'
)
# For this transaction only. A search reads at most MAX_COUNTED_MATCHES + 1 matches, each joined to
# its revision and document by primary key. The planner cannot estimate the per-language match (a
# CASE of tsqueries) and guessed a few hundred rows for any query: at 100,000 stories it then planned
# a hash join reading every revision, started a parallel worker and JIT-compiled the query, each
# costing more than the whole search (a worker took 10 to 25 ms to start on a busy machine).
_POSTGRESQL_SEARCH_PLAN = text(
    "SELECT set_config('enable_hashjoin', 'off', true), set_config('enable_mergejoin', 'off', true), "
    "set_config('max_parallel_workers_per_gather', '0', true), set_config('jit', 'off', true)"
)
_fts = table(FTS_TABLE, column("rowid"))
_vector = column("vector", TSVECTOR)


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
    is_sqlite = session.get_bind().dialect.name == "sqlite"
    match = _Fts5Match(parsed) if is_sqlite else _TsMatch(parsed)
    if not is_sqlite:
        session.execute(_POSTGRESQL_SEARCH_PLAN)
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


class _Fts5Match:
    """The query on SQLite: an FTS5 MATCH on search_fts, whose rowid is the current revision's id."""

    def __init__(self, parsed: ParsedQuery) -> None:
        self.expression = fts5_match(parsed)

    def base(self, *columns: Any) -> Select[Any]:
        """Return a SELECT of `columns` over the matching revisions joined to their documents."""
        return (
            select(*columns)
            .select_from(_fts)
            .join(Revision, Revision.id == _fts.c.rowid)
            .join(Document, Document.id == Revision.document_id)
            .where(text(f"{FTS_TABLE} MATCH :match").bindparams(match=self.expression))
        )

    def rank(self) -> ColumnElement[float]:
        """Return the relevance of a match, higher is better (BM25, a title word weighing ten text words)."""
        return -literal_column(f"bm25({FTS_TABLE}, 10.0, 1.0)")

    def newest_first(self) -> ColumnElement[Any]:
        """Return the ordering of matches newest revision first (FTS5 reads its index backwards for it)."""
        return _fts.c.rowid.desc()

    def is_one_of(self, ids: InstrumentedAttribute[int], values: list[int]) -> ColumnElement[bool]:
        """Return a condition that `ids` is one of `values`, passed as one JSON parameter (not 10,000)."""
        listed: Select[Any] = select(literal_column("value")).select_from(
            func.json_each(bindparam("ids", json.dumps(values)))
        )
        return ids.in_(listed.scalar_subquery())

    def page(self, columns: Sequence[Any], revision_ids: list[int]) -> Select[Any]:
        """Return a SELECT of `columns` over these matching revisions (snippet() needs the query's MATCH)."""
        # on the index's own rowid, so FTS5 looks up each revision rather than reading every match
        return self.base(*columns).where(_fts.c.rowid.in_(revision_ids))

    def title_and_snippet(self) -> tuple[ColumnElement[str], ColumnElement[str]]:
        """Return the title with matches marked, and the best passage of the text with matches marked."""
        marks = f"'{MATCH_START}', '{MATCH_END}'"
        title: ColumnElement[str] = literal_column(f"highlight({FTS_TABLE}, 0, {marks})")
        snippet: ColumnElement[str] = literal_column(f"snippet({FTS_TABLE}, 1, {marks}, ' … ', {SNIPPET_WORDS})")
        return title, snippet


class _TsMatch:
    """The query on PostgreSQL: the reader's phrases through websearch_to_tsquery, per configuration.

    A story's vector was built with the configuration of its language, so it must
    be matched by the query parsed with that same configuration (an exclusion
    stemmed otherwise would miss). The OR of the query under every configuration
    finds the candidates with one GIN index scan; the story's own one decides.
    """

    def __init__(self, parsed: ParsedQuery) -> None:
        self.configuration: ColumnElement[Any] = literal_column(configuration_sql("revisions.language"))
        queries = {configuration: _tsquery_of(parsed, configuration) for configuration in _CONFIGURATIONS}
        self.candidates = _or(list(queries.values()))
        self.tsquery = case(
            *[(self.configuration == literal_column(f"'{name}'::regconfig"), q) for name, q in queries.items()],
            else_=queries["warta_simple"],
        )

    def base(self, *columns: Any) -> Select[Any]:
        """Return a SELECT of `columns` over the matching entries joined to their revisions and documents."""
        entries = SearchEntry.__table__
        return (
            select(*columns)
            .select_from(entries)
            .join(Revision, Revision.id == SearchEntry.revision_id)
            .join(Document, Document.id == SearchEntry.document_id)
            .where(_vector.op("@@", is_comparison=True)(self.candidates))
            .where(_vector.op("@@", is_comparison=True)(self.tsquery))
        )

    def rank(self) -> ColumnElement[float]:
        """Return the relevance of a match, higher is better (ts_rank, normalized by the document's length)."""
        return func.ts_rank(_vector, self.tsquery, 1)

    def newest_first(self) -> None:
        """Return no ordering: the first matches the index yields are counted."""
        return None

    def is_one_of(self, ids: InstrumentedAttribute[int], values: list[int]) -> ColumnElement[bool]:
        """Return a condition that `ids` is one of `values`, passed as one array parameter (not 10,000)."""
        # written as text: psycopg took 50 ms to adapt a list of 10,000 integers
        array_text = "{" + ",".join(map(str, values)) + "}"
        return ids == any_(cast(bindparam("ids", array_text), ARRAY(BigInteger)))

    def page(self, columns: Sequence[Any], revision_ids: list[int]) -> Select[Any]:
        """Return a SELECT of `columns` over these revisions (ts_headline needs the text, not the index)."""
        return (
            select(*columns)
            .join_from(Revision, Document, Document.id == Revision.document_id)
            .where(Revision.id.in_(revision_ids))
        )

    def title_and_snippet(self) -> tuple[ColumnElement[str], ColumnElement[str]]:
        """Return the title with matches marked, and the best passages of the text with matches marked."""
        options = f"HighlightAll=true, StartSel={MATCH_START}, StopSel={MATCH_END}"
        title = func.ts_headline(self.configuration, Revision.title, self.tsquery, options)
        return title, func.ts_headline(self.configuration, Revision.text, self.tsquery, _HEADLINE_OPTIONS)


def _tsquery_of(parsed: ParsedQuery, configuration: str) -> ColumnElement[Any]:
    """Return the parsed query as one tsquery under `configuration`: groups AND-ed, exclusions negated."""

    def phrase(item: Phrase) -> ColumnElement[Any]:
        return func.websearch_to_tsquery(literal_column(f"'{configuration}'::regconfig"), websearch_phrase(item))

    # the functions behind && || and !!: websearch_to_tsquery itself lets OR bind looser than AND
    expression = _or([phrase(item) for item in parsed.groups[0]])
    for group in parsed.groups[1:]:
        expression = func.tsquery_and(expression, _or([phrase(item) for item in group]))
    if parsed.excluded:
        expression = func.tsquery_and(expression, func.tsquery_not(_or([phrase(item) for item in parsed.excluded])))
    return expression


def _or(parts: Sequence[ColumnElement[Any]]) -> ColumnElement[Any]:
    expression = parts[0]
    for part in parts[1:]:
        expression = func.tsquery_or(expression, part)
    return expression


_Match = _Fts5Match | _TsMatch


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


def _matches(session: Session, match: _Match, query: SearchQuery, max_counted: int) -> list[_Matched]:
    """Return the matches of the query and filters, newest first, at most one more than are counted."""
    year = extract("year", _story_time())
    statement = _filtered(match.base(Revision.id, Document.id, Document.source_id, year, match.rank()), query)
    # through the connection: the ORM's row handling took longer than the query for 10,000 rows
    statement = statement.order_by(match.newest_first()).limit(max_counted + 1)
    rows = session.connection().execute(statement).all()
    return [_Matched(int(r), int(d), str(s), int(y), float(rank)) for r, d, s, y, rank in rows]


def _facets(session: Session, match: _Match, matches: list[_Matched]) -> SearchFacets:
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


def _hits(session: Session, match: _Match, page: list[_Matched]) -> tuple[SearchHit, ...]:
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
