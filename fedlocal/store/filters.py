"""Residents' filters with their keywords and statuses. A filter is read whole: its row,
keywords and statuses, in three queries for any number of filters."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import delete, insert, or_, select, update
from sqlalchemy.ext.asyncio import AsyncConnection

from ..models import Filter, FilterKeyword, FilterStatus
from .tables import filter_keywords, filter_statuses, filters
from .upsert import insert_ignoring_conflicts


def _keyword(row: Any) -> FilterKeyword:
    return FilterKeyword(row.id, row.filter_id, row.keyword, row.whole_word)


def _status(row: Any) -> FilterStatus:
    return FilterStatus(row.id, row.filter_id, row.post_id)


async def _whole(conn: AsyncConnection, rows: Sequence[Any]) -> list[Filter]:
    ids = [row.id for row in rows]
    if not ids:
        return []
    keywords: dict[int, list[FilterKeyword]] = {}
    for row in await conn.execute(
        select(filter_keywords)
        .where(filter_keywords.c.filter_id.in_(ids))
        .order_by(filter_keywords.c.id)
    ):
        keywords.setdefault(row.filter_id, []).append(_keyword(row))
    statuses: dict[int, list[FilterStatus]] = {}
    for row in await conn.execute(
        select(filter_statuses)
        .where(filter_statuses.c.filter_id.in_(ids))
        .order_by(filter_statuses.c.id)
    ):
        statuses.setdefault(row.filter_id, []).append(_status(row))
    return [
        Filter(
            id=row.id,
            actor_id=row.actor_id,
            title=row.title,
            context=tuple(c for c in row.context.split(",") if c),
            action=row.action,
            expires_at=row.expires_at,
            keywords=tuple(keywords.get(row.id, ())),
            statuses=tuple(statuses.get(row.id, ())),
        )
        for row in rows
    ]


async def filters_of(
    conn: AsyncConnection, actor_id: int, *, active_at: datetime | None = None
) -> list[Filter]:
    """The actor's filters, oldest first; with `active_at`, only those not expired then."""
    query = select(filters).where(filters.c.actor_id == actor_id)
    if active_at is not None:
        query = query.where(or_(filters.c.expires_at.is_(None), filters.c.expires_at > active_at))
    rows = list(await conn.execute(query.order_by(filters.c.id)))
    return await _whole(conn, rows)


async def get(conn: AsyncConnection, filter_id: int) -> Filter | None:
    rows = list(await conn.execute(select(filters).where(filters.c.id == filter_id)))
    found = await _whole(conn, rows)
    return found[0] if found else None


async def create(
    conn: AsyncConnection,
    actor_id: int,
    *,
    title: str,
    context: Sequence[str],
    action: str,
    expires_at: datetime | None,
    at: datetime,
) -> int:
    result = await conn.execute(
        insert(filters).values(
            actor_id=actor_id,
            title=title,
            context=",".join(context),
            action=action,
            expires_at=expires_at,
            created_at=at,
        )
    )
    return int(result.inserted_primary_key[0])  # type: ignore[index]


async def change(conn: AsyncConnection, filter_id: int, **values: Any) -> None:
    if "context" in values:
        values["context"] = ",".join(values["context"])
    if values:
        await conn.execute(update(filters).where(filters.c.id == filter_id).values(**values))


async def remove(conn: AsyncConnection, filter_id: int) -> None:
    await conn.execute(delete(filters).where(filters.c.id == filter_id))


async def add_keyword(conn: AsyncConnection, filter_id: int, keyword: str, whole_word: bool) -> int:
    result = await conn.execute(
        insert(filter_keywords).values(filter_id=filter_id, keyword=keyword, whole_word=whole_word)
    )
    return int(result.inserted_primary_key[0])  # type: ignore[index]


async def keyword(conn: AsyncConnection, keyword_id: int) -> FilterKeyword | None:
    row = (
        await conn.execute(select(filter_keywords).where(filter_keywords.c.id == keyword_id))
    ).first()
    return _keyword(row) if row else None


async def change_keyword(conn: AsyncConnection, keyword_id: int, **values: Any) -> None:
    if values:
        await conn.execute(
            update(filter_keywords).where(filter_keywords.c.id == keyword_id).values(**values)
        )


async def remove_keyword(conn: AsyncConnection, keyword_id: int) -> None:
    await conn.execute(delete(filter_keywords).where(filter_keywords.c.id == keyword_id))


async def add_status(conn: AsyncConnection, filter_id: int, post_id: int) -> FilterStatus:
    await insert_ignoring_conflicts(
        conn, filter_statuses, {"filter_id": filter_id, "post_id": post_id}
    )
    row = (
        await conn.execute(
            select(filter_statuses).where(
                filter_statuses.c.filter_id == filter_id, filter_statuses.c.post_id == post_id
            )
        )
    ).one()
    return _status(row)


async def status(conn: AsyncConnection, filter_status_id: int) -> FilterStatus | None:
    row = (
        await conn.execute(select(filter_statuses).where(filter_statuses.c.id == filter_status_id))
    ).first()
    return _status(row) if row else None


async def remove_status(conn: AsyncConnection, filter_status_id: int) -> None:
    await conn.execute(delete(filter_statuses).where(filter_statuses.c.id == filter_status_id))
