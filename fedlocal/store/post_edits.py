"""Earlier versions of edited posts (`post_edits`): a post's edit history, and the edits
streams tell their clients of."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import insert, select
from sqlalchemy.ext.asyncio import AsyncConnection

from ..models import Post, PostVersion
from .extras import post_data, post_fields
from .tables import post_edits


def text_changed(before: Post, after: Post) -> bool:
    """Whether an edit changed what a reader sees of the post's text (a status step
    alone changes none of it, and makes no version)."""
    return (before.content, before.summary, before.name, before.sensitive, before.attachments) != (
        after.content,
        after.summary,
        after.name,
        after.sensitive,
        after.attachments,
    )


async def keep_version(conn: AsyncConnection, before: Post) -> None:
    """Keep `before` (a post about to be replaced by its edit) in its history."""
    extras = post_data({"attachments": before.attachments}) or {}
    await conn.execute(
        insert(post_edits).values(
            post_id=before.id,
            content=before.content,
            summary=before.summary,
            name=before.name,
            sensitive=before.sensitive,
            attachments=extras.get("attachments"),
            created_at=before.edited_at or before.published,
        )
    )


async def versions_of(conn: AsyncConnection, post_id: int) -> list[PostVersion]:
    """The post's earlier versions, oldest first."""
    rows = await conn.execute(
        select(post_edits).where(post_edits.c.post_id == post_id).order_by(post_edits.c.id)
    )
    return [
        PostVersion(
            content=row.content,
            summary=row.summary,
            name=row.name,
            sensitive=row.sensitive,
            attachments=post_fields({"attachments": row.attachments})["attachments"],
            created_at=row.created_at,
        )
        for row in rows
    ]


async def with_versions(conn: AsyncConnection, post_ids: Sequence[int]) -> set[int]:
    """Those of `post_ids` that have an earlier version (their text was edited)."""
    if not post_ids:
        return set()
    rows = await conn.execute(
        select(post_edits.c.post_id).where(post_edits.c.post_id.in_(list(post_ids))).distinct()
    )
    return {row.post_id for row in rows}


async def newest_id(conn: AsyncConnection) -> int:
    found = (await conn.execute(select(post_edits.c.id).order_by(post_edits.c.id.desc()))).first()
    return found.id if found else 0


async def edited_after(
    conn: AsyncConnection, after_id: int, limit: int
) -> Sequence[tuple[int, int]]:
    """(edit id, post id) of the edits recorded after `after_id`, oldest first."""
    rows = await conn.execute(
        select(post_edits.c.id, post_edits.c.post_id)
        .where(post_edits.c.id > after_id)
        .order_by(post_edits.c.id)
        .limit(limit)
    )
    return [(row.id, row.post_id) for row in rows]
