"""Uploaded pictures (the `media_attachments` table): waiting uploads, post attachments,
avatars and header images. The files are elsewhere (fedlocal/media/files.py); this
module says which rows name which files, so the last row's going removes its file."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import Row, delete, func, insert, or_, select, update
from sqlalchemy.ext.asyncio import AsyncConnection

from ..models import MediaUpload
from .clock import utcnow
from .tables import media_attachments as media

_FIELDS = (
    "purpose",
    "file_key",
    "content_type",
    "width",
    "height",
    "small_key",
    "small_content_type",
    "small_width",
    "small_height",
    "blurhash",
    "description",
    "focus_x",
    "focus_y",
    "state",
)


def _upload(row: Row[Any]) -> MediaUpload:
    return MediaUpload(
        id=row.id,
        actor_id=row.actor_id,
        post_id=row.post_id,
        purpose=row.purpose,
        file_key=row.file_key,
        content_type=row.content_type,
        width=row.width,
        height=row.height,
        small_key=row.small_key,
        small_content_type=row.small_content_type,
        small_width=row.small_width,
        small_height=row.small_height,
        blurhash=row.blurhash,
        description=row.description,
        focus_x=row.focus_x,
        focus_y=row.focus_y,
        created_at=row.created_at,
        attached_at=row.attached_at,
        position=row.position,
        state=row.state,
        error=row.error,
    )


async def insert_upload(
    conn: AsyncConnection, *, actor_id: int, attached: bool = False, **fields: Any
) -> MediaUpload:
    """A new upload of `actor_id`'s; `attached` for an avatar or header (in use at once)."""
    now = utcnow()
    values = {k: v for k, v in fields.items() if k in _FIELDS}
    row = (
        await conn.execute(
            insert(media)
            .values(
                actor_id=actor_id,
                created_at=now,
                attached_at=now if attached else None,
                position=0,
                **values,
            )
            .returning(*media.c)
        )
    ).one()
    return _upload(row)


async def get_upload(conn: AsyncConnection, media_id: int) -> MediaUpload | None:
    row = (await conn.execute(select(media).where(media.c.id == media_id))).first()
    return _upload(row) if row else None


async def uploads_by_ids(conn: AsyncConnection, ids: Sequence[int]) -> dict[int, MediaUpload]:
    if not ids:
        return {}
    rows = await conn.execute(select(media).where(media.c.id.in_(list(ids))))
    return {row.id: _upload(row) for row in rows}


async def describe(
    conn: AsyncConnection, media_id: int, *, description: str | None, focus: tuple[float, float]
) -> MediaUpload:
    row = (
        await conn.execute(
            update(media)
            .where(media.c.id == media_id)
            .values(description=description, focus_x=focus[0], focus_y=focus[1])
            .returning(*media.c)
        )
    ).one()
    return _upload(row)


async def finish_processing(
    conn: AsyncConnection, media_id: int, **fields: Any
) -> MediaUpload | None:
    """Fill in a processing upload's files and make it ready; None if the row is gone
    (swept, or its account removed) or no longer processing."""
    values = {k: v for k, v in fields.items() if k in _FIELDS}
    row = (
        await conn.execute(
            update(media)
            .where(media.c.id == media_id, media.c.state == "processing")
            .values(state="ready", error=None, **values)
            .returning(*media.c)
        )
    ).first()
    return _upload(row) if row else None


async def fail_processing(conn: AsyncConnection, media_id: int, error: str) -> None:
    """Mark a processing upload failed, saying why."""
    await conn.execute(
        update(media)
        .where(media.c.id == media_id, media.c.state == "processing")
        .values(state="failed", error=error)
    )


async def attach(conn: AsyncConnection, post_id: int, media_ids: Sequence[int]) -> None:
    """Attach waiting uploads to a post, in the order given."""
    now = utcnow()
    for position, media_id in enumerate(media_ids):
        await conn.execute(
            update(media)
            .where(media.c.id == media_id)
            .values(post_id=post_id, attached_at=now, position=position)
        )


async def of_post(conn: AsyncConnection, post_id: int) -> list[MediaUpload]:
    rows = await conn.execute(
        select(media).where(media.c.post_id == post_id).order_by(media.c.position)
    )
    return [_upload(row) for row in rows]


async def of_actor(
    conn: AsyncConnection, actor_id: int, purpose: str | None = None
) -> list[MediaUpload]:
    query = select(media).where(media.c.actor_id == actor_id)
    if purpose is not None:
        query = query.where(media.c.purpose == purpose)
    return [_upload(row) for row in await conn.execute(query.order_by(media.c.id))]


async def waiting_since(
    conn: AsyncConnection, before: datetime, *, limit: int
) -> list[MediaUpload]:
    """Uploads never attached, made before `before` (oldest first)."""
    rows = await conn.execute(
        select(media)
        .where(media.c.attached_at.is_(None), media.c.created_at < before)
        .order_by(media.c.id)
        .limit(limit)
    )
    return [_upload(row) for row in rows]


async def delete_uploads(conn: AsyncConnection, ids: Sequence[int]) -> None:
    if ids:
        await conn.execute(delete(media).where(media.c.id.in_(list(ids))))


async def keys_in_use(conn: AsyncConnection, keys: Sequence[str]) -> set[str]:
    """Which of these file keys a row still names."""
    if not keys:
        return set()
    wanted = list(set(keys))
    rows = await conn.execute(
        select(media.c.file_key, media.c.small_key).where(
            or_(media.c.file_key.in_(wanted), media.c.small_key.in_(wanted))
        )
    )
    used = {key for row in rows for key in (row.file_key, row.small_key)}
    return used & set(wanted)


async def count_uploads(conn: AsyncConnection) -> int:
    return int((await conn.execute(select(func.count()).select_from(media))).scalar_one())
