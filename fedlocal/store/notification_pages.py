"""Notifications as the client API lists them: paged, filtered by type, dismissed."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import delete, func, select
from sqlalchemy.ext.asyncio import AsyncConnection

from ..models import Notification
from .hidden import notification_shown
from .notifications import _notification
from .tables import notifications
from .timelines import Page, apply_page


async def page_for(
    conn: AsyncConnection,
    recipient_id: int,
    page: Page,
    *,
    types: Sequence[str] | None = None,
    exclude_types: Sequence[str] = (),
    since_id: int | None = None,
) -> list[Notification]:
    query = select(notifications).where(
        notifications.c.recipient_id == recipient_id, notification_shown(recipient_id)
    )
    if types is not None:
        query = query.where(notifications.c.type.in_(list(types)))
    if exclude_types:
        query = query.where(notifications.c.type.not_in(list(exclude_types)))
    rows = list(await conn.execute(apply_page(query, notifications.c.id, page)))
    if page.min_id is not None:
        rows.reverse()
    return [_notification(row) for row in rows]


async def get_for(
    conn: AsyncConnection, recipient_id: int, notification_id: int
) -> Notification | None:
    row = (
        await conn.execute(
            select(notifications).where(
                notifications.c.id == notification_id,
                notifications.c.recipient_id == recipient_id,
                notification_shown(recipient_id),
            )
        )
    ).first()
    return _notification(row) if row else None


async def dismiss(conn: AsyncConnection, recipient_id: int, notification_id: int) -> bool:
    result = await conn.execute(
        delete(notifications).where(
            notifications.c.id == notification_id, notifications.c.recipient_id == recipient_id
        )
    )
    return (result.rowcount or 0) > 0


async def clear(conn: AsyncConnection, recipient_id: int) -> int:
    result = await conn.execute(
        delete(notifications).where(notifications.c.recipient_id == recipient_id)
    )
    return result.rowcount or 0


async def newest_id(conn: AsyncConnection, recipient_id: int) -> int:
    return (
        await conn.execute(
            select(func.max(notifications.c.id)).where(notifications.c.recipient_id == recipient_id)
        )
    ).scalar_one() or 0
