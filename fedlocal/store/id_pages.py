"""One page of rows ordered by an id column, newest first, as Mastodon's `Link` paging
reads them: below `max_id`, or the `limit` rows just above `min_id`."""

from __future__ import annotations

from typing import Any

from sqlalchemy import ColumnElement, Row, Select
from sqlalchemy.ext.asyncio import AsyncConnection


async def newest_first(
    conn: AsyncConnection,
    query: Select[Any],
    column: ColumnElement[Any],
    *,
    max_id: int | None,
    min_id: int | None,
    limit: int,
) -> list[Row[Any]]:
    if max_id is not None:
        query = query.where(column < max_id)
    if min_id is not None:
        query = query.where(column > min_id)
        rows = list(await conn.execute(query.order_by(column).limit(limit)))
        rows.reverse()
        return rows
    return list(await conn.execute(query.order_by(column.desc()).limit(limit)))
