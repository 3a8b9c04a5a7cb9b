"""The resident web app: browser sessions (hashed), used one-time form tokens, invitation
codes, failed logins for the rate limit

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-03
"""

import sqlalchemy as sa
from alembic import op

import fedlocal.store.types

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def _id() -> sa.types.TypeEngine[int]:
    return sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def _when() -> fedlocal.store.types.UTCDateTime:
    return fedlocal.store.types.UTCDateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "web_sessions",
        sa.Column("id", _id(), nullable=False),
        sa.Column("token_hash", sa.String(length=64), nullable=False),
        sa.Column("account_id", _id(), nullable=True),
        sa.Column("csrf_secret", sa.String(length=64), nullable=False),
        sa.Column("created_at", _when(), nullable=False),
        sa.Column("expires_at", _when(), nullable=False),
        sa.ForeignKeyConstraint(
            ["account_id"],
            ["accounts.id"],
            name=op.f("fk_web_sessions_account_id_accounts"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_web_sessions")),
        sa.UniqueConstraint("token_hash", name=op.f("uq_web_sessions_token_hash")),
    )
    with op.batch_alter_table("web_sessions", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_web_sessions_account_id"), ["account_id"])
        batch_op.create_index(batch_op.f("ix_web_sessions_expires_at"), ["expires_at"])

    op.create_table(
        "web_used_form_tokens",
        sa.Column("nonce_hash", sa.String(length=64), nullable=False),
        sa.Column("session_id", _id(), nullable=False),
        sa.Column("used_at", _when(), nullable=False),
        sa.ForeignKeyConstraint(
            ["session_id"],
            ["web_sessions.id"],
            name=op.f("fk_web_used_form_tokens_session_id_web_sessions"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("nonce_hash", name=op.f("pk_web_used_form_tokens")),
    )
    with op.batch_alter_table("web_used_form_tokens", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_web_used_form_tokens_session_id"), ["session_id"])
        batch_op.create_index(batch_op.f("ix_web_used_form_tokens_used_at"), ["used_at"])

    op.create_table(
        "invite_codes",
        sa.Column("id", _id(), nullable=False),
        sa.Column("code", sa.String(length=64), nullable=False),
        sa.Column("created_by", _id(), nullable=True),
        sa.Column("max_uses", sa.Integer(), nullable=False),
        sa.Column("uses", sa.Integer(), nullable=False),
        sa.Column("created_at", _when(), nullable=False),
        sa.Column("expires_at", _when(), nullable=True),
        sa.Column("revoked_at", _when(), nullable=True),
        sa.ForeignKeyConstraint(
            ["created_by"],
            ["accounts.id"],
            name=op.f("fk_invite_codes_created_by_accounts"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_invite_codes")),
        sa.UniqueConstraint("code", name=op.f("uq_invite_codes_code")),
    )

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


def downgrade() -> None:
    with op.batch_alter_table("login_attempts", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_login_attempts_login_created_at"))
        batch_op.drop_index(batch_op.f("ix_login_attempts_ip_created_at"))
    op.drop_table("login_attempts")
    op.drop_table("invite_codes")
    with op.batch_alter_table("web_used_form_tokens", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_web_used_form_tokens_used_at"))
        batch_op.drop_index(batch_op.f("ix_web_used_form_tokens_session_id"))
    op.drop_table("web_used_form_tokens")
    with op.batch_alter_table("web_sessions", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_web_sessions_expires_at"))
        batch_op.drop_index(batch_op.f("ix_web_sessions_account_id"))
    op.drop_table("web_sessions")
