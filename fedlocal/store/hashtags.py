"""The hashtag index of posts: which post carries which tag (normalised form)."""

from __future__ import annotations

from collections.abc import Iterable

from sqlalchemy import delete, func, select
from sqlalchemy.ext.asyncio import AsyncConnection

from .tables import post_hashtags
from .upsert import insert_ignoring_conflicts

MAX_TAG_LENGTH = 100
MAX_TAGS_PER_POST = 30


async def index_post(conn: AsyncConnection, post_id: int, hashtags: Iterable[object]) -> None:
    """Record a post's hashtags (already normalised); junk and repeats are skipped."""
    await index_posts(conn, [(post_id, hashtags)])


async def index_posts(conn: AsyncConnection, posts: Iterable[tuple[int, Iterable[object]]]) -> None:
    """`index_post` for several new posts, in one statement."""
    rows = []
    for post_id, hashtags in posts:
        names = [
            tag.lstrip("#")
            for tag in hashtags
            if isinstance(tag, str) and 0 < len(tag.lstrip("#")) <= MAX_TAG_LENGTH
        ]
        rows += [
            {"hashtag": name, "post_id": post_id}
            for name in list(dict.fromkeys(names))[:MAX_TAGS_PER_POST]
        ]
    if rows:
        await insert_ignoring_conflicts(conn, post_hashtags, rows)


async def reindex_post(conn: AsyncConnection, post_id: int, hashtags: Iterable[object]) -> None:
    """Replace a post's hashtags (an edit)."""
    await conn.execute(delete(post_hashtags).where(post_hashtags.c.post_id == post_id))
    await index_post(conn, post_id, hashtags)


async def tags_starting_with(conn: AsyncConnection, prefix: str, *, limit: int) -> list[str]:
    """Known hashtags starting with `prefix`, the most used first."""
    prefix = prefix.replace("\\", "").replace("%", "").replace("_", "\\_")
    rows = await conn.execute(
        select(post_hashtags.c.hashtag)
        .where(post_hashtags.c.hashtag.like(f"{prefix}%", escape="\\"))
        .group_by(post_hashtags.c.hashtag)
        .order_by(func.count().desc(), post_hashtags.c.hashtag)
        .limit(limit)
    )
    return [row.hashtag for row in rows]
