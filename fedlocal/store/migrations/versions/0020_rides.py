"""Rides (carpooling): the seats passengers book on them

Revision ID: 0020
Revises: 0019
Create Date: 2026-12-02
"""

import sqlalchemy as sa
from alembic import op

import fedlocal.store.types

revision = "0020"
down_revision = "0019"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "ride_bookings",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("ride_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("actor_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("departs_on", sa.Date(), nullable=False),
        sa.Column("seats", sa.Integer(), nullable=False),
        sa.Column("state", sa.String(length=16), nullable=False),
        sa.Column("offer_uri", sa.Text(), nullable=True),
        sa.Column("created_at", fedlocal.store.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", fedlocal.store.types.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["actor_id"],
            ["actors.id"],
            name=op.f("fk_ride_bookings_actor_id_actors"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["ride_id"],
            ["objects.id"],
            name=op.f("fk_ride_bookings_ride_id_objects"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_ride_bookings")),
        sa.UniqueConstraint("offer_uri", name=op.f("uq_ride_bookings_offer_uri")),
        sa.UniqueConstraint(
            "ride_id",
            "actor_id",
            "departs_on",
            name=op.f("uq_ride_bookings_ride_id_actor_id_departs_on"),
        ),
    )
    op.create_index(
        op.f("ix_ride_bookings_ride_id_departs_on_state"),
        "ride_bookings",
        ["ride_id", "departs_on", "state"],
    )
    op.create_index(op.f("ix_ride_bookings_actor_id_state"), "ride_bookings", ["actor_id", "state"])


def downgrade() -> None:
    op.drop_index(op.f("ix_ride_bookings_actor_id_state"), table_name="ride_bookings")
    op.drop_index(op.f("ix_ride_bookings_ride_id_departs_on_state"), table_name="ride_bookings")
    op.drop_table("ride_bookings")
