"""Notification policies, the senders a resident accepted, and the notifications the
grouped views and the requests read (by time window, by sender)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import delete, select, update
from sqlalchemy.ext.asyncio import AsyncConnection

from ..models import Notification
from .notifications import _notification
from .tables import notification_permissions, notification_policies, notifications
from .upsert import insert_ignoring_conflicts

RULES = (
    "for_not_following",
    "for_not_followers",
    "for_new_accounts",
    "for_private_mentions",
    "for_limited_accounts",
)


async def policy_of(conn: AsyncConnection, actor_id: int) -> dict[str, Any] | None:
    row = (
        await conn.execute(
            select(notification_policies).where(notification_policies.c.actor_id == actor_id)
        )
    ).first()
    return dict(row._mapping) if row else None


async def save_policy(
    conn: AsyncConnection, actor_id: int, rules: Mapping[str, str], at: datetime
) -> None:
    """Store the whole policy (every rule in `rules`)."""
    values = {rule: rules[rule] for rule in RULES}
    inserted = await insert_ignoring_conflicts(
        conn, notification_policies, {"actor_id": actor_id, **values, "updated_at": at}
    )
    if not inserted:
        await conn.execute(
            update(notification_policies)
            .where(notification_policies.c.actor_id == actor_id)
            .values(**values, updated_at=at)
        )


async def permitted(conn: AsyncConnection, actor_id: int, sender_ids: Sequence[int]) -> set[int]:
    """Which of `sender_ids` the resident accepted notifications from."""
    if not sender_ids:
        return set()
    rows = await conn.execute(
        select(notification_permissions.c.sender_id).where(
            notification_permissions.c.actor_id == actor_id,
            notification_permissions.c.sender_id.in_(list(sender_ids)),
        )
    )
    return {row.sender_id for row in rows}


async def permit(
    conn: AsyncConnection, actor_id: int, sender_ids: Sequence[int], at: datetime
) -> None:
    await insert_ignoring_conflicts(
        conn,
        notification_permissions,
        [{"actor_id": actor_id, "sender_id": s, "created_at": at} for s in set(sender_ids)],
    )


async def created_between(
    conn: AsyncConnection, recipient_id: int, start: datetime, end: datetime, *, limit: int
) -> list[Notification]:
    """The recipient's notifications made in [start, end), newest first."""
    rows = await conn.execute(
        select(notifications)
        .where(
            notifications.c.recipient_id == recipient_id,
            notifications.c.created_at >= start,
            notifications.c.created_at < end,
        )
        .order_by(notifications.c.id.desc())
        .limit(limit)
    )
    return [_notification(row) for row in rows]


async def from_senders(
    conn: AsyncConnection, recipient_id: int, sender_ids: Sequence[int] | None, *, limit: int
) -> list[Notification]:
    """The recipient's notifications from `sender_ids` (from anyone with None), newest
    first."""
    query = select(notifications).where(notifications.c.recipient_id == recipient_id)
    if sender_ids is not None:
        query = query.where(notifications.c.actor_id.in_(list(sender_ids)))
    rows = await conn.execute(query.order_by(notifications.c.id.desc()).limit(limit))
    return [_notification(row) for row in rows]


async def dismiss_many(
    conn: AsyncConnection, recipient_id: int, notification_ids: Sequence[int]
) -> int:
    if not notification_ids:
        return 0
    result = await conn.execute(
        delete(notifications).where(
            notifications.c.recipient_id == recipient_id,
            notifications.c.id.in_(list(notification_ids)),
        )
    )
    return result.rowcount or 0
