"""index inbox_queue.activity_uri for the inbox's duplicate check

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-25
"""

from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("inbox_queue", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_inbox_queue_activity_uri"), ["activity_uri"], unique=False
        )


def downgrade() -> None:
    with op.batch_alter_table("inbox_queue", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_inbox_queue_activity_uri"))
