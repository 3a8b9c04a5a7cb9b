"""Favourites (Likes): our residents' and remote people's likes of posts we hold."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import delete, func, select
from sqlalchemy.ext.asyncio import AsyncConnection

from .clock import utcnow
from .id_pages import newest_first
from .tables import favourites
from .upsert import insert_ignoring_conflicts


async def add(conn: AsyncConnection, *, actor_id: int, post_id: int, uri: str) -> bool:
    """Record a like; False when this actor already liked the post (or the id is known)."""
    created = await insert_ignoring_conflicts(
        conn,
        favourites,
        {"actor_id": actor_id, "post_id": post_id, "uri": uri, "created_at": utcnow()},
    )
    return created > 0


async def get_uri(conn: AsyncConnection, actor_id: int, post_id: int) -> str | None:
    """The Like id of this actor's like of this post, if any."""
    return (
        await conn.execute(
            select(favourites.c.uri).where(
                favourites.c.actor_id == actor_id, favourites.c.post_id == post_id
            )
        )
    ).scalar_one_or_none()


async def remove(conn: AsyncConnection, actor_id: int, post_id: int) -> bool:
    result = await conn.execute(
        delete(favourites).where(favourites.c.actor_id == actor_id, favourites.c.post_id == post_id)
    )
    return (result.rowcount or 0) > 0


async def remove_by_uri(conn: AsyncConnection, actor_id: int, uri: str) -> bool:
    """Undo(Like): only the liker can take it back."""
    result = await conn.execute(
        delete(favourites).where(favourites.c.actor_id == actor_id, favourites.c.uri == uri)
    )
    return (result.rowcount or 0) > 0


async def counts(conn: AsyncConnection, post_ids: Sequence[int]) -> dict[int, int]:
    if not post_ids:
        return {}
    rows = await conn.execute(
        select(favourites.c.post_id, func.count())
        .where(favourites.c.post_id.in_(post_ids))
        .group_by(favourites.c.post_id)
    )
    return {post_id: count for post_id, count in rows}


async def liked_by(conn: AsyncConnection, actor_id: int, post_ids: Sequence[int]) -> set[int]:
    """Which of `post_ids` this actor liked."""
    if not post_ids:
        return set()
    rows = await conn.execute(
        select(favourites.c.post_id).where(
            favourites.c.actor_id == actor_id, favourites.c.post_id.in_(post_ids)
        )
    )
    return {row.post_id for row in rows}


async def list_of_actor(
    conn: AsyncConnection,
    actor_id: int,
    *,
    max_id: int | None = None,
    min_id: int | None = None,
    limit: int = 20,
) -> list[tuple[int, int]]:
    """(favourite id, post id) of the actor's likes, newest first (paged by favourite id)."""
    query = select(favourites.c.id, favourites.c.post_id).where(favourites.c.actor_id == actor_id)
    rows = await newest_first(
        conn, query, favourites.c.id, max_id=max_id, min_id=min_id, limit=limit
    )
    return [(row.id, row.post_id) for row in rows]


async def likers_of(
    conn: AsyncConnection,
    post_id: int,
    *,
    max_id: int | None = None,
    min_id: int | None = None,
    limit: int = 40,
) -> list[tuple[int, int]]:
    """(favourite id, actor id) of the people who liked a post, newest first (paged by
    favourite id)."""
    query = select(favourites.c.id, favourites.c.actor_id).where(favourites.c.post_id == post_id)
    rows = await newest_first(
        conn, query, favourites.c.id, max_id=max_id, min_id=min_id, limit=limit
    )
    return [(row.id, row.actor_id) for row in rows]
