"""initial schema

Revision ID: 0001
Revises:
Create Date: 2026-11-25
"""

import sqlalchemy as sa
from alembic import op

import fedlocal.store.types

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "actors",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("uri", sa.Text(), nullable=False),
        sa.Column("type", sa.String(length=32), nullable=False),
        sa.Column("role", sa.String(length=16), nullable=False),
        sa.Column("username", sa.String(length=255), nullable=False),
        sa.Column("domain", sa.String(length=255), nullable=False),
        sa.Column("local_username", sa.String(length=255), nullable=True),
        sa.Column("display_name", sa.Text(), nullable=False),
        sa.Column("summary", sa.Text(), nullable=False),
        sa.Column("inbox_url", sa.Text(), nullable=True),
        sa.Column("shared_inbox_url", sa.Text(), nullable=True),
        sa.Column("outbox_url", sa.Text(), nullable=True),
        sa.Column("followers_url", sa.Text(), nullable=True),
        sa.Column("following_url", sa.Text(), nullable=True),
        sa.Column("url", sa.Text(), nullable=True),
        sa.Column("manually_approves_followers", sa.Boolean(), nullable=False),
        sa.Column("data", sa.JSON(), nullable=True),
        sa.Column("fetched_at", fedlocal.store.types.UTCDateTime(timezone=True), nullable=True),
        sa.Column("created_at", fedlocal.store.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", fedlocal.store.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("gone_at", fedlocal.store.types.UTCDateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_actors")),
        sa.UniqueConstraint("local_username", name=op.f("uq_actors_local_username")),
        sa.UniqueConstraint("uri", name=op.f("uq_actors_uri")),
    )
    with op.batch_alter_table("actors", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_actors_domain_username"), ["domain", "username"], unique=False
        )

    op.create_table(
        "inbox_queue",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("received_at", fedlocal.store.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("body", sa.LargeBinary(), nullable=False),
        sa.Column("activity_uri", sa.Text(), nullable=True),
        sa.Column("actor_uri", sa.Text(), nullable=True),
        sa.Column("key_id", sa.Text(), nullable=True),
        sa.Column("state", sa.String(length=16), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column(
            "next_attempt_at", fedlocal.store.types.UTCDateTime(timezone=True), nullable=False
        ),
        sa.Column("locked_until", fedlocal.store.types.UTCDateTime(timezone=True), nullable=True),
        sa.Column("last_error", sa.Text(), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_inbox_queue")),
    )
    with op.batch_alter_table("inbox_queue", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_inbox_queue_state_next_attempt_at"),
            ["state", "next_attempt_at"],
            unique=False,
        )

    op.create_table(
        "received_activities",
        sa.Column("uri", sa.Text(), nullable=False),
        sa.Column("received_at", fedlocal.store.types.UTCDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("uri", name=op.f("pk_received_activities")),
    )
    with op.batch_alter_table("received_activities", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_received_activities_received_at"), ["received_at"], unique=False
        )

    op.create_table(
        "remote_domains",
        sa.Column("domain", sa.String(length=255), nullable=False),
        sa.Column("consecutive_failures", sa.Integer(), nullable=False),
        sa.Column("circuit_state", sa.String(length=16), nullable=False),
        sa.Column("open_until", fedlocal.store.types.UTCDateTime(timezone=True), nullable=True),
        sa.Column(
            "last_failure_at", fedlocal.store.types.UTCDateTime(timezone=True), nullable=True
        ),
        sa.Column(
            "last_success_at", fedlocal.store.types.UTCDateTime(timezone=True), nullable=True
        ),
        sa.Column("last_error", sa.Text(), nullable=True),
        sa.PrimaryKeyConstraint("domain", name=op.f("pk_remote_domains")),
    )
    op.create_table(
        "accounts",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("actor_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("username", sa.String(length=64), nullable=False),
        sa.Column("email", sa.String(length=320), nullable=True),
        sa.Column("password_hash", sa.Text(), nullable=False),
        sa.Column("is_admin", sa.Boolean(), nullable=False),
        sa.Column("is_approved", sa.Boolean(), nullable=False),
        sa.Column("is_disabled", sa.Boolean(), nullable=False),
        sa.Column("locale", sa.String(length=16), nullable=True),
        sa.Column("created_at", fedlocal.store.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("last_login_at", fedlocal.store.types.UTCDateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["actor_id"],
            ["actors.id"],
            name=op.f("fk_accounts_actor_id_actors"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_accounts")),
        sa.UniqueConstraint("actor_id", name=op.f("uq_accounts_actor_id")),
        sa.UniqueConstraint("email", name=op.f("uq_accounts_email")),
        sa.UniqueConstraint("username", name=op.f("uq_accounts_username")),
    )
    op.create_table(
        "actor_keys",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("actor_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("key_id", sa.Text(), nullable=False),
        sa.Column("algorithm", sa.String(length=16), nullable=False),
        sa.Column("public_pem", sa.Text(), nullable=False),
        sa.Column("private_pem", sa.Text(), nullable=True),
        sa.Column("created_at", fedlocal.store.types.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["actor_id"],
            ["actors.id"],
            name=op.f("fk_actor_keys_actor_id_actors"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_actor_keys")),
        sa.UniqueConstraint("key_id", name=op.f("uq_actor_keys_key_id")),
    )
    with op.batch_alter_table("actor_keys", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_actor_keys_actor_id"), ["actor_id"], unique=False)

    op.create_table(
        "follows",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column(
            "follower_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False
        ),
        sa.Column(
            "followed_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False
        ),
        sa.Column("uri", sa.Text(), nullable=False),
        sa.Column("state", sa.String(length=16), nullable=False),
        sa.Column("created_at", fedlocal.store.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", fedlocal.store.types.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["followed_id"],
            ["actors.id"],
            name=op.f("fk_follows_followed_id_actors"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["follower_id"],
            ["actors.id"],
            name=op.f("fk_follows_follower_id_actors"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_follows")),
        sa.UniqueConstraint(
            "follower_id", "followed_id", name=op.f("uq_follows_follower_id_followed_id")
        ),
        sa.UniqueConstraint("uri", name=op.f("uq_follows_uri")),
    )
    with op.batch_alter_table("follows", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_follows_followed_id_state"), ["followed_id", "state"], unique=False
        )

    op.create_table(
        "objects",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("uri", sa.Text(), nullable=False),
        sa.Column("type", sa.String(length=32), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("actor_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("is_local", sa.Boolean(), nullable=False),
        sa.Column("visibility", sa.String(length=16), nullable=False),
        sa.Column("in_reply_to_uri", sa.Text(), nullable=True),
        sa.Column("name", sa.Text(), nullable=True),
        sa.Column("summary", sa.Text(), nullable=True),
        sa.Column("content", sa.Text(), nullable=False),
        sa.Column("source", sa.Text(), nullable=True),
        sa.Column("sensitive", sa.Boolean(), nullable=False),
        sa.Column("language", sa.String(length=16), nullable=True),
        sa.Column("url", sa.Text(), nullable=True),
        sa.Column("published", fedlocal.store.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("edited_at", fedlocal.store.types.UTCDateTime(timezone=True), nullable=True),
        sa.Column("deleted_at", fedlocal.store.types.UTCDateTime(timezone=True), nullable=True),
        sa.Column("data", sa.JSON(), nullable=True),
        sa.Column("created_at", fedlocal.store.types.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["actor_id"], ["actors.id"], name=op.f("fk_objects_actor_id_actors"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_objects")),
        sa.UniqueConstraint("uri", name=op.f("uq_objects_uri")),
    )
    with op.batch_alter_table("objects", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_objects_actor_id_id"), ["actor_id", "id"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_objects_in_reply_to_uri"), ["in_reply_to_uri"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_objects_is_local_visibility_id"),
            ["is_local", "visibility", "id"],
            unique=False,
        )

    op.create_table(
        "outgoing_activities",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("uri", sa.Text(), nullable=False),
        sa.Column("actor_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column(
            "followers_of", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=True
        ),
        sa.Column("inboxes", sa.JSON(), nullable=False),
        sa.Column("fanout_state", sa.String(length=16), nullable=False),
        sa.Column("fanout_cursor", sa.Text(), nullable=True),
        sa.Column("created_at", fedlocal.store.types.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["actor_id"],
            ["actors.id"],
            name=op.f("fk_outgoing_activities_actor_id_actors"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["followers_of"],
            ["actors.id"],
            name=op.f("fk_outgoing_activities_followers_of_actors"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_outgoing_activities")),
        sa.UniqueConstraint("uri", name=op.f("uq_outgoing_activities_uri")),
    )
    with op.batch_alter_table("outgoing_activities", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_outgoing_activities_fanout_state_id"),
            ["fanout_state", "id"],
            unique=False,
        )

    op.create_table(
        "announces",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("uri", sa.Text(), nullable=False),
        sa.Column("actor_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("object_uri", sa.Text(), nullable=False),
        sa.Column("object_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=True),
        sa.Column("published", fedlocal.store.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("created_at", fedlocal.store.types.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["actor_id"],
            ["actors.id"],
            name=op.f("fk_announces_actor_id_actors"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["object_id"],
            ["objects.id"],
            name=op.f("fk_announces_object_id_objects"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_announces")),
        sa.UniqueConstraint(
            "actor_id", "object_uri", name=op.f("uq_announces_actor_id_object_uri")
        ),
        sa.UniqueConstraint("uri", name=op.f("uq_announces_uri")),
    )
    with op.batch_alter_table("announces", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_announces_object_id"), ["object_id"], unique=False)

    op.create_table(
        "deliveries",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column(
            "activity_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False
        ),
        sa.Column("inbox_url", sa.Text(), nullable=False),
        sa.Column("domain", sa.String(length=255), nullable=False),
        sa.Column("state", sa.String(length=16), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column(
            "next_attempt_at", fedlocal.store.types.UTCDateTime(timezone=True), nullable=False
        ),
        sa.Column("locked_until", fedlocal.store.types.UTCDateTime(timezone=True), nullable=True),
        sa.Column("last_status", sa.Integer(), nullable=True),
        sa.Column("last_error", sa.Text(), nullable=True),
        sa.Column("created_at", fedlocal.store.types.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["activity_id"],
            ["outgoing_activities.id"],
            name=op.f("fk_deliveries_activity_id_outgoing_activities"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_deliveries")),
        sa.UniqueConstraint(
            "activity_id", "inbox_url", name=op.f("uq_deliveries_activity_id_inbox_url")
        ),
    )
    with op.batch_alter_table("deliveries", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_deliveries_domain"), ["domain"], unique=False)
        batch_op.create_index(
            batch_op.f("ix_deliveries_state_next_attempt_at"),
            ["state", "next_attempt_at"],
            unique=False,
        )


def downgrade() -> None:
    with op.batch_alter_table("deliveries", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_deliveries_state_next_attempt_at"))
        batch_op.drop_index(batch_op.f("ix_deliveries_domain"))

    op.drop_table("deliveries")
    with op.batch_alter_table("announces", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_announces_object_id"))

    op.drop_table("announces")
    with op.batch_alter_table("outgoing_activities", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_outgoing_activities_fanout_state_id"))

    op.drop_table("outgoing_activities")
    with op.batch_alter_table("objects", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_objects_is_local_visibility_id"))
        batch_op.drop_index(batch_op.f("ix_objects_in_reply_to_uri"))
        batch_op.drop_index(batch_op.f("ix_objects_actor_id_id"))

    op.drop_table("objects")
    with op.batch_alter_table("follows", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_follows_followed_id_state"))

    op.drop_table("follows")
    with op.batch_alter_table("actor_keys", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_actor_keys_actor_id"))

    op.drop_table("actor_keys")
    op.drop_table("accounts")
    op.drop_table("remote_domains")
    with op.batch_alter_table("received_activities", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_received_activities_received_at"))

    op.drop_table("received_activities")
    with op.batch_alter_table("inbox_queue", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_inbox_queue_state_next_attempt_at"))

    op.drop_table("inbox_queue")
    with op.batch_alter_table("actors", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_actors_domain_username"))

    op.drop_table("actors")
