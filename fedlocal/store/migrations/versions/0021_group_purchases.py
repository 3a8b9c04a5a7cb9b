"""Group purchases (achats groupés) and neighbours' commitments to them

Revision ID: 0021
Revises: 0020
Create Date: 2026-12-02
"""

import sqlalchemy as sa
from alembic import op

import fedlocal.store.types

revision = "0021"
down_revision = "0020"
branch_labels = None
depends_on = None


def _id() -> sa.types.TypeEngine[int]:
    return sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def _when() -> fedlocal.store.types.UTCDateTime:
    return fedlocal.store.types.UTCDateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "group_purchases",
        sa.Column("post_id", _id(), nullable=False),
        sa.Column("unit", sa.String(length=16), nullable=False),
        sa.Column("whole", sa.Boolean(), nullable=False),
        sa.Column("unit_price_cents", sa.Integer(), nullable=False),
        sa.Column("currency", sa.String(length=3), nullable=False),
        sa.Column("minimum_milli", sa.BigInteger(), nullable=False),
        sa.Column("maximum_milli", sa.BigInteger(), nullable=True),
        sa.Column("deadline", _when(), nullable=False),
        sa.Column("pickup_at", _when(), nullable=False),
        sa.Column("pickup_place", sa.Text(), nullable=False),
        sa.Column("state", sa.String(length=16), nullable=False),
        sa.Column("decided_at", _when(), nullable=True),
        sa.ForeignKeyConstraint(
            ["post_id"],
            ["objects.id"],
            name=op.f("fk_group_purchases_post_id_objects"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("post_id", name=op.f("pk_group_purchases")),
    )
    op.create_index(
        op.f("ix_group_purchases_state_deadline"), "group_purchases", ["state", "deadline"]
    )
    op.create_table(
        "group_purchase_commitments",
        sa.Column("id", _id(), autoincrement=True, nullable=False),
        sa.Column("purchase_id", _id(), nullable=False),
        sa.Column("actor_id", _id(), nullable=False),
        sa.Column("quantity_milli", sa.BigInteger(), nullable=False),
        sa.Column("activity_uri", sa.Text(), nullable=True),
        sa.Column("created_at", _when(), nullable=False),
        sa.Column("updated_at", _when(), nullable=False),
        sa.ForeignKeyConstraint(
            ["purchase_id"],
            ["group_purchases.post_id"],
            name=op.f("fk_group_purchase_commitments_purchase_id_group_purchases"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["actor_id"],
            ["actors.id"],
            name=op.f("fk_group_purchase_commitments_actor_id_actors"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_group_purchase_commitments")),
        sa.UniqueConstraint(
            "purchase_id",
            "actor_id",
            name=op.f("uq_group_purchase_commitments_purchase_id_actor_id"),
        ),
    )


def downgrade() -> None:
    op.drop_table("group_purchase_commitments")
    op.drop_index(op.f("ix_group_purchases_state_deadline"), table_name="group_purchases")
    op.drop_table("group_purchases")
