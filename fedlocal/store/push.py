"""Web Push subscriptions (one per access token) and the queue of pushes to send.

A notification queues one row per subscription of its recipient, in the transaction that
stores it (`queue_for_many`), so a crash loses no push; the push worker claims due rows by
moving their next attempt past a lease, and deletes them once sent or given up."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import bindparam, delete, insert, literal, select, update
from sqlalchemy.ext.asyncio import AsyncConnection

from ..models import PushDelivery, PushSubscription
from .clock import utcnow
from .tables import notifications, oauth_access_tokens, push_deliveries, push_subscriptions


def _subscription(row: Any) -> PushSubscription:
    return PushSubscription(
        id=row.id,
        token_id=row.token_id,
        actor_id=row.actor_id,
        endpoint=row.endpoint,
        p256dh=row.p256dh,
        auth=row.auth,
        alerts=tuple(a for a in row.alerts.split(",") if a),
        policy=row.policy,
        standard=row.standard,
    )


async def of_token(conn: AsyncConnection, token_id: int) -> PushSubscription | None:
    row = (
        await conn.execute(
            select(push_subscriptions).where(push_subscriptions.c.token_id == token_id)
        )
    ).first()
    return _subscription(row) if row else None


async def get(conn: AsyncConnection, subscription_id: int) -> PushSubscription | None:
    row = (
        await conn.execute(
            select(push_subscriptions).where(push_subscriptions.c.id == subscription_id)
        )
    ).first()
    return _subscription(row) if row else None


async def replace(
    conn: AsyncConnection,
    *,
    token_id: int,
    actor_id: int,
    endpoint: str,
    p256dh: str,
    auth: str,
    alerts: Sequence[str],
    policy: str,
    standard: bool,
    at: datetime,
) -> PushSubscription:
    """The token's subscription, replacing the one it had (Mastodon's rule)."""
    await conn.execute(delete(push_subscriptions).where(push_subscriptions.c.token_id == token_id))
    await conn.execute(
        insert(push_subscriptions).values(
            token_id=token_id,
            actor_id=actor_id,
            endpoint=endpoint,
            p256dh=p256dh,
            auth=auth,
            alerts=",".join(alerts),
            policy=policy,
            standard=standard,
            created_at=at,
        )
    )
    found = await of_token(conn, token_id)
    assert found is not None
    return found


async def change(
    conn: AsyncConnection, subscription_id: int, *, alerts: Sequence[str], policy: str
) -> None:
    await conn.execute(
        update(push_subscriptions)
        .where(push_subscriptions.c.id == subscription_id)
        .values(alerts=",".join(alerts), policy=policy)
    )


async def remove(conn: AsyncConnection, subscription_id: int) -> None:
    """The subscription and its queued pushes."""
    await conn.execute(
        delete(push_deliveries).where(push_deliveries.c.subscription_id == subscription_id)
    )
    await conn.execute(delete(push_subscriptions).where(push_subscriptions.c.id == subscription_id))


async def token_alive(conn: AsyncConnection, token_id: int) -> bool:
    """Whether the subscription's token still works (not revoked, not expired)."""
    row = (
        await conn.execute(
            select(oauth_access_tokens.c.revoked_at, oauth_access_tokens.c.expires_at).where(
                oauth_access_tokens.c.id == token_id
            )
        )
    ).first()
    if row is None or row.revoked_at is not None:
        return False
    return row.expires_at is None or row.expires_at > utcnow()


async def remove_of_token(conn: AsyncConnection, token_id: int) -> None:
    found = await of_token(conn, token_id)
    if found is not None:
        await remove(conn, found.id)


async def queue_for_many(conn: AsyncConnection, notification_ids: list[int], at: datetime) -> None:
    """One push per subscription of each notification's recipient (none for a recipient
    without subscriptions), for notifications made at `at`, in one statement."""
    if not notification_ids:
        return
    await conn.execute(_QUEUE_FOR_MANY, {"ids": notification_ids, "at": at, "created": at})


# Built once (docs/performance.md, "Statements built once"): every mention runs it.
_QUEUE_FOR_MANY = insert(push_deliveries).from_select(
    ["subscription_id", "notification_id", "state", "attempts", "next_attempt_at", "created_at"],
    select(
        push_subscriptions.c.id,
        notifications.c.id,
        literal("pending"),
        literal(0),
        bindparam("at", type_=push_deliveries.c.next_attempt_at.type),
        bindparam("created", type_=push_deliveries.c.created_at.type),
    )
    .join(notifications, notifications.c.recipient_id == push_subscriptions.c.actor_id)
    .where(notifications.c.id.in_(bindparam("ids", expanding=True)))
    .order_by(notifications.c.id, push_subscriptions.c.id),
)


async def claim(
    conn: AsyncConnection, *, limit: int, now: datetime, lease: timedelta
) -> list[PushDelivery]:
    """Lease up to `limit` due pushes: their next attempt moves past the lease, so
    another worker does not take them meanwhile."""
    due = (
        select(push_deliveries.c.id)
        .where(push_deliveries.c.state == "pending", push_deliveries.c.next_attempt_at <= now)
        .order_by(push_deliveries.c.next_attempt_at, push_deliveries.c.id)
        .limit(limit)
        .with_for_update(skip_locked=True)
    )
    claimed = (
        (
            await conn.execute(
                update(push_deliveries)
                .where(push_deliveries.c.id.in_(due.scalar_subquery()))
                .values(next_attempt_at=now + lease)
                .returning(push_deliveries.c.id)
            )
        )
        .scalars()
        .all()
    )
    if not claimed:
        return []
    rows = await conn.execute(
        select(push_deliveries)
        .where(push_deliveries.c.id.in_(list(claimed)))
        .order_by(push_deliveries.c.id)
    )
    return [
        PushDelivery(row.id, row.subscription_id, row.notification_id, row.attempts) for row in rows
    ]


async def done(conn: AsyncConnection, delivery_id: int) -> None:
    await conn.execute(delete(push_deliveries).where(push_deliveries.c.id == delivery_id))


async def retry_later(conn: AsyncConnection, delivery_id: int, *, at: datetime, error: str) -> None:
    await conn.execute(
        update(push_deliveries)
        .where(push_deliveries.c.id == delivery_id)
        .values(attempts=push_deliveries.c.attempts + 1, next_attempt_at=at, last_error=error)
    )


async def give_up(conn: AsyncConnection, delivery_id: int, *, error: str) -> None:
    await conn.execute(
        update(push_deliveries)
        .where(push_deliveries.c.id == delivery_id)
        .values(state="dead", attempts=push_deliveries.c.attempts + 1, last_error=error)
    )


async def purge_dead(conn: AsyncConnection, *, before: datetime) -> int:
    """Forget pushes given up on before `before`; how many."""
    result = await conn.execute(
        delete(push_deliveries).where(
            push_deliveries.c.state == "dead", push_deliveries.c.created_at < before
        )
    )
    return result.rowcount or 0
