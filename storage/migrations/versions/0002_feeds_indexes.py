"""feeds: indexes for the newest documents of a source and of a topic

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-26 14:00:00
"""

from __future__ import annotations

from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # Building a feed reads its newest max_entries documents; these indexes keep that
    # an ordered range scan whose cost does not grow with the archive.
    with op.batch_alter_table("documents", schema=None) as batch_op:
        batch_op.create_index("ix_documents_source_updated", ["source_id", "updated_at"], unique=False)
    with op.batch_alter_table("topic_memberships", schema=None) as batch_op:
        batch_op.create_index("ix_topic_memberships_topic_matched", ["topic_id", "matched_at"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("topic_memberships", schema=None) as batch_op:
        batch_op.drop_index("ix_topic_memberships_topic_matched")
    with op.batch_alter_table("documents", schema=None) as batch_op:
        batch_op.drop_index("ix_documents_source_updated")
