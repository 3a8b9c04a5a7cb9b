"""Browser sessions of the web app, and the one-time form tokens they have used.

Only hashes of session tokens are stored (web/auth.py makes and hashes them).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import Row, delete, insert, select, update
from sqlalchemy.ext.asyncio import AsyncConnection

from ..models import WebSession
from .tables import web_sessions, web_used_form_tokens
from .upsert import insert_ignoring_conflicts


def _session(row: Row[Any]) -> WebSession:
    return WebSession(
        id=row.id,
        account_id=row.account_id,
        csrf_secret=row.csrf_secret,
        created_at=row.created_at,
        expires_at=row.expires_at,
    )


async def create(
    conn: AsyncConnection,
    *,
    token_hash: str,
    account_id: int | None,
    csrf_secret: str,
    now: datetime,
    expires_at: datetime,
) -> WebSession:
    row = (
        await conn.execute(
            insert(web_sessions)
            .values(
                token_hash=token_hash,
                account_id=account_id,
                csrf_secret=csrf_secret,
                created_at=now,
                expires_at=expires_at,
            )
            .returning(*web_sessions.c)
        )
    ).one()
    return _session(row)


async def get_live(conn: AsyncConnection, token_hash: str, *, now: datetime) -> WebSession | None:
    """The session with this token hash, unless it has expired."""
    row = (
        await conn.execute(
            select(web_sessions).where(
                web_sessions.c.token_hash == token_hash, web_sessions.c.expires_at > now
            )
        )
    ).first()
    return _session(row) if row else None


async def extend(conn: AsyncConnection, session_id: int, expires_at: datetime) -> None:
    await conn.execute(
        update(web_sessions).where(web_sessions.c.id == session_id).values(expires_at=expires_at)
    )


async def delete_session(conn: AsyncConnection, session_id: int) -> None:
    await conn.execute(delete(web_sessions).where(web_sessions.c.id == session_id))


async def delete_for_account(
    conn: AsyncConnection, account_id: int, *, keep: int | None = None
) -> int:
    """End every session of an account (but `keep`): after a password change."""
    statement = delete(web_sessions).where(web_sessions.c.account_id == account_id)
    if keep is not None:
        statement = statement.where(web_sessions.c.id != keep)
    return (await conn.execute(statement)).rowcount or 0


async def use_form_token(
    conn: AsyncConnection, session_id: int, nonce_hash: str, *, now: datetime
) -> bool:
    """Record a form token as used; False when it had been used already (a replay)."""
    inserted = await insert_ignoring_conflicts(
        conn,
        web_used_form_tokens,
        {"nonce_hash": nonce_hash, "session_id": session_id, "used_at": now},
    )
    return inserted == 1


async def purge(conn: AsyncConnection, *, now: datetime, tokens_used_before: datetime) -> int:
    """Forget expired sessions and the used tokens that could no longer be replayed; how
    many sessions went."""
    ended = await conn.execute(delete(web_sessions).where(web_sessions.c.expires_at <= now))
    await conn.execute(
        delete(web_used_form_tokens).where(web_used_form_tokens.c.used_at < tokens_used_before)
    )
    return ended.rowcount or 0
