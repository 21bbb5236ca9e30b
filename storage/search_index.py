"""The full-text search index: the current revision of every document, kept current in the writer's transaction.

Only a document's current revision is indexed: when a page changes, its old
words stop matching in the same transaction that records the new revision.
Gone documents stay indexed (they are archive content); search results carry
their status so a page can mark them.

SQLite: the FTS5 table `search_fts` over the title and text of `revisions`
(external content: rowid = revision id, the text is stored once), tokenized by
`porter unicode61 remove_diacritics 2`: case and accents folded, English words
stemmed. FTS5 has no Indonesian stemmer; storage.search_syntax searches longer
words with the common Indonesian suffixes instead, which catches suffixes but
not prefixes ("budaya" finds "budayanya", not "kebudayaan").

PostgreSQL: `search_entries.vector`, a tsvector with a GIN index, built with the
configuration of the story's language: warta_indonesian, warta_english, or
warta_simple for any other language. Each is the built-in configuration with
the `unaccent` dictionary before its stemmer, so accents fold in documents,
queries and highlighted snippets alike.

`search_entries` records which revision each document has in the index; both
databases keep it, so a stale entry is found with one query and an index is
brought up to date (`build_search_index`) after an upgrade or an interruption.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping
from typing import Any

from sqlalchemy import text
from sqlalchemy.engine import Connection

logger = logging.getLogger(__name__)

FTS_TABLE = "search_fts"
VECTOR_INDEX = "ix_search_entries_vector"
# what PostgreSQL indexes of a very long text: a tsvector holds at most 1 MB of lexemes and positions
MAX_INDEXED_CHARACTERS = 300_000
BUILD_BATCH_DOCUMENTS = 2_000
# (documents done, documents in the archive)
BuildProgress = Callable[[int, int], None]


def is_modelled(name: str | None, type_: str, parent_names: Mapping[Any, str | None]) -> bool:
    """Return False for the index's own schema objects, which storage.models leaves out (Alembic's include_name)."""
    if type_ == "table":
        return not (name or "").startswith(FTS_TABLE)
    if type_ == "column":
        return (parent_names.get("table_name"), name) != ("search_entries", "vector")
    return name != VECTOR_INDEX


def configuration_sql(language_column: str) -> str:
    """Return SQL choosing the PostgreSQL text search configuration for a story in `language_column`."""
    return (
        f"(CASE split_part(lower(coalesce({language_column}, '')), '-', 1) "
        "WHEN 'id' THEN 'warta_indonesian' WHEN 'en' THEN 'warta_english' ELSE 'warta_simple' END)::regconfig"
    )


def _vector_sql(revision: str) -> str:
    """Return SQL computing the tsvector of the revision aliased `revision`: title weighted A, text B."""
    configuration = configuration_sql(f"{revision}.language")
    return (
        f"setweight(to_tsvector({configuration}, {revision}.title), 'A') || "
        f"setweight(to_tsvector({configuration}, left({revision}.text, {MAX_INDEXED_CHARACTERS})), 'B')"
    )


def index_revision(connection: Connection, document_id: int, revision_id: int) -> None:
    """Make revision `revision_id` the one the search index holds for document `document_id`."""
    if connection.dialect.name != "sqlite":
        connection.execute(
            text(
                "INSERT INTO search_entries (document_id, revision_id, vector) "
                f"SELECT r.document_id, r.id, {_vector_sql('r')} FROM revisions r WHERE r.id = :revision "
                "ON CONFLICT (document_id) DO UPDATE SET revision_id = excluded.revision_id, vector = excluded.vector"
            ),
            {"revision": revision_id},
        )
        return
    indexed = connection.execute(
        text("SELECT revision_id FROM search_entries WHERE document_id = :document"), {"document": document_id}
    ).scalar_one_or_none()
    if indexed == revision_id:
        return
    if indexed is not None:
        # an external-content FTS5 table forgets a row only when given the exact values it indexed;
        # revisions never change, so the old revision's row still holds them
        connection.execute(
            text(
                f"INSERT INTO {FTS_TABLE} ({FTS_TABLE}, rowid, title, text) "
                "SELECT 'delete', id, title, text FROM revisions WHERE id = :old"
            ),
            {"old": indexed},
        )
    connection.execute(
        text(f"INSERT INTO {FTS_TABLE} (rowid, title, text) SELECT id, title, text FROM revisions WHERE id = :new"),
        {"new": revision_id},
    )
    connection.execute(
        text(
            "INSERT INTO search_entries (document_id, revision_id) VALUES (:document, :revision) "
            "ON CONFLICT (document_id) DO UPDATE SET revision_id = excluded.revision_id"
        ),
        {"document": document_id, "revision": revision_id},
    )


def index_document(connection: Connection, document_id: int) -> None:
    """Make the document's current revision the one the search index holds (for imports, which move it)."""
    current = connection.execute(
        text(
            "SELECT r.id FROM documents d JOIN revisions r ON r.document_id = d.id AND r.number = d.current_revision "
            "WHERE d.id = :document"
        ),
        {"document": document_id},
    ).scalar_one_or_none()
    if current is not None:
        index_revision(connection, document_id, current)


# documents in an id range whose current revision is not the indexed one
_STALE = (
    "d.current_revision > 0 AND d.id > :after AND d.id <= :last AND NOT EXISTS ("
    "SELECT 1 FROM search_entries e JOIN revisions c ON c.id = e.revision_id "
    "WHERE e.document_id = d.id AND c.number = d.current_revision)"
)
_CURRENT = "JOIN revisions r ON r.document_id = d.id AND r.number = d.current_revision"


def build_search_index(connection: Connection, progress: BuildProgress | None = None) -> int:
    """Index every document whose current revision the index lacks, in batches; return how many were indexed."""
    total = connection.execute(text("SELECT count(*) FROM documents")).scalar_one()
    done = indexed = 0
    after = 0
    while True:
        batch = connection.execute(
            text("SELECT count(*), max(id) FROM (SELECT id FROM documents WHERE id > :after ORDER BY id LIMIT :n) b"),
            {"after": after, "n": BUILD_BATCH_DOCUMENTS},
        ).one()
        if not batch[0]:
            break
        bounds = {"after": after, "last": batch[1]}
        indexed += _index_stale(connection, bounds)
        done, after = done + batch[0], batch[1]
        if progress is not None:
            progress(done, total)
    logger.info("search index: %d of %d documents indexed", indexed, total)
    return indexed


def _index_stale(connection: Connection, bounds: dict[str, int]) -> int:
    """Index the stale documents in one id range with three set-based statements; return how many."""
    if connection.dialect.name != "sqlite":
        result = connection.execute(
            text(
                "INSERT INTO search_entries (document_id, revision_id, vector) "
                f"SELECT d.id, r.id, {_vector_sql('r')} FROM documents d {_CURRENT} WHERE {_STALE} "
                "ON CONFLICT (document_id) DO UPDATE SET revision_id = excluded.revision_id, vector = excluded.vector"
            ),
            bounds,
        )
        return int(result.rowcount)
    connection.execute(
        text(
            f"INSERT INTO {FTS_TABLE} ({FTS_TABLE}, rowid, title, text) SELECT 'delete', o.id, o.title, o.text "
            f"FROM documents d JOIN search_entries e ON e.document_id = d.id JOIN revisions o ON o.id = e.revision_id "
            f"WHERE {_STALE}"
        ),
        bounds,
    )
    connection.execute(
        text(
            f"INSERT INTO {FTS_TABLE} (rowid, title, text) "
            f"SELECT r.id, r.title, r.text FROM documents d {_CURRENT} WHERE {_STALE}"
        ),
        bounds,
    )
    result = connection.execute(
        text(
            f"INSERT INTO search_entries (document_id, revision_id) SELECT d.id, r.id FROM documents d {_CURRENT} "
            f"WHERE {_STALE} ON CONFLICT (document_id) DO UPDATE SET revision_id = excluded.revision_id"
        ),
        bounds,
    )
    return int(result.rowcount)
