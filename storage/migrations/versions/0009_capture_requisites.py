"""capture requisites: the images, stylesheets and fonts each page capture uses, themselves captures

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-04 16:00:00

Filled by crawls with [crawler] capture_requisites (storage.requisites); exports
take a selected page's requisites along with it. Existing captures have none.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None

BigId = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def upgrade() -> None:
    op.create_table(
        "capture_requisites",
        sa.Column("capture_id", BigId, autoincrement=False, nullable=False),
        sa.Column("requisite_id", BigId, autoincrement=False, nullable=False),
        sa.ForeignKeyConstraint(
            ["capture_id"], ["captures.id"], name=op.f("fk_capture_requisites_capture_id_captures")
        ),
        sa.ForeignKeyConstraint(
            ["requisite_id"], ["captures.id"], name=op.f("fk_capture_requisites_requisite_id_captures")
        ),
        sa.PrimaryKeyConstraint("capture_id", "requisite_id", name=op.f("pk_capture_requisites")),
    )
    op.create_index(op.f("ix_capture_requisites_requisite_id"), "capture_requisites", ["requisite_id"], unique=False)


def downgrade() -> None:
    op.drop_index(op.f("ix_capture_requisites_requisite_id"), table_name="capture_requisites")
    op.drop_table("capture_requisites")
