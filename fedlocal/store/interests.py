"""Interest in offers and requests ("I'm interested")."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import Row, select, tuple_, update
from sqlalchemy.ext.asyncio import AsyncConnection

from ..models import Actor, Interest
from .actors import actor_from_prefixed, prefixed_actor_columns
from .clock import utcnow
from .tables import actors, interests
from .upsert import insert_ignoring_conflicts


def _interest(row: Row[Any]) -> Interest:
    return Interest(
        id=row.id,
        post_id=row.post_id,
        actor_id=row.actor_id,
        message_uri=row.message_uri,
        offer_uri=row.offer_uri,
        created_at=row.created_at,
    )


async def record(
    conn: AsyncConnection,
    *,
    post_id: int,
    actor_id: int,
    message_uri: str | None = None,
    offer_uri: str | None = None,
) -> bool:
    """Record interest; True the first time this actor shows interest in this post.

    A later message or FEP-0837 Offer from the same person fills in what was missing.
    """
    created = await insert_ignoring_conflicts(
        conn,
        interests,
        {
            "post_id": post_id,
            "actor_id": actor_id,
            "message_uri": message_uri,
            "offer_uri": offer_uri,
            "created_at": utcnow(),
        },
    )
    if created:
        return True
    existing = await get(conn, post_id, actor_id)
    assert existing is not None
    changes = {}
    if message_uri and not existing.message_uri:
        changes["message_uri"] = message_uri
    if offer_uri and not existing.offer_uri:
        changes["offer_uri"] = offer_uri
    if changes:
        await conn.execute(update(interests).where(interests.c.id == existing.id).values(**changes))
    return False


async def get(conn: AsyncConnection, post_id: int, actor_id: int) -> Interest | None:
    row = (
        await conn.execute(
            select(interests).where(
                interests.c.post_id == post_id, interests.c.actor_id == actor_id
            )
        )
    ).first()
    return _interest(row) if row else None


async def message_uris(
    conn: AsyncConnection, pairs: Sequence[tuple[int, int]]
) -> dict[tuple[int, int], str]:
    """The message each (post id, actor id) pair's interest came with, when it had one."""
    if not pairs:
        return {}
    rows = await conn.execute(
        select(interests.c.post_id, interests.c.actor_id, interests.c.message_uri).where(
            tuple_(interests.c.post_id, interests.c.actor_id).in_(list(set(pairs))),
            interests.c.message_uri.is_not(None),
        )
    )
    return {(row.post_id, row.actor_id): row.message_uri for row in rows}


async def list_for_post(conn: AsyncConnection, post_id: int) -> list[tuple[Interest, Actor]]:
    rows = await conn.execute(
        select(interests, *prefixed_actor_columns())
        .join(actors, actors.c.id == interests.c.actor_id)
        .where(interests.c.post_id == post_id)
        .order_by(interests.c.id)
    )
    return [(_interest(row), actor_from_prefixed(row)) for row in rows]


async def get_by_offer(conn: AsyncConnection, offer_uri: str) -> Interest | None:
    """The interest a FEP-0837 Offer of ours recorded."""
    row = (await conn.execute(select(interests).where(interests.c.offer_uri == offer_uri))).first()
    return _interest(row) if row is not None else None
