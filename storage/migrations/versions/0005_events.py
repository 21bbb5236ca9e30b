"""events: the events each revision of a story announces, found for the archive's current revisions

Revision ID: 0004
Revises: 0003
Create Date: 2026-12-02 10:00:00

The table holds one row per event per revision (storage.events). Stories
recorded before this migration get the events of their current revision, so
the calendar is complete right after `warta db upgrade`.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from warta.storage.events import backfill_events

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None

BigId = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def upgrade() -> None:
    op.create_table(
        "events",
        sa.Column("id", BigId, nullable=False),
        sa.Column("document_id", BigId, nullable=False),
        sa.Column("revision_id", BigId, nullable=False),
        sa.Column("revision_number", sa.Integer(), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("name", sa.Text(), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("starts_on", sa.Date(), nullable=False),
        sa.Column("ends_on", sa.Date(), nullable=False),
        sa.Column("start_time", sa.String(length=5), nullable=True),
        sa.Column("end_time", sa.String(length=5), nullable=True),
        sa.Column("zone", sa.String(length=64), nullable=False),
        sa.Column("venue", sa.Text(), nullable=False),
        sa.Column("is_cancelled", sa.Boolean(), nullable=False),
        sa.Column("sequence", sa.Integer(), nullable=False),
        sa.Column("changed_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["document_id"], ["documents.id"], name=op.f("fk_events_document_id_documents")),
        sa.ForeignKeyConstraint(["revision_id"], ["revisions.id"], name=op.f("fk_events_revision_id_revisions")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_events")),
        sa.UniqueConstraint("revision_id", "position", name=op.f("uq_events_revision_id")),
    )
    op.create_index("ix_events_document_revision", "events", ["document_id", "revision_number"], unique=False)
    op.create_index(op.f("ix_events_starts_on"), "events", ["starts_on"], unique=False)
    op.create_index(op.f("ix_events_ends_on"), "events", ["ends_on"], unique=False)
    backfill_events(op.get_bind())


def downgrade() -> None:
    op.drop_index(op.f("ix_events_ends_on"), table_name="events")
    op.drop_index(op.f("ix_events_starts_on"), table_name="events")
    op.drop_index("ix_events_document_revision", table_name="events")
    op.drop_table("events")
