"""Shops and producers: the organisation accounts of those types, ours and those of
linked neighbours whose type we keep."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncConnection

from ..models import Actor, Post
from .actors import _actor
from .post_columns import post_from_row
from .tables import actors, objects


async def organisations_of_types(
    conn: AsyncConnection, types: Sequence[str], *, limit: int = 500
) -> list[Actor]:
    rows = await conn.execute(
        select(actors)
        .where(actors.c.organization_type.in_(list(types)), actors.c.gone_at.is_(None))
        .order_by(actors.c.id)
        .limit(limit)
    )
    return [_actor(row) for row in rows]


async def current_posts(
    conn: AsyncConnection, actor_ids: Sequence[int], kinds: Sequence[str], *, per_actor: int = 3
) -> dict[int, list[Post]]:
    """Each actor's newest public posts of `kinds` still open (or confirmed)."""
    found: dict[int, list[Post]] = {actor_id: [] for actor_id in actor_ids}
    if not actor_ids:
        return found
    rows = await conn.execute(
        select(objects)
        .where(
            objects.c.actor_id.in_(list(actor_ids)),
            objects.c.kind.in_(list(kinds)),
            objects.c.deleted_at.is_(None),
            objects.c.visibility == "public",
            objects.c.status.in_(("open", "reserved", "confirmed", "tentative")),
        )
        .order_by(objects.c.id.desc())
        .limit(per_actor * len(actor_ids) * 4)
    )
    for row in rows:
        post = post_from_row(row)
        if len(found[post.actor_id]) < per_actor:
            found[post.actor_id].append(post)
    return found
