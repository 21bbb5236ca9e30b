"""fixity: the runs of scheduled fixity checks, and alerts raised by a check instead of a source

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-20 10:00:00

A [[fixity]] check's runs are kept in fixity_checks, so the daemon plans the
next one from the last and alerts when the result changes. An alert now names
either a source (its health changed) or a check (alerts.check_id), so
alerts.source_id may be null. Downgrading deletes the checks' alerts.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0010"
down_revision = "0009"
branch_labels = None
depends_on = None

BigId = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def upgrade() -> None:
    op.create_table(
        "fixity_checks",
        sa.Column("id", BigId, nullable=False),
        sa.Column("check_id", sa.String(length=64), nullable=False),
        sa.Column("started_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("finished_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("checked", sa.JSON(), nullable=False),
        sa.Column("problems", sa.Integer(), nullable=False),
        sa.Column("details", sa.Text(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_fixity_checks")),
    )
    with op.batch_alter_table("fixity_checks", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_fixity_checks_check_id"), ["check_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_fixity_checks_started_at"), ["started_at"], unique=False)
    with op.batch_alter_table("alerts", schema=None) as batch_op:
        batch_op.alter_column("source_id", existing_type=sa.String(length=64), nullable=True)
        batch_op.add_column(sa.Column("check_id", sa.String(length=64), nullable=True))


def downgrade() -> None:
    alerts = sa.table("alerts", sa.column("source_id", sa.String()))
    op.execute(alerts.delete().where(alerts.c.source_id.is_(None)))
    with op.batch_alter_table("alerts", schema=None) as batch_op:
        batch_op.drop_column("check_id")
        batch_op.alter_column("source_id", existing_type=sa.String(length=64), nullable=False)
    with op.batch_alter_table("fixity_checks", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_fixity_checks_started_at"))
        batch_op.drop_index(batch_op.f("ix_fixity_checks_check_id"))
    op.drop_table("fixity_checks")
