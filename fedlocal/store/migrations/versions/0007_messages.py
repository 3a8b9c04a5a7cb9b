"""Messages: threads of direct posts between two people (one per pair and per listing),
each member's unread and hidden marks, and which post belongs to which thread

Revision ID: 0007
Revises: 0006
Create Date: 2027-01-20
"""

import sqlalchemy as sa
from alembic import op

import fedlocal.store.types

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None


def _id() -> sa.types.TypeEngine[int]:
    return sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def _when() -> fedlocal.store.types.UTCDateTime:
    return fedlocal.store.types.UTCDateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "threads",
        sa.Column("id", _id(), nullable=False),
        sa.Column("key", sa.String(length=64), nullable=False),
        sa.Column("listing_id", _id(), nullable=True),
        sa.Column("last_post_id", _id(), nullable=True),
        sa.Column("created_at", _when(), nullable=False),
        sa.Column("updated_at", _when(), nullable=False),
        sa.ForeignKeyConstraint(
            ["listing_id"],
            ["objects.id"],
            name=op.f("fk_threads_listing_id_objects"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["last_post_id"],
            ["objects.id"],
            name=op.f("fk_threads_last_post_id_objects"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_threads")),
        sa.UniqueConstraint("key", name=op.f("uq_threads_key")),
    )
    with op.batch_alter_table("threads", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_threads_listing_id"), ["listing_id"])

    op.create_table(
        "thread_members",
        sa.Column("thread_id", _id(), nullable=False),
        sa.Column("actor_id", _id(), nullable=False),
        sa.Column("other_id", _id(), nullable=False),
        sa.Column("unread", sa.Boolean(), nullable=False),
        sa.Column("hidden", sa.Boolean(), nullable=False),
        sa.ForeignKeyConstraint(
            ["thread_id"],
            ["threads.id"],
            name=op.f("fk_thread_members_thread_id_threads"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["actor_id"],
            ["actors.id"],
            name=op.f("fk_thread_members_actor_id_actors"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["other_id"],
            ["actors.id"],
            name=op.f("fk_thread_members_other_id_actors"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("thread_id", "actor_id", name=op.f("pk_thread_members")),
    )
    with op.batch_alter_table("thread_members", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_thread_members_actor_id_unread"), ["actor_id", "unread"]
        )

    op.create_table(
        "thread_messages",
        sa.Column("id", _id(), nullable=False),
        sa.Column("thread_id", _id(), nullable=False),
        sa.Column("post_id", _id(), nullable=False),
        sa.ForeignKeyConstraint(
            ["thread_id"],
            ["threads.id"],
            name=op.f("fk_thread_messages_thread_id_threads"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["post_id"],
            ["objects.id"],
            name=op.f("fk_thread_messages_post_id_objects"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_thread_messages")),
        sa.UniqueConstraint(
            "thread_id", "post_id", name=op.f("uq_thread_messages_thread_id_post_id")
        ),
    )
    with op.batch_alter_table("thread_messages", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_thread_messages_post_id"), ["post_id"])


def downgrade() -> None:
    op.drop_table("thread_messages")
    op.drop_table("thread_members")
    op.drop_table("threads")
