"""`Idempotency-Key`s of status posts."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import delete, select
from sqlalchemy.ext.asyncio import AsyncConnection

from .clock import utcnow
from .tables import idempotency_keys
from .upsert import insert_ignoring_conflicts


async def find(
    conn: AsyncConnection, account_id: int, key: str, *, not_before: datetime
) -> int | None:
    """The post made with this key by this account since `not_before`, if any."""
    return (
        await conn.execute(
            select(idempotency_keys.c.post_id).where(
                idempotency_keys.c.account_id == account_id,
                idempotency_keys.c.key == key,
                idempotency_keys.c.created_at >= not_before,
            )
        )
    ).scalar_one_or_none()


async def remember(conn: AsyncConnection, account_id: int, key: str, post_id: int) -> None:
    await conn.execute(
        delete(idempotency_keys).where(
            idempotency_keys.c.account_id == account_id, idempotency_keys.c.key == key
        )
    )
    await insert_ignoring_conflicts(
        conn,
        idempotency_keys,
        {"account_id": account_id, "key": key, "post_id": post_id, "created_at": utcnow()},
    )


async def forget_older_than(conn: AsyncConnection, moment: datetime) -> int:
    result = await conn.execute(
        delete(idempotency_keys).where(idempotency_keys.c.created_at < moment)
    )
    return result.rowcount or 0
