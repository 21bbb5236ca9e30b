"""document bands: the LSH keys of near-duplicate detection, one row per key of a document's current revision

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-04 15:30:00

Near-duplicates were found through four 16-bit bands of a SimHash and at most
the newest 32 colliding documents were compared; storage.dedup replaces that
with MinHash LSH keys and an exact check of shingles (storage.clusters). The
keys of the documents recorded before this migration are filled in here, so
every one of them can be found as an original. Their clusters stay as they
were; `warta clusters rebuild` reclusters the archive with the new method.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from warta.storage.clusters import backfill_band_keys

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None

BigId = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def upgrade() -> None:
    op.create_table(
        "document_bands",
        sa.Column("document_id", BigId, nullable=False),
        sa.Column("band", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("key", sa.BigInteger(), autoincrement=False, nullable=False),
        sa.ForeignKeyConstraint(
            ["document_id"], ["documents.id"], name=op.f("fk_document_bands_document_id_documents")
        ),
        sa.PrimaryKeyConstraint("document_id", "band", "key", name=op.f("pk_document_bands")),
    )
    op.create_index("ix_document_bands_band_key", "document_bands", ["band", "key"], unique=False)
    backfill_band_keys(op.get_bind())


def downgrade() -> None:
    op.drop_index("ix_document_bands_band_key", table_name="document_bands")
    op.drop_table("document_bands")
