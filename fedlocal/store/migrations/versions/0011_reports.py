"""Reports: residents' reports and Flags received, with a snapshot of what was reported

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-02
"""

import sqlalchemy as sa
from alembic import op

import fedlocal.store.types

revision = "0011"
down_revision = "0010"
branch_labels = None
depends_on = None


def _id() -> sa.types.TypeEngine[int]:
    return sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def _when() -> fedlocal.store.types.UTCDateTime:
    return fedlocal.store.types.UTCDateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "reports",
        sa.Column("id", _id(), nullable=False),
        sa.Column("uri", sa.Text(), nullable=True),
        sa.Column("reporter_id", _id(), nullable=True),
        sa.Column("origin_domain", sa.String(length=255), nullable=True),
        sa.Column("target_id", _id(), nullable=False),
        sa.Column("post_ids", sa.JSON(), nullable=False),
        sa.Column("category", sa.String(length=16), nullable=False),
        sa.Column("comment", sa.Text(), nullable=False),
        sa.Column("forwarded", sa.Boolean(), nullable=False),
        sa.Column("snapshot", sa.JSON(), nullable=False),
        sa.Column("note", sa.Text(), nullable=False),
        sa.Column("assigned_account_id", _id(), nullable=True),
        sa.Column("resolved_at", _when(), nullable=True),
        sa.Column("resolved_by_id", _id(), nullable=True),
        sa.Column("action", sa.String(length=16), nullable=True),
        sa.Column("created_at", _when(), nullable=False),
        sa.Column("updated_at", _when(), nullable=False),
        sa.ForeignKeyConstraint(
            ["reporter_id"],
            ["actors.id"],
            name=op.f("fk_reports_reporter_id_actors"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["target_id"],
            ["actors.id"],
            name=op.f("fk_reports_target_id_actors"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["assigned_account_id"],
            ["accounts.id"],
            name=op.f("fk_reports_assigned_account_id_accounts"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["resolved_by_id"],
            ["accounts.id"],
            name=op.f("fk_reports_resolved_by_id_accounts"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_reports")),
    )
    with op.batch_alter_table("reports", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_reports_resolved_at_id"), ["resolved_at", "id"])
        batch_op.create_index(batch_op.f("ix_reports_target_id_id"), ["target_id", "id"])
        batch_op.create_index(batch_op.f("ix_reports_reporter_id"), ["reporter_id"])


def downgrade() -> None:
    with op.batch_alter_table("reports", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_reports_reporter_id"))
        batch_op.drop_index(batch_op.f("ix_reports_target_id_id"))
        batch_op.drop_index(batch_op.f("ix_reports_resolved_at_id"))
    op.drop_table("reports")
