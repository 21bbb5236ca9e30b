"""How a parsed query matches stories on each database: SQLite's FTS5 index or PostgreSQL's tsvectors.

storage.search counts, ranks and pages the matches; this module writes the
database side of it for one query: the matching rows, their relevance, the
ordering used when not every match is read, and the marked title and snippet
of a hit. Matches are marked with private-use characters, which storage.search
splits into plain parts before anything is shown.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any

from sqlalchemy import (
    BigInteger,
    ColumnElement,
    Select,
    any_,
    bindparam,
    case,
    cast,
    column,
    func,
    literal_column,
    select,
    table,
    text,
)
from sqlalchemy.dialects.postgresql import ARRAY, TSVECTOR
from sqlalchemy.orm import InstrumentedAttribute, Session

from warta.storage.models import Document, Revision, SearchEntry
from warta.storage.search_index import FTS_TABLE, configuration_sql
from warta.storage.search_syntax import ParsedQuery, Phrase, fts5_match, websearch_phrase

# private-use characters mark matches inside snippets; split into parts before anything is shown
MATCH_START, MATCH_END = "\ue000", "\ue001"
SNIPPET_WORDS = 32
_CONFIGURATIONS = ("warta_indonesian", "warta_english", "warta_simple")
_HEADLINE_OPTIONS = (
    f"StartSel={MATCH_START}, StopSel={MATCH_END}, MaxWords={SNIPPET_WORDS}, MinWords=12, "
    'MaxFragments=2, FragmentDelimiter=" … "'
)
# For this transaction only. A search reads at most 10,001 matches (storage.search), each joined to
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


def match_query(session: Session, parsed: ParsedQuery) -> Match:
    """Return the query's match on the session's database (on PostgreSQL, with the search's plan settings)."""
    if session.get_bind().dialect.name == "sqlite":
        return Fts5Match(parsed)
    session.execute(_POSTGRESQL_SEARCH_PLAN)
    return TsMatch(parsed)


class Fts5Match:
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


class TsMatch:
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


Match = Fts5Match | TsMatch
