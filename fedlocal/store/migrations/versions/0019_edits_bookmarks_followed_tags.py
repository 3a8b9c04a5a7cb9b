"""Earlier versions of edited posts, residents' bookmarks and followed hashtags

Revision ID: 0019
Revises: 0018
Create Date: 2026-12-02
"""

import sqlalchemy as sa
from alembic import op

import fedlocal.store.types

revision = "0019"
down_revision = "0018"
branch_labels = None
depends_on = None


def _id() -> sa.types.TypeEngine[int]:
    return sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def _when() -> fedlocal.store.types.UTCDateTime:
    return fedlocal.store.types.UTCDateTime(timezone=True)


def _key(table: str, column: str, target: str) -> sa.ForeignKeyConstraint:
    return sa.ForeignKeyConstraint(
        [column],
        [f"{target}.id"],
        name=op.f(f"fk_{table}_{column}_{target}"),
        ondelete="CASCADE",
    )


def upgrade() -> None:
    op.create_table(
        "post_edits",
        sa.Column("id", _id(), autoincrement=True, nullable=False),
        sa.Column("post_id", _id(), nullable=False),
        sa.Column("content", sa.Text(), nullable=False),
        sa.Column("summary", sa.Text(), nullable=True),
        sa.Column("name", sa.Text(), nullable=True),
        sa.Column("sensitive", sa.Boolean(), nullable=False),
        sa.Column("attachments", sa.JSON(), nullable=True),
        sa.Column("created_at", _when(), nullable=False),
        _key("post_edits", "post_id", "objects"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_post_edits")),
    )
    op.create_index(op.f("ix_post_edits_post_id_id"), "post_edits", ["post_id", "id"])
    op.create_table(
        "bookmarks",
        sa.Column("id", _id(), autoincrement=True, nullable=False),
        sa.Column("actor_id", _id(), nullable=False),
        sa.Column("post_id", _id(), nullable=False),
        sa.Column("created_at", _when(), nullable=False),
        _key("bookmarks", "actor_id", "actors"),
        _key("bookmarks", "post_id", "objects"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_bookmarks")),
        sa.UniqueConstraint("actor_id", "post_id", name=op.f("uq_bookmarks_actor_id_post_id")),
    )
    op.create_index(op.f("ix_bookmarks_post_id"), "bookmarks", ["post_id"])
    op.create_table(
        "followed_tags",
        sa.Column("id", _id(), autoincrement=True, nullable=False),
        sa.Column("actor_id", _id(), nullable=False),
        sa.Column("hashtag", sa.String(length=100), nullable=False),
        sa.Column("name", sa.String(length=100), nullable=False),
        sa.Column("created_at", _when(), nullable=False),
        _key("followed_tags", "actor_id", "actors"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_followed_tags")),
        sa.UniqueConstraint("actor_id", "hashtag", name=op.f("uq_followed_tags_actor_id_hashtag")),
    )
    op.create_index(op.f("ix_objects_edited_at"), "objects", ["edited_at"])


def downgrade() -> None:
    op.drop_index(op.f("ix_objects_edited_at"), table_name="objects")
    op.drop_table("followed_tags")
    op.drop_index(op.f("ix_bookmarks_post_id"), table_name="bookmarks")
    op.drop_table("bookmarks")
    op.drop_index(op.f("ix_post_edits_post_id_id"), table_name="post_edits")
    op.drop_table("post_edits")
