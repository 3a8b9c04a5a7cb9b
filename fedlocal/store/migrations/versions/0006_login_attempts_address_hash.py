"""Failed logins keep keyed hashes of the address and the login, never the address itself

The rows only matter for the login limit's fifteen-minute window, so the old ones (with
their plain addresses) are dropped with the table rather than converted.

Revision ID: 0006
Revises: 0005
Create Date: 2027-01-12
"""

import sqlalchemy as sa
from alembic import op

import fedlocal.store.types

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None


def _id() -> sa.types.TypeEngine[int]:
    return sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def _when() -> fedlocal.store.types.UTCDateTime:
    return fedlocal.store.types.UTCDateTime(timezone=True)


def upgrade() -> None:
    # Dropping the table drops its indexes too, on SQLite and PostgreSQL alike.
    op.drop_table("login_attempts")
    op.create_table(
        "login_attempts",
        sa.Column("id", _id(), nullable=False),
        sa.Column("address_hash", sa.String(length=32), nullable=False),
        sa.Column("login_hash", sa.String(length=32), nullable=False),
        sa.Column("created_at", _when(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_login_attempts")),
    )
    with op.batch_alter_table("login_attempts", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_login_attempts_address_hash_created_at"),
            ["address_hash", "created_at"],
        )
        batch_op.create_index(
            batch_op.f("ix_login_attempts_login_hash_created_at"), ["login_hash", "created_at"]
        )


def downgrade() -> None:
    op.drop_table("login_attempts")
    op.create_table(
        "login_attempts",
        sa.Column("id", _id(), nullable=False),
        sa.Column("ip", sa.String(length=64), nullable=False),
        sa.Column("login", sa.String(length=320), nullable=False),
        sa.Column("created_at", _when(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_login_attempts")),
    )
    with op.batch_alter_table("login_attempts", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_login_attempts_ip_created_at"), ["ip", "created_at"])
        batch_op.create_index(
            batch_op.f("ix_login_attempts_login_created_at"), ["login", "created_at"]
        )
