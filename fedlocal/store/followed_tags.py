"""Hashtags our residents follow (`followed_tags`), and the use of a hashtag by day."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import Select, delete, select
from sqlalchemy.ext.asyncio import AsyncConnection

from .clock import utcnow
from .id_pages import newest_first
from .tables import followed_tags, objects, post_hashtags
from .upsert import insert_ignoring_conflicts


async def follow(conn: AsyncConnection, actor_id: int, hashtag: str, name: str) -> None:
    await insert_ignoring_conflicts(
        conn,
        followed_tags,
        {"actor_id": actor_id, "hashtag": hashtag, "name": name, "created_at": utcnow()},
    )


async def unfollow(conn: AsyncConnection, actor_id: int, hashtag: str) -> None:
    await conn.execute(
        delete(followed_tags).where(
            followed_tags.c.actor_id == actor_id, followed_tags.c.hashtag == hashtag
        )
    )


async def followed_among(conn: AsyncConnection, actor_id: int, hashtags: Sequence[str]) -> set[str]:
    if not hashtags:
        return set()
    rows = await conn.execute(
        select(followed_tags.c.hashtag).where(
            followed_tags.c.actor_id == actor_id, followed_tags.c.hashtag.in_(list(hashtags))
        )
    )
    return {row.hashtag for row in rows}


async def followed_by(
    conn: AsyncConnection,
    actor_id: int,
    *,
    max_id: int | None = None,
    min_id: int | None = None,
    limit: int = 100,
) -> list[tuple[int, str]]:
    """(id, name as followed) of the hashtags an actor follows, newest first."""
    query = select(followed_tags.c.id, followed_tags.c.name).where(
        followed_tags.c.actor_id == actor_id
    )
    rows = await newest_first(
        conn, query, followed_tags.c.id, max_id=max_id, min_id=min_id, limit=limit
    )
    return [(row.id, row.name) for row in rows]


def followed_tag_posts(actor_id: int) -> Select[Any]:
    """The ids of posts carrying a hashtag `actor_id` follows (a subquery for home)."""
    tags = select(followed_tags.c.hashtag).where(followed_tags.c.actor_id == actor_id)
    return select(post_hashtags.c.post_id).where(post_hashtags.c.hashtag.in_(tags))


async def uses_since(
    conn: AsyncConnection, hashtag: str, since: datetime, *, limit: int = 10_000
) -> list[tuple[datetime, int]]:
    """(published, author id) of the public posts carrying `hashtag` since `since`."""
    rows = await conn.execute(
        select(objects.c.published, objects.c.actor_id)
        .join(post_hashtags, post_hashtags.c.post_id == objects.c.id)
        .where(
            post_hashtags.c.hashtag == hashtag,
            objects.c.published >= since,
            objects.c.visibility == "public",
            objects.c.deleted_at.is_(None),
        )
        .limit(limit)
    )
    return [(row.published, row.actor_id) for row in rows]
