"""Loans and gifts: the handover, the agreed return day and the return on a listing, and
the history of each listing's steps with a neighbour

Revision ID: 0008
Revises: 0006 (0007 is on another branch; the merge rechains this one after it)
Create Date: 2026-12-02
"""

import sqlalchemy as sa
from alembic import op

import fedlocal.store.types

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None


def _id() -> sa.types.TypeEngine[int]:
    return sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def _when() -> fedlocal.store.types.UTCDateTime:
    return fedlocal.store.types.UTCDateTime(timezone=True)


def upgrade() -> None:
    with op.batch_alter_table("objects", schema=None) as batch_op:
        batch_op.add_column(sa.Column("lent_at", _when(), nullable=True))
        batch_op.add_column(sa.Column("due_on", sa.Date(), nullable=True))
        batch_op.add_column(sa.Column("returned_at", _when(), nullable=True))
        # The maintenance worker looks for loans due tomorrow or past due.
        batch_op.create_index(batch_op.f("ix_objects_due_on"), ["due_on"])
    op.create_table(
        "listing_steps",
        sa.Column("id", _id(), nullable=False),
        sa.Column("post_id", _id(), nullable=False),
        sa.Column("actor_id", _id(), nullable=False),
        sa.Column("step", sa.String(length=16), nullable=False),
        sa.Column("at", _when(), nullable=False),
        sa.Column("due_on", sa.Date(), nullable=True),
        sa.ForeignKeyConstraint(
            ["actor_id"],
            ["actors.id"],
            name=op.f("fk_listing_steps_actor_id_actors"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["post_id"],
            ["objects.id"],
            name=op.f("fk_listing_steps_post_id_objects"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_listing_steps")),
    )
    with op.batch_alter_table("listing_steps", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_listing_steps_post_id_actor_id_at"), ["post_id", "actor_id", "at"]
        )


def downgrade() -> None:
    op.drop_table("listing_steps")
    with op.batch_alter_table("objects", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_objects_due_on"))
        batch_op.drop_column("returned_at")
        batch_op.drop_column("due_on")
        batch_op.drop_column("lent_at")
