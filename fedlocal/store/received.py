"""Ids of activities already processed: what makes the inbox worker idempotent."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import bindparam, delete, select
from sqlalchemy.ext.asyncio import AsyncConnection

from .clock import utcnow
from .tables import received_activities
from .upsert import ignoring_conflicts, insert_ignoring_conflicts


async def mark_received(conn: AsyncConnection, uri: str) -> bool:
    """Record `uri` as processed; False if it already was (so the caller skips it)."""
    inserted = await insert_ignoring_conflicts(
        conn, received_activities, {"uri": uri, "received_at": utcnow()}
    )
    return inserted == 1


async def mark_received_many(conn: AsyncConnection, uris: list[str]) -> set[str]:
    """Record `uris` as processed, in one statement; returns those that were not yet."""
    if not uris:
        return set()
    now = utcnow()
    rows = await conn.execute(
        ignoring_conflicts(conn, received_activities, received_activities.c.uri),
        [{"uri": uri, "received_at": now} for uri in uris],
    )
    return set(rows.scalars())


async def received_among(conn: AsyncConnection, uris: list[str]) -> set[str]:
    """Which of `uris` were already processed (one query for a batch)."""
    if not uris:
        return set()
    rows = await conn.execute(_AMONG, {"uris": list(uris)})
    return set(rows.scalars())


# Built once (docs/performance.md, "Statements built once"): each batch of the inbox asks.
_AMONG = select(received_activities.c.uri).where(
    received_activities.c.uri.in_(bindparam("uris", expanding=True))
)


async def was_received(conn: AsyncConnection, uri: str) -> bool:
    row = await conn.execute(
        select(received_activities.c.uri).where(received_activities.c.uri == uri)
    )
    return row.first() is not None


async def prune_received(conn: AsyncConnection, older_than: datetime) -> int:
    result = await conn.execute(
        delete(received_activities).where(received_activities.c.received_at < older_than)
    )
    return result.rowcount or 0
