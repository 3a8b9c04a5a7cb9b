"""Sliding-window rate limits kept in the database, so that every process counts the
same events (services/rate_limits.py). Keys arrive hashed."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import delete, func, insert, select
from sqlalchemy.ext.asyncio import AsyncConnection

from .database import lock_number
from .tables import rate_events

# The first half of PostgreSQL's two-part advisory lock key: this module's locks.
_LOCK_SPACE = 0x726174  # "rat"


async def lock(conn: AsyncConnection, scope: str, key_hash: str) -> None:
    """Hold, until the transaction ends, the right to count and add events for this key:
    two processes must not both see room for one more. SQLite's write transaction
    already holds its only lock."""
    if conn.dialect.name == "postgresql":
        await conn.execute(
            select(func.pg_advisory_xact_lock(_LOCK_SPACE, lock_number(f"{scope}:{key_hash}")))
        )


async def recent(
    conn: AsyncConnection, scope: str, key_hash: str, *, since: datetime
) -> tuple[int, datetime | None]:
    """How many events for the key since `since`, and the oldest one's time."""
    count, oldest = (
        await conn.execute(
            select(func.count(), func.min(rate_events.c.at)).where(
                rate_events.c.scope == scope,
                rate_events.c.key_hash == key_hash,
                rate_events.c.at > since,
            )
        )
    ).one()
    if oldest is not None and oldest.tzinfo is None:
        oldest = oldest.replace(tzinfo=UTC)
    return count, oldest


async def add(conn: AsyncConnection, scope: str, key_hash: str, *, at: datetime) -> None:
    await conn.execute(insert(rate_events).values(scope=scope, key_hash=key_hash, at=at))


async def purge(conn: AsyncConnection, *, before: datetime) -> int:
    """Forget events older than `before` (no window is longer); how many."""
    result = await conn.execute(delete(rate_events).where(rate_events.c.at < before))
    return result.rowcount or 0
