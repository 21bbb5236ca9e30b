"""drop simhash: the SimHash of documents and revisions, and its four band indexes, which nothing reads

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-04 18:30:00

Near-duplicates are found through the MinHash keys of document_bands (migration
0007, storage.dedup); the SimHash that found them before was still computed for
every page and written to documents (with four indexed 16-bit bands) and to
revisions, but no query read it (issue 23). Downgrading adds the columns back
empty: the SimHash code is gone, so their values cannot be recomputed, and
revisions.simhash, NOT NULL before, comes back nullable because existing rows
have no value for it.

The columns are dropped in place (ALTER TABLE ... DROP COLUMN, SQLite 3.35 or
later, which warta needs already for RETURNING): batch mode's usual copy of the
table would drop `documents` and `revisions` while other tables' foreign keys
point at their rows, which SQLite refuses with foreign keys on.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0011"
down_revision = "0010"
branch_labels = None
depends_on = None

BANDS = 4


def upgrade() -> None:
    with op.batch_alter_table("documents", schema=None, recreate="never") as batch_op:
        for band in range(BANDS):
            batch_op.drop_index(batch_op.f(f"ix_documents_simhash_band{band}"))
            batch_op.drop_column(f"simhash_band{band}")
        batch_op.drop_column("simhash")
    with op.batch_alter_table("revisions", schema=None, recreate="never") as batch_op:
        batch_op.drop_column("simhash")


def downgrade() -> None:
    with op.batch_alter_table("revisions", schema=None) as batch_op:
        batch_op.add_column(sa.Column("simhash", sa.BigInteger(), nullable=True))
    with op.batch_alter_table("documents", schema=None) as batch_op:
        batch_op.add_column(sa.Column("simhash", sa.BigInteger(), nullable=True))
        for band in range(BANDS):
            batch_op.add_column(sa.Column(f"simhash_band{band}", sa.Integer(), nullable=True))
            batch_op.create_index(batch_op.f(f"ix_documents_simhash_band{band}"), [f"simhash_band{band}"], unique=False)
