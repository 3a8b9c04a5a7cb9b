"""Our residents' commitments to group purchases on other servers: a commitment's state
(pending until the organiser's server answers, accepted, refused) with the reason of a
refusal and the quantity last accepted, when the Offer behind it was written (so a late
Offer never overrides a newer one or a withdrawal), and the total a remote purchase's
server states

Revision ID: 0023
Revises: 0022
Create Date: 2026-12-02
"""

import sqlalchemy as sa
from alembic import op

import fedlocal.store.types

revision = "0023"
down_revision = "0022"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("group_purchase_commitments") as batch:
        batch.add_column(
            sa.Column("state", sa.String(length=16), nullable=False, server_default="accepted")
        )
        batch.add_column(sa.Column("reason", sa.Text(), nullable=True))
        batch.add_column(sa.Column("accepted_milli", sa.BigInteger(), nullable=True))
        batch.add_column(
            sa.Column("offered_at", fedlocal.store.types.UTCDateTime(timezone=True), nullable=True)
        )
    op.create_index(
        op.f("ix_group_purchase_commitments_activity_uri"),
        "group_purchase_commitments",
        ["activity_uri"],
    )
    with op.batch_alter_table("group_purchases") as batch:
        batch.add_column(sa.Column("remote_committed_milli", sa.BigInteger(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("group_purchases") as batch:
        batch.drop_column("remote_committed_milli")
    op.drop_index(
        op.f("ix_group_purchase_commitments_activity_uri"),
        table_name="group_purchase_commitments",
    )
    with op.batch_alter_table("group_purchase_commitments") as batch:
        batch.drop_column("offered_at")
        batch.drop_column("accepted_milli")
        batch.drop_column("reason")
        batch.drop_column("state")
