"""Residents' data downloads, built in the background

Revision ID: 0022
Revises: 0021
Create Date: 2026-12-02
"""

import sqlalchemy as sa
from alembic import op

import fedlocal.store.types

revision = "0022"
down_revision = "0021"
branch_labels = None
depends_on = None


def _id() -> sa.types.TypeEngine[int]:
    return sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def _when() -> fedlocal.store.types.UTCDateTime:
    return fedlocal.store.types.UTCDateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "data_exports",
        sa.Column("id", _id(), autoincrement=True, nullable=False),
        sa.Column("account_id", _id(), nullable=False),
        sa.Column("state", sa.String(length=16), nullable=False),
        sa.Column("progress", sa.Integer(), nullable=False),
        sa.Column("file_name", sa.String(length=64), nullable=True),
        sa.Column("requested_at", _when(), nullable=False),
        sa.Column("started_at", _when(), nullable=True),
        sa.Column("finished_at", _when(), nullable=True),
        sa.Column("expires_at", _when(), nullable=True),
        sa.ForeignKeyConstraint(
            ["account_id"],
            ["accounts.id"],
            name=op.f("fk_data_exports_account_id_accounts"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_data_exports")),
        sa.UniqueConstraint("account_id", name=op.f("uq_data_exports_account_id")),
    )
    op.create_index(op.f("ix_data_exports_state_id"), "data_exports", ["state", "id"])


def downgrade() -> None:
    op.drop_index(op.f("ix_data_exports_state_id"), table_name="data_exports")
    op.drop_table("data_exports")
