"""What the streams read besides timelines: posts deleted lately (for `delete` events to
every stream that could have shown them) and the hashtags they carried."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncConnection

from ..models import Post
from .post_columns import post_from_row
from .tables import objects, post_hashtags


async def deleted_since(conn: AsyncConnection, since: datetime, *, limit: int) -> list[Post]:
    """Posts tombstoned after `since`, oldest deletion first."""
    query = (
        select(objects)
        .where(objects.c.deleted_at > since)
        .order_by(objects.c.deleted_at, objects.c.id)
        .limit(limit)
    )
    return [post_from_row(row) for row in await conn.execute(query)]


async def hashtags_of(conn: AsyncConnection, post_ids: Sequence[int]) -> dict[int, set[str]]:
    """The normalised hashtags each of `post_ids` carries (a tombstone keeps them)."""
    if not post_ids:
        return {}
    found: dict[int, set[str]] = {}
    rows = await conn.execute(
        select(post_hashtags.c.post_id, post_hashtags.c.hashtag).where(
            post_hashtags.c.post_id.in_(list(post_ids))
        )
    )
    for row in rows:
        found.setdefault(row.post_id, set()).add(row.hashtag)
    return found
