"""How many notifications an actor has not seen yet (the badge in the web app's menu)."""

from __future__ import annotations

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncConnection

from .hidden import notification_shown
from .tables import notifications

# The badge says "99+" beyond this; counting further is wasted work.
COUNT_CAP = 100


async def count_unread(conn: AsyncConnection, recipient_id: int) -> int:
    unread = (
        select(notifications.c.id)
        .where(
            notifications.c.recipient_id == recipient_id,
            notifications.c.read_at.is_(None),
            notification_shown(recipient_id),
        )
        .limit(COUNT_CAP)
        .subquery()
    )
    return (await conn.execute(select(func.count()).select_from(unread))).scalar_one()
