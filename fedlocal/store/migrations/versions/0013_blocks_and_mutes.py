"""Residents' blocks, mutes and domain blocks, and the Blocks other servers' people send

Revision ID: 0013
Revises: 0012
Create Date: 2026-12-02
"""

import sqlalchemy as sa
from alembic import op

import fedlocal.store.types

revision = "0013"
down_revision = "0012"
branch_labels = None
depends_on = None


def _id() -> sa.types.TypeEngine[int]:
    return sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def _when() -> fedlocal.store.types.UTCDateTime:
    return fedlocal.store.types.UTCDateTime(timezone=True)


def _actor_key(table: str, column: str) -> sa.ForeignKeyConstraint:
    return sa.ForeignKeyConstraint(
        [column], ["actors.id"], name=op.f(f"fk_{table}_{column}_actors"), ondelete="CASCADE"
    )


def upgrade() -> None:
    op.create_table(
        "account_blocks",
        sa.Column("id", _id(), nullable=False),
        sa.Column("account_id", _id(), nullable=False),
        sa.Column("target_id", _id(), nullable=False),
        sa.Column("uri", sa.Text(), nullable=False),
        sa.Column("created_at", _when(), nullable=False),
        _actor_key("account_blocks", "account_id"),
        _actor_key("account_blocks", "target_id"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_account_blocks")),
        sa.UniqueConstraint(
            "account_id", "target_id", name=op.f("uq_account_blocks_account_id_target_id")
        ),
        sa.UniqueConstraint("uri", name=op.f("uq_account_blocks_uri")),
    )
    with op.batch_alter_table("account_blocks", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_account_blocks_target_id"), ["target_id"])
    op.create_table(
        "account_mutes",
        sa.Column("id", _id(), nullable=False),
        sa.Column("account_id", _id(), nullable=False),
        sa.Column("target_id", _id(), nullable=False),
        sa.Column("notifications", sa.Boolean(), nullable=False),
        sa.Column("expires_at", _when(), nullable=True),
        sa.Column("created_at", _when(), nullable=False),
        _actor_key("account_mutes", "account_id"),
        _actor_key("account_mutes", "target_id"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_account_mutes")),
        sa.UniqueConstraint(
            "account_id", "target_id", name=op.f("uq_account_mutes_account_id_target_id")
        ),
    )
    op.create_table(
        "account_domain_blocks",
        sa.Column("id", _id(), nullable=False),
        sa.Column("account_id", _id(), nullable=False),
        sa.Column("domain", sa.String(length=255), nullable=False),
        sa.Column("created_at", _when(), nullable=False),
        _actor_key("account_domain_blocks", "account_id"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_account_domain_blocks")),
        sa.UniqueConstraint(
            "account_id", "domain", name=op.f("uq_account_domain_blocks_account_id_domain")
        ),
    )


def downgrade() -> None:
    op.drop_table("account_domain_blocks")
    op.drop_table("account_mutes")
    op.drop_table("account_blocks")
