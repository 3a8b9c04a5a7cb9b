"""Pictures: uploads, post attachments, avatars and header images

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-02
"""

import sqlalchemy as sa
from alembic import op

import fedlocal.store.types

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None


def _id() -> sa.types.TypeEngine[int]:
    return sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def _when() -> fedlocal.store.types.UTCDateTime:
    return fedlocal.store.types.UTCDateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "media_attachments",
        sa.Column("id", _id(), nullable=False),
        sa.Column("actor_id", _id(), nullable=False),
        sa.Column("post_id", _id(), nullable=True),
        sa.Column("purpose", sa.String(length=16), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("file_key", sa.Text(), nullable=False),
        sa.Column("content_type", sa.String(length=64), nullable=False),
        sa.Column("width", sa.Integer(), nullable=False),
        sa.Column("height", sa.Integer(), nullable=False),
        sa.Column("small_key", sa.Text(), nullable=False),
        sa.Column("small_content_type", sa.String(length=64), nullable=False),
        sa.Column("small_width", sa.Integer(), nullable=False),
        sa.Column("small_height", sa.Integer(), nullable=False),
        sa.Column("blurhash", sa.String(length=64), nullable=True),
        sa.Column("description", sa.Text(), nullable=True),
        sa.Column("focus_x", sa.Float(), nullable=False),
        sa.Column("focus_y", sa.Float(), nullable=False),
        sa.Column("created_at", _when(), nullable=False),
        sa.Column("attached_at", _when(), nullable=True),
        sa.ForeignKeyConstraint(
            ["actor_id"],
            ["actors.id"],
            name=op.f("fk_media_attachments_actor_id_actors"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["post_id"],
            ["objects.id"],
            name=op.f("fk_media_attachments_post_id_objects"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_media_attachments")),
    )
    with op.batch_alter_table("media_attachments", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_media_attachments_actor_id_purpose"), ["actor_id", "purpose"]
        )
        batch_op.create_index(batch_op.f("ix_media_attachments_post_id"), ["post_id"])
        batch_op.create_index(batch_op.f("ix_media_attachments_file_key"), ["file_key"])
        batch_op.create_index(batch_op.f("ix_media_attachments_small_key"), ["small_key"])
        batch_op.create_index(
            batch_op.f("ix_media_attachments_attached_at_created_at"),
            ["attached_at", "created_at"],
        )
    op.create_table(
        "remote_media",
        sa.Column("id", _id(), nullable=False),
        sa.Column("remote_url", sa.Text(), nullable=False),
        sa.Column("file_key", sa.Text(), nullable=False),
        sa.Column("content_type", sa.String(length=64), nullable=False),
        sa.Column("width", sa.Integer(), nullable=False),
        sa.Column("height", sa.Integer(), nullable=False),
        sa.Column("small_key", sa.Text(), nullable=False),
        sa.Column("small_content_type", sa.String(length=64), nullable=False),
        sa.Column("small_width", sa.Integer(), nullable=False),
        sa.Column("small_height", sa.Integer(), nullable=False),
        sa.Column("blurhash", sa.String(length=64), nullable=True),
        sa.Column("size_bytes", sa.BigInteger(), nullable=False),
        sa.Column("fetched_at", _when(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_remote_media")),
        sa.UniqueConstraint("remote_url", name=op.f("uq_remote_media_remote_url")),
    )
    with op.batch_alter_table("remote_media", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_remote_media_fetched_at"), ["fetched_at"])
        batch_op.create_index(batch_op.f("ix_remote_media_file_key"), ["file_key"])
        batch_op.create_index(batch_op.f("ix_remote_media_small_key"), ["small_key"])


def downgrade() -> None:
    op.drop_table("remote_media")
    op.drop_table("media_attachments")
