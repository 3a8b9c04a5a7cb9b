"""Periodic jobs leased across processes, and rate limits shared by every process

Revision ID: 0024
Revises: 0023
Create Date: 2026-12-02
"""

import sqlalchemy as sa
from alembic import op

import fedlocal.store.types

revision = "0024"
down_revision = "0023"
branch_labels = None
depends_on = None


def _id() -> sa.types.TypeEngine[int]:
    return sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def _when() -> fedlocal.store.types.UTCDateTime:
    return fedlocal.store.types.UTCDateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "job_leases",
        sa.Column("name", sa.String(length=64), nullable=False),
        sa.Column("holder", sa.String(length=64), nullable=True),
        sa.Column("locked_until", _when(), nullable=True),
        sa.Column("last_run_at", _when(), nullable=True),
        sa.PrimaryKeyConstraint("name", name=op.f("pk_job_leases")),
    )
    op.create_table(
        "rate_events",
        sa.Column("id", _id(), autoincrement=True, nullable=False),
        sa.Column("scope", sa.String(length=32), nullable=False),
        sa.Column("key_hash", sa.String(length=32), nullable=False),
        sa.Column("at", _when(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_rate_events")),
    )
    op.create_index(
        op.f("ix_rate_events_scope_key_hash_at"), "rate_events", ["scope", "key_hash", "at"]
    )
    op.create_index(op.f("ix_rate_events_at"), "rate_events", ["at"])


def downgrade() -> None:
    op.drop_index(op.f("ix_rate_events_at"), table_name="rate_events")
    op.drop_index(op.f("ix_rate_events_scope_key_hash_at"), table_name="rate_events")
    op.drop_table("rate_events")
    op.drop_table("job_leases")
