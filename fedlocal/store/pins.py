"""Pinned posts: an actor's `featured` collection (Mastodon's pins)."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import delete, func, select
from sqlalchemy.ext.asyncio import AsyncConnection

from ..models import Actor, Post
from .actors import actor_from_prefixed, prefixed_actor_columns
from .clock import utcnow
from .post_columns import post_from_row
from .tables import actors, objects, pins
from .upsert import insert_ignoring_conflicts


async def pin(conn: AsyncConnection, actor_id: int, post_id: int) -> bool:
    """Pin `post_id` for `actor_id`; False when it was pinned already."""
    row = {"actor_id": actor_id, "object_id": post_id, "created_at": utcnow()}
    return await insert_ignoring_conflicts(conn, pins, row) > 0


async def unpin(conn: AsyncConnection, actor_id: int, post_id: int) -> bool:
    """Unpin; False when it was not pinned."""
    result = await conn.execute(
        delete(pins).where(pins.c.actor_id == actor_id, pins.c.object_id == post_id)
    )
    return bool(result.rowcount)


async def unpin_all(conn: AsyncConnection, actor_id: int) -> None:
    await conn.execute(delete(pins).where(pins.c.actor_id == actor_id))


async def count(conn: AsyncConnection, actor_id: int) -> int:
    return (
        await conn.execute(
            select(func.count())
            .select_from(pins)
            .join(objects, objects.c.id == pins.c.object_id)
            .where(pins.c.actor_id == actor_id, objects.c.deleted_at.is_(None))
        )
    ).scalar_one()


async def pinned_posts(conn: AsyncConnection, actor_id: int, *, limit: int = 20) -> list[Post]:
    """The actor's undeleted pinned posts, the latest pinned first."""
    rows = await conn.execute(
        select(objects)
        .join(pins, pins.c.object_id == objects.c.id)
        .where(pins.c.actor_id == actor_id, objects.c.deleted_at.is_(None))
        .order_by(pins.c.id.desc())
        .limit(limit)
    )
    return [post_from_row(row) for row in rows]


async def pinned_by_author(conn: AsyncConnection, post_ids: Sequence[int]) -> set[int]:
    """Those of `post_ids` their author has pinned."""
    if not post_ids:
        return set()
    rows = await conn.execute(
        select(pins.c.object_id)
        .join(objects, objects.c.id == pins.c.object_id)
        .where(pins.c.object_id.in_(list(set(post_ids))), pins.c.actor_id == objects.c.actor_id)
    )
    return {row.object_id for row in rows}


async def organization_pins(conn: AsyncConnection, *, limit: int) -> list[tuple[Post, Actor]]:
    """Public, undeleted posts pinned by their author when the author is a verified
    organisation (ours, or a linked neighbour's), with the author, the latest pinned
    first: one query."""
    rows = await conn.execute(
        select(objects, *prefixed_actor_columns())
        .join(pins, pins.c.object_id == objects.c.id)
        .join(actors, actors.c.id == pins.c.actor_id)
        .where(
            pins.c.actor_id == objects.c.actor_id,
            actors.c.organization_type.is_not(None),
            actors.c.gone_at.is_(None),
            objects.c.visibility == "public",
            objects.c.deleted_at.is_(None),
        )
        .order_by(pins.c.id.desc())
        .limit(limit)
    )
    return [(post_from_row(row), actor_from_prefixed(row)) for row in rows]
