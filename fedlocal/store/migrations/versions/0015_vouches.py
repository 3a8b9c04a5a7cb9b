"""Trust between residents: vouches ("I know this person"), the presentation a newcomer
writes at sign-up, and whether a resident shows who vouched for them

Revision ID: 0015
Revises: 0014
Create Date: 2026-12-02
"""

import sqlalchemy as sa
from alembic import op

import fedlocal.store.types

revision = "0015"
down_revision = "0014"
branch_labels = None
depends_on = None


def _id() -> sa.types.TypeEngine[int]:
    return sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def upgrade() -> None:
    with op.batch_alter_table("accounts", schema=None) as batch_op:
        batch_op.add_column(sa.Column("signup_presentation", sa.Text(), nullable=True))
        # Off for everyone so far: showing who vouched needs the resident's consent.
        batch_op.add_column(
            sa.Column("shows_vouches", sa.Boolean(), nullable=False, server_default=sa.false())
        )
    op.create_table(
        "vouches",
        sa.Column("id", _id(), nullable=False),
        sa.Column("voucher_id", _id(), nullable=False),
        sa.Column("vouchee_id", _id(), nullable=False),
        sa.Column("created_at", fedlocal.store.types.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["voucher_id"],
            ["accounts.id"],
            name=op.f("fk_vouches_voucher_id_accounts"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["vouchee_id"],
            ["accounts.id"],
            name=op.f("fk_vouches_vouchee_id_accounts"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_vouches")),
        sa.UniqueConstraint(
            "voucher_id", "vouchee_id", name=op.f("uq_vouches_voucher_id_vouchee_id")
        ),
    )
    with op.batch_alter_table("vouches", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_vouches_vouchee_id"), ["vouchee_id"])


def downgrade() -> None:
    op.drop_table("vouches")
    with op.batch_alter_table("accounts", schema=None) as batch_op:
        batch_op.drop_column("shows_vouches")
        batch_op.drop_column("signup_presentation")
