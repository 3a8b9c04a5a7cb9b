"""Staff and moderation: the moderator role, the audit log, limited and suspended
accounts, moderators' warnings, and domain blocks and allows kept in the database

Revision ID: 0012
Revises: 0011 (rechained when branch reports merged staff)
Create Date: 2026-12-02
"""

import sqlalchemy as sa
from alembic import op

import fedlocal.store.types

revision = "0012"
down_revision = "0011"
branch_labels = None
depends_on = None


def _id() -> sa.types.TypeEngine[int]:
    return sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def _when() -> fedlocal.store.types.UTCDateTime:
    return fedlocal.store.types.UTCDateTime(timezone=True)


def _by_account(table: str, column: str) -> sa.ForeignKeyConstraint:
    return sa.ForeignKeyConstraint(
        [column],
        ["accounts.id"],
        name=op.f(f"fk_{table}_{column}_accounts"),
        ondelete="SET NULL",
    )


def upgrade() -> None:
    with op.batch_alter_table("accounts", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("is_moderator", sa.Boolean(), nullable=False, server_default=sa.false())
        )
    op.create_table(
        "audit_log",
        sa.Column("id", _id(), nullable=False),
        sa.Column("account_id", _id(), nullable=True),
        sa.Column("by_username", sa.String(length=64), nullable=False),
        sa.Column("action", sa.String(length=32), nullable=False),
        sa.Column("target", sa.Text(), nullable=False),
        sa.Column("note", sa.Text(), nullable=False),
        sa.Column("created_at", _when(), nullable=False),
        _by_account("audit_log", "account_id"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_audit_log")),
    )
    op.create_table(
        "actor_moderation",
        sa.Column("actor_id", _id(), nullable=False),
        sa.Column("limited_at", _when(), nullable=True),
        sa.Column("suspended_at", _when(), nullable=True),
        sa.ForeignKeyConstraint(
            ["actor_id"],
            ["actors.id"],
            name=op.f("fk_actor_moderation_actor_id_actors"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("actor_id", name=op.f("pk_actor_moderation")),
    )
    op.create_table(
        "account_warnings",
        sa.Column("id", _id(), nullable=False),
        sa.Column("actor_id", _id(), nullable=False),
        sa.Column("action", sa.String(length=32), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("created_by", _id(), nullable=True),
        sa.Column("created_at", _when(), nullable=False),
        sa.ForeignKeyConstraint(
            ["actor_id"],
            ["actors.id"],
            name=op.f("fk_account_warnings_actor_id_actors"),
            ondelete="CASCADE",
        ),
        _by_account("account_warnings", "created_by"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_account_warnings")),
    )
    with op.batch_alter_table("account_warnings", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_account_warnings_actor_id"), ["actor_id"])
    with op.batch_alter_table("notifications", schema=None) as batch_op:
        batch_op.add_column(sa.Column("warning_id", _id(), nullable=True))
        batch_op.create_foreign_key(
            batch_op.f("fk_notifications_warning_id_account_warnings"),
            "account_warnings",
            ["warning_id"],
            ["id"],
            ondelete="CASCADE",
        )
    op.create_table(
        "domain_blocks",
        sa.Column("id", _id(), nullable=False),
        sa.Column("domain", sa.String(length=255), nullable=False),
        sa.Column("severity", sa.String(length=16), nullable=False),
        sa.Column("public_comment", sa.Text(), nullable=False),
        sa.Column("private_comment", sa.Text(), nullable=False),
        sa.Column("created_by", _id(), nullable=True),
        sa.Column("created_at", _when(), nullable=False),
        sa.Column("updated_at", _when(), nullable=False),
        _by_account("domain_blocks", "created_by"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_domain_blocks")),
        sa.UniqueConstraint("domain", name=op.f("uq_domain_blocks_domain")),
    )
    op.create_table(
        "domain_allows",
        sa.Column("id", _id(), nullable=False),
        sa.Column("domain", sa.String(length=255), nullable=False),
        sa.Column("created_by", _id(), nullable=True),
        sa.Column("created_at", _when(), nullable=False),
        _by_account("domain_allows", "created_by"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_domain_allows")),
        sa.UniqueConstraint("domain", name=op.f("uq_domain_allows_domain")),
    )


def downgrade() -> None:
    op.drop_table("domain_allows")
    op.drop_table("domain_blocks")
    with op.batch_alter_table("notifications", schema=None) as batch_op:
        batch_op.drop_constraint(
            batch_op.f("fk_notifications_warning_id_account_warnings"), type_="foreignkey"
        )
        batch_op.drop_column("warning_id")
    op.drop_table("account_warnings")
    op.drop_table("actor_moderation")
    op.drop_table("audit_log")
    with op.batch_alter_table("accounts", schema=None) as batch_op:
        batch_op.drop_column("is_moderator")
