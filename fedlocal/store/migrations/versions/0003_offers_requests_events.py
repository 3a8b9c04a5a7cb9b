"""offers requests events

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-25
"""

import sqlalchemy as sa
from alembic import op

import fedlocal.store.types

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("outgoing_activities", schema=None) as batch_op:
        batch_op.add_column(sa.Column("extra_followers_of", sa.JSON(), nullable=True))
    op.create_table(
        "interests",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("post_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("actor_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("message_uri", sa.Text(), nullable=True),
        sa.Column("offer_uri", sa.Text(), nullable=True),
        sa.Column("created_at", fedlocal.store.types.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["actor_id"],
            ["actors.id"],
            name=op.f("fk_interests_actor_id_actors"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["post_id"],
            ["objects.id"],
            name=op.f("fk_interests_post_id_objects"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_interests")),
        sa.UniqueConstraint("post_id", "actor_id", name=op.f("uq_interests_post_id_actor_id")),
    )
    op.create_table(
        "notifications",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column(
            "recipient_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False
        ),
        sa.Column("type", sa.String(length=32), nullable=False),
        sa.Column("actor_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=True),
        sa.Column("post_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=True),
        sa.Column("created_at", fedlocal.store.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("read_at", fedlocal.store.types.UTCDateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["actor_id"],
            ["actors.id"],
            name=op.f("fk_notifications_actor_id_actors"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["post_id"],
            ["objects.id"],
            name=op.f("fk_notifications_post_id_objects"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["recipient_id"],
            ["actors.id"],
            name=op.f("fk_notifications_recipient_id_actors"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_notifications")),
    )
    with op.batch_alter_table("notifications", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_notifications_recipient_id_id"), ["recipient_id", "id"], unique=False
        )

    op.create_table(
        "participations",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("event_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("actor_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("state", sa.String(length=16), nullable=False),
        sa.Column("join_uri", sa.Text(), nullable=False),
        sa.Column("message", sa.Text(), nullable=True),
        sa.Column("created_at", fedlocal.store.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", fedlocal.store.types.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["actor_id"],
            ["actors.id"],
            name=op.f("fk_participations_actor_id_actors"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["event_id"],
            ["objects.id"],
            name=op.f("fk_participations_event_id_objects"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_participations")),
        sa.UniqueConstraint(
            "event_id", "actor_id", name=op.f("uq_participations_event_id_actor_id")
        ),
        sa.UniqueConstraint("join_uri", name=op.f("uq_participations_join_uri")),
    )
    with op.batch_alter_table("participations", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_participations_event_id_state"), ["event_id", "state"], unique=False
        )

    with op.batch_alter_table("objects", schema=None) as batch_op:
        batch_op.add_column(sa.Column("category", sa.String(length=64), nullable=True))
        batch_op.add_column(sa.Column("status", sa.String(length=16), nullable=True))
        batch_op.add_column(sa.Column("place_name", sa.Text(), nullable=True))
        batch_op.add_column(sa.Column("latitude", sa.Float(), nullable=True))
        batch_op.add_column(sa.Column("longitude", sa.Float(), nullable=True))
        batch_op.add_column(sa.Column("geo_cell", sa.BigInteger(), nullable=True))
        batch_op.add_column(sa.Column("address", sa.JSON(), nullable=True))
        batch_op.add_column(sa.Column("intent", sa.String(length=16), nullable=True))
        batch_op.add_column(sa.Column("closed_as", sa.String(length=16), nullable=True))
        batch_op.add_column(sa.Column("reserved_for_uri", sa.Text(), nullable=True))
        batch_op.add_column(
            sa.Column(
                "available_from", fedlocal.store.types.UTCDateTime(timezone=True), nullable=True
            )
        )
        batch_op.add_column(
            sa.Column(
                "available_until", fedlocal.store.types.UTCDateTime(timezone=True), nullable=True
            )
        )
        batch_op.add_column(
            sa.Column("expires_at", fedlocal.store.types.UTCDateTime(timezone=True), nullable=True)
        )
        batch_op.add_column(sa.Column("quantity", sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column("price", sa.Text(), nullable=True))
        batch_op.add_column(
            sa.Column("starts_at", fedlocal.store.types.UTCDateTime(timezone=True), nullable=True)
        )
        batch_op.add_column(
            sa.Column("ends_at", fedlocal.store.types.UTCDateTime(timezone=True), nullable=True)
        )
        batch_op.add_column(sa.Column("timezone", sa.String(length=64), nullable=True))
        batch_op.add_column(sa.Column("join_mode", sa.String(length=16), nullable=True))
        batch_op.add_column(sa.Column("capacity", sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column("participant_count", sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column("external_url", sa.Text(), nullable=True))
        batch_op.create_index(
            batch_op.f("ix_objects_category_id"), ["category", "id"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_objects_expires_at"), ["expires_at"], unique=False)
        batch_op.create_index(batch_op.f("ix_objects_geo_cell"), ["geo_cell"], unique=False)
        batch_op.create_index(
            batch_op.f("ix_objects_kind_status_id"), ["kind", "status", "id"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_objects_starts_at"), ["starts_at"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("outgoing_activities", schema=None) as batch_op:
        batch_op.drop_column("extra_followers_of")
    with op.batch_alter_table("objects", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_objects_starts_at"))
        batch_op.drop_index(batch_op.f("ix_objects_kind_status_id"))
        batch_op.drop_index(batch_op.f("ix_objects_geo_cell"))
        batch_op.drop_index(batch_op.f("ix_objects_expires_at"))
        batch_op.drop_index(batch_op.f("ix_objects_category_id"))
        batch_op.drop_column("external_url")
        batch_op.drop_column("participant_count")
        batch_op.drop_column("capacity")
        batch_op.drop_column("join_mode")
        batch_op.drop_column("timezone")
        batch_op.drop_column("ends_at")
        batch_op.drop_column("starts_at")
        batch_op.drop_column("price")
        batch_op.drop_column("quantity")
        batch_op.drop_column("expires_at")
        batch_op.drop_column("available_until")
        batch_op.drop_column("available_from")
        batch_op.drop_column("reserved_for_uri")
        batch_op.drop_column("closed_as")
        batch_op.drop_column("intent")
        batch_op.drop_column("address")
        batch_op.drop_column("geo_cell")
        batch_op.drop_column("longitude")
        batch_op.drop_column("latitude")
        batch_op.drop_column("place_name")
        batch_op.drop_column("status")
        batch_op.drop_column("category")

    with op.batch_alter_table("participations", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_participations_event_id_state"))

    op.drop_table("participations")
    with op.batch_alter_table("notifications", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_notifications_recipient_id_id"))

    op.drop_table("notifications")
    op.drop_table("interests")
