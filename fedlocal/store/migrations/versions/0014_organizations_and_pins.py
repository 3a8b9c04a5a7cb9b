"""Verified organisations (an actor's organisation type) and pinned posts

Revision ID: 0014
Revises: 0013
Create Date: 2026-12-02
"""

import sqlalchemy as sa
from alembic import op

import fedlocal.store.types

revision = "0014"
down_revision = "0013"
branch_labels = None
depends_on = None


def _id() -> sa.types.TypeEngine[int]:
    return sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def upgrade() -> None:
    with op.batch_alter_table("actors", schema=None) as batch_op:
        batch_op.add_column(sa.Column("organization_type", sa.String(length=32), nullable=True))
        batch_op.create_index(batch_op.f("ix_actors_organization_type"), ["organization_type"])
    op.create_table(
        "pins",
        sa.Column("id", _id(), nullable=False),
        sa.Column("actor_id", _id(), nullable=False),
        sa.Column("object_id", _id(), nullable=False),
        sa.Column("created_at", fedlocal.store.types.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["actor_id"], ["actors.id"], name=op.f("fk_pins_actor_id_actors"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["object_id"],
            ["objects.id"],
            name=op.f("fk_pins_object_id_objects"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_pins")),
        sa.UniqueConstraint("actor_id", "object_id", name=op.f("uq_pins_actor_id_object_id")),
    )
    with op.batch_alter_table("pins", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_pins_object_id"), ["object_id"])


def downgrade() -> None:
    with op.batch_alter_table("pins", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_pins_object_id"))
    op.drop_table("pins")
    with op.batch_alter_table("actors", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_actors_organization_type"))
        batch_op.drop_column("organization_type")
