"""controls: crawl requests, pauses and silences from the command line; silenced alerts

Revision ID: 0004
Revises: 0003
Create Date: 2026-12-08 10:00:00

`warta crawl-now`, `pause`, `resume` and `silence` write one row per source in
source_controls; the leading daemon reads it at each tick. Alerts raised while
a source is silenced are kept with silenced = true.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "source_controls",
        sa.Column("source_id", sa.String(length=64), nullable=False),
        sa.Column("crawl_requested_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("crawl_requested_by", sa.String(length=255), nullable=False),
        sa.Column("paused_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("paused_until", sa.DateTime(timezone=True), nullable=True),
        sa.Column("paused_by", sa.String(length=255), nullable=False),
        sa.Column("silenced_until", sa.DateTime(timezone=True), nullable=True),
        sa.Column("silenced_by", sa.String(length=255), nullable=False),
        sa.ForeignKeyConstraint(["source_id"], ["sources.id"], name=op.f("fk_source_controls_source_id_sources")),
        sa.PrimaryKeyConstraint("source_id", name=op.f("pk_source_controls")),
    )
    with op.batch_alter_table("alerts", schema=None) as batch_op:
        batch_op.add_column(sa.Column("silenced", sa.Boolean(), nullable=False, server_default=sa.false()))


def downgrade() -> None:
    with op.batch_alter_table("alerts", schema=None) as batch_op:
        batch_op.drop_column("silenced")
    op.drop_table("source_controls")
