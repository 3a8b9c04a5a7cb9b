"""Our residents' bookmarks: private marks on posts, never federated."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import delete, select
from sqlalchemy.ext.asyncio import AsyncConnection

from .clock import utcnow
from .id_pages import newest_first
from .tables import bookmarks
from .upsert import insert_ignoring_conflicts


async def add(conn: AsyncConnection, actor_id: int, post_id: int) -> bool:
    """Bookmark a post; False when it already was."""
    created = await insert_ignoring_conflicts(
        conn, bookmarks, {"actor_id": actor_id, "post_id": post_id, "created_at": utcnow()}
    )
    return created > 0


async def remove(conn: AsyncConnection, actor_id: int, post_id: int) -> None:
    await conn.execute(
        delete(bookmarks).where(bookmarks.c.actor_id == actor_id, bookmarks.c.post_id == post_id)
    )


async def among(conn: AsyncConnection, actor_id: int, post_ids: Sequence[int]) -> set[int]:
    """Which of `post_ids` this actor bookmarked."""
    if not post_ids:
        return set()
    rows = await conn.execute(
        select(bookmarks.c.post_id).where(
            bookmarks.c.actor_id == actor_id, bookmarks.c.post_id.in_(list(post_ids))
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
    """(bookmark id, post id) of the actor's bookmarks, newest first (paged by bookmark
    id)."""
    query = select(bookmarks.c.id, bookmarks.c.post_id).where(bookmarks.c.actor_id == actor_id)
    rows = await newest_first(
        conn, query, bookmarks.c.id, max_id=max_id, min_id=min_id, limit=limit
    )
    return [(row.id, row.post_id) for row in rows]
