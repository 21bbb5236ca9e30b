"""revision times: `fetched_at` is the HTTP exchange's time; the recording time moves to `recorded_at`

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-04 16:00:00

Until now a revision's fetched_at was when it was recorded, up to seconds after
the exchange its capture holds (the WARC-Date). The recording time is kept, as
recorded_at; a revision made from a capture takes the capture's time as its
fetched_at, so the JSONL and the WARC name the same moment.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("revisions", sa.Column("recorded_at", sa.DateTime(timezone=True), nullable=True))
    revisions = sa.table(
        "revisions",
        sa.column("fetched_at", sa.DateTime(timezone=True)),
        sa.column("recorded_at", sa.DateTime(timezone=True)),
        sa.column("capture_id", sa.Integer()),
    )
    captures = sa.table("captures", sa.column("id", sa.Integer()), sa.column("fetched_at", sa.DateTime(timezone=True)))
    op.execute(revisions.update().values(recorded_at=revisions.c.fetched_at))
    exchange_time = sa.select(captures.c.fetched_at).where(captures.c.id == revisions.c.capture_id).scalar_subquery()
    op.execute(revisions.update().where(revisions.c.capture_id.is_not(None)).values(fetched_at=exchange_time))


def downgrade() -> None:
    op.drop_column("revisions", "recorded_at")
