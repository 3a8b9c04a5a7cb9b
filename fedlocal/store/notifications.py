"""Notifications for our actors."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import Row, delete, insert, select, update
from sqlalchemy.ext.asyncio import AsyncConnection

from ..models import Notification
from . import push as push_store
from .clock import utcnow
from .hidden import notification_shown
from .tables import notifications


def _notification(row: Row[Any]) -> Notification:
    return Notification(
        id=row.id,
        recipient_id=row.recipient_id,
        type=row.type,
        actor_id=row.actor_id,
        post_id=row.post_id,
        created_at=row.created_at,
        read_at=row.read_at,
        warning_id=row.warning_id,
    )


async def add(
    conn: AsyncConnection,
    *,
    recipient_id: int,
    type: str,
    actor_id: int | None = None,
    post_id: int | None = None,
    warning_id: int | None = None,
) -> Notification:
    row = (
        await conn.execute(
            insert(notifications)
            .values(
                recipient_id=recipient_id,
                type=type,
                actor_id=actor_id,
                post_id=post_id,
                warning_id=warning_id,
                created_at=utcnow(),
            )
            .returning(*notifications.c)
        )
    ).one()
    # Pushed to the recipient's apps by the push worker (federation/push.py).
    await push_store.queue_for_many(conn, [row.id], row.created_at)
    return _notification(row)


async def add_many(conn: AsyncConnection, entries: list[dict[str, Any]]) -> None:
    """`add` for several notifications (each a dict of `add`'s arguments but
    `warning_id`), in order: one statement for them, one for their pushes."""
    if not entries:
        return
    now = utcnow()
    ids = (
        await conn.execute(
            _INSERT_RETURNING_ID,
            [{"warning_id": None, **entry, "created_at": now} for entry in entries],
        )
    ).scalars()
    await push_store.queue_for_many(conn, list(ids), now)


# Built once (docs/performance.md, "Statements built once").
_INSERT_RETURNING_ID = insert(notifications).returning(notifications.c.id)


async def list_for(
    conn: AsyncConnection,
    recipient_id: int,
    *,
    types: tuple[str, ...] | None = None,
    max_id: int | None = None,
    since_id: int | None = None,
    limit: int = 20,
) -> list[Notification]:
    """Newest first; `max_id`/`since_id` page like the Mastodon API."""
    query = (
        select(notifications)
        .where(notifications.c.recipient_id == recipient_id, notification_shown(recipient_id))
        .order_by(notifications.c.id.desc())
        .limit(limit)
    )
    if types:
        query = query.where(notifications.c.type.in_(types))
    if max_id is not None:
        query = query.where(notifications.c.id < max_id)
    if since_id is not None:
        query = query.where(notifications.c.id > since_id)
    return [_notification(row) for row in await conn.execute(query)]


async def mark_read(conn: AsyncConnection, recipient_id: int, up_to_id: int) -> None:
    await conn.execute(
        update(notifications)
        .where(
            notifications.c.recipient_id == recipient_id,
            notifications.c.id <= up_to_id,
            notifications.c.read_at.is_(None),
        )
        .values(read_at=utcnow())
    )


async def purge_older_than(conn: AsyncConnection, before: datetime) -> int:
    """Forget notifications made before `before` (`notification_retention_days`)."""
    result = await conn.execute(delete(notifications).where(notifications.c.created_at < before))
    return result.rowcount or 0
