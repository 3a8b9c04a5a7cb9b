"""Our copies of other servers' pictures (the `remote_media` table): which remote address
each file copies, how large the copies are, and which to evict first."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Row, delete, func, insert, select
from sqlalchemy.ext.asyncio import AsyncConnection

from .clock import utcnow
from .tables import remote_media


@dataclass(frozen=True)
class RemoteCopy:
    """One remote picture as we keep it."""

    id: int
    remote_url: str
    file_key: str
    content_type: str
    width: int
    height: int
    small_key: str
    small_content_type: str
    small_width: int
    small_height: int
    blurhash: str | None
    size_bytes: int
    fetched_at: datetime


def _copy(row: Row[Any]) -> RemoteCopy:
    return RemoteCopy(**{column.name: getattr(row, column.name) for column in remote_media.c})


async def by_urls(conn: AsyncConnection, urls: Sequence[str]) -> dict[str, RemoteCopy]:
    """The copies we hold of these addresses, by address."""
    if not urls:
        return {}
    rows = await conn.execute(
        select(remote_media).where(remote_media.c.remote_url.in_(list(set(urls))))
    )
    return {row.remote_url: _copy(row) for row in rows}


async def insert_copy(conn: AsyncConnection, **fields: Any) -> RemoteCopy | None:
    """Record a copy; None when another worker recorded the same address meanwhile."""
    if await by_urls(conn, [fields["remote_url"]]):
        return None
    row = (
        await conn.execute(
            insert(remote_media).values(fetched_at=utcnow(), **fields).returning(*remote_media.c)
        )
    ).one()
    return _copy(row)


async def total_bytes(conn: AsyncConnection) -> int:
    found = await conn.execute(select(func.coalesce(func.sum(remote_media.c.size_bytes), 0)))
    return int(found.scalar_one())


async def oldest(conn: AsyncConnection, limit: int) -> list[RemoteCopy]:
    rows = await conn.execute(
        select(remote_media).order_by(remote_media.c.fetched_at, remote_media.c.id).limit(limit)
    )
    return [_copy(row) for row in rows]


async def delete_copies(conn: AsyncConnection, ids: Sequence[int]) -> None:
    if ids:
        await conn.execute(delete(remote_media).where(remote_media.c.id.in_(list(ids))))


async def keys_in_use(conn: AsyncConnection, keys: Sequence[str]) -> set[str]:
    """Which of these file keys a copy still names."""
    if not keys:
        return set()
    wanted = list(set(keys))
    rows = await conn.execute(
        select(remote_media.c.file_key, remote_media.c.small_key).where(
            remote_media.c.file_key.in_(wanted) | remote_media.c.small_key.in_(wanted)
        )
    )
    return {key for row in rows for key in (row.file_key, row.small_key)} & set(wanted)
