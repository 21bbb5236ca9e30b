"""search: the full-text index of every document's current revision, built for an existing archive

Revision ID: 0003
Revises: 0002
Create Date: 2026-12-01 10:00:00

SQLite gets the FTS5 table search_fts; PostgreSQL gets the unaccent extension
(created when missing, which needs the right to create extensions), three text
search configurations and a tsvector column with a GIN index. The index is then
built for every stored document, reporting progress to the callback that
storage.migrate passes in (`warta db upgrade` draws it as a bar).
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from sqlalchemy.exc import DBAPIError

from warta.storage.errors import StorageError, failure_reason
from warta.storage.search_index import build_search_index

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None

# (our configuration, the built-in one it copies, the stemming dictionary that follows unaccent)
CONFIGURATIONS = (
    ("warta_indonesian", "indonesian", "indonesian_stem"),
    ("warta_english", "english", "english_stem"),
    ("warta_simple", "simple", "simple"),
)


def upgrade() -> None:
    op.create_table(
        "search_entries",
        sa.Column("document_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("revision_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.ForeignKeyConstraint(
            ["document_id"], ["documents.id"], name=op.f("fk_search_entries_document_id_documents")
        ),
        sa.ForeignKeyConstraint(
            ["revision_id"], ["revisions.id"], name=op.f("fk_search_entries_revision_id_revisions")
        ),
        sa.PrimaryKeyConstraint("document_id", name=op.f("pk_search_entries")),
    )
    connection = op.get_bind()
    if connection.dialect.name == "sqlite":
        op.execute(
            "CREATE VIRTUAL TABLE search_fts USING fts5(title, text, content='revisions', content_rowid='id', "
            "tokenize='porter unicode61 remove_diacritics 2')"
        )
    else:
        _create_configurations(_unaccent_schema(connection))
        op.execute("ALTER TABLE search_entries ADD COLUMN vector tsvector NOT NULL")
        op.execute("CREATE INDEX ix_search_entries_vector ON search_entries USING gin (vector)")
    config = op.get_context().config
    build_search_index(connection, config.attributes.get("progress") if config is not None else None)


def _unaccent_schema(connection: sa.Connection) -> str:
    """Return the schema of the unaccent extension, creating the extension when it is missing."""
    # one migration at a time decides whether to create it (several schemas may share a database)
    connection.execute(sa.text("SELECT pg_advisory_xact_lock(hashtext('warta: CREATE EXTENSION unaccent'))"))
    schema = _extension_schema(connection)
    if schema is not None:
        return schema
    # in public when there is one, so that dropping an application schema never drops the extension
    has_public = connection.execute(sa.text("SELECT 1 FROM pg_namespace WHERE nspname = 'public'")).first()
    target = "public" if has_public else connection.execute(sa.text("SELECT current_schema()")).scalar_one()
    try:
        with connection.begin_nested():
            connection.execute(sa.text(f'CREATE EXTENSION IF NOT EXISTS unaccent SCHEMA "{target}"'))
    except DBAPIError as exc:
        database = connection.execute(sa.text("SELECT current_database()")).scalar_one()
        raise StorageError(
            f"search needs PostgreSQL's unaccent extension, and this database user may not create it "
            f"({failure_reason(exc)}); ask an administrator to run "
            f'`CREATE EXTENSION unaccent;` in the database "{database}" (package postgresql-contrib), '
            "then run `warta db upgrade` again"
        ) from exc
    schema = _extension_schema(connection)
    assert schema is not None, "CREATE EXTENSION unaccent left no extension"
    return schema


def _extension_schema(connection: sa.Connection) -> str | None:
    return connection.execute(
        sa.text(
            "SELECT n.nspname FROM pg_extension e JOIN pg_namespace n ON n.oid = e.extnamespace "
            "WHERE e.extname = 'unaccent'"
        )
    ).scalar_one_or_none()


def _create_configurations(unaccent_schema: str) -> None:
    """Create warta's text search configurations: the built-in ones with accents folded before stemming."""
    for name, builtin, stemmer in CONFIGURATIONS:
        op.execute(f"CREATE TEXT SEARCH CONFIGURATION {name} (COPY = pg_catalog.{builtin})")
        # words with a letter outside ASCII; ASCII words carry no accent to fold
        op.execute(
            f"ALTER TEXT SEARCH CONFIGURATION {name} ALTER MAPPING FOR hword, hword_part, word "
            f'WITH "{unaccent_schema}".unaccent, pg_catalog.{stemmer}'
        )


def downgrade() -> None:
    connection = op.get_bind()
    if connection.dialect.name == "sqlite":
        op.execute("DROP TABLE search_fts")
    op.drop_table("search_entries")
    if connection.dialect.name != "sqlite":
        for name, _, _ in CONFIGURATIONS:
            op.execute(f"DROP TEXT SEARCH CONFIGURATION {name}")
