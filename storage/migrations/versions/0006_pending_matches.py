"""pending matches: the queue of revisions awaiting topic matching; the next feed build rematches the archive

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-15 10:00:00

Revisions are queued as they are recorded and matched once by the feed build
(storage.pending_matches). Until now the build matched what came after a stored
mark of revision ids, re-reading some before it; which revisions before the
mark were matched cannot be told. So the queue starts empty and the mark and
the topics' fingerprint are forgotten: the first build after the upgrade
matches the whole archive, once, and from then on every new revision is queued.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None

BigId = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
# storage.memberships.FINGERPRINT_KEY, and the mark this migration retires
FORGOTTEN_STATE = ("topics.fingerprint", "topics.matched_through_revision")


def upgrade() -> None:
    op.create_table(
        "pending_matches",
        sa.Column("revision_id", BigId, autoincrement=False, nullable=False),
        sa.ForeignKeyConstraint(
            ["revision_id"], ["revisions.id"], name=op.f("fk_pending_matches_revision_id_revisions")
        ),
        sa.PrimaryKeyConstraint("revision_id", name=op.f("pk_pending_matches")),
    )
    state = sa.table("state", sa.column("key", sa.String()))
    op.execute(state.delete().where(state.c.key.in_(FORGOTTEN_STATE)))


def downgrade() -> None:
    op.drop_table("pending_matches")
