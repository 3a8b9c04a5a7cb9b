"""Markers (where a resident stopped reading home and notifications), notification
policies, and the senders a resident accepted from their notification requests

Revision ID: 0016
Revises: 0015
Create Date: 2026-12-02
"""

import sqlalchemy as sa
from alembic import op

import fedlocal.store.types

revision = "0016"
down_revision = "0015"
branch_labels = None
depends_on = None


def _id() -> sa.types.TypeEngine[int]:
    return sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def _when() -> fedlocal.store.types.UTCDateTime:
    return fedlocal.store.types.UTCDateTime(timezone=True)


def _actor_key(table: str, column: str = "actor_id") -> sa.ForeignKeyConstraint:
    return sa.ForeignKeyConstraint(
        [column], ["actors.id"], name=op.f(f"fk_{table}_{column}_actors"), ondelete="CASCADE"
    )


def upgrade() -> None:
    op.create_table(
        "markers",
        sa.Column("actor_id", _id(), nullable=False),
        sa.Column("timeline", sa.String(length=16), nullable=False),
        sa.Column("last_read_id", sa.BigInteger(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("updated_at", _when(), nullable=False),
        _actor_key("markers"),
        sa.PrimaryKeyConstraint("actor_id", "timeline", name=op.f("pk_markers")),
    )
    rules = (
        "for_not_following",
        "for_not_followers",
        "for_new_accounts",
        "for_private_mentions",
        "for_limited_accounts",
    )
    op.create_table(
        "notification_policies",
        sa.Column("actor_id", _id(), nullable=False),
        *(sa.Column(rule, sa.String(length=8), nullable=False) for rule in rules),
        sa.Column("updated_at", _when(), nullable=False),
        _actor_key("notification_policies"),
        sa.PrimaryKeyConstraint("actor_id", name=op.f("pk_notification_policies")),
    )
    op.create_table(
        "notification_permissions",
        sa.Column("actor_id", _id(), nullable=False),
        sa.Column("sender_id", _id(), nullable=False),
        sa.Column("created_at", _when(), nullable=False),
        _actor_key("notification_permissions"),
        _actor_key("notification_permissions", "sender_id"),
        sa.PrimaryKeyConstraint("actor_id", "sender_id", name=op.f("pk_notification_permissions")),
    )


def downgrade() -> None:
    op.drop_table("notification_permissions")
    op.drop_table("notification_policies")
    op.drop_table("markers")
