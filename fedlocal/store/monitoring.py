"""What `/metrics` reports about the queues: counts by state, the age of the oldest work
waiting, and the hosts our deliveries fail to reach (the worst few, named)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import Table, func, or_, select
from sqlalchemy.ext.asyncio import AsyncConnection

from .tables import deliveries, inbox_queue, media_attachments, outgoing_activities, remote_domains


@dataclass(frozen=True)
class QueueDepths:
    inbox: dict[str, int]
    deliveries: dict[str, int]
    fanout_pending: int
    media: dict[str, int]
    oldest_inbox_pending: datetime | None
    oldest_delivery_due: datetime | None
    open_circuits: int


async def _by_state(conn: AsyncConnection, table: Table) -> dict[str, int]:
    rows = await conn.execute(select(table.c.state, func.count()).group_by(table.c.state))
    return {state: count for state, count in rows.all()}


@dataclass(frozen=True)
class InboxDepth:
    by_state: dict[str, int]
    oldest_pending: datetime | None


async def inbox_depth(conn: AsyncConnection) -> InboxDepth:
    """The inbox queue's rows by state and its oldest pending one (`conn` on the queue's
    database, `Database.inbox`)."""
    oldest = select(func.min(inbox_queue.c.received_at)).where(inbox_queue.c.state == "pending")
    return InboxDepth(
        by_state=await _by_state(conn, inbox_queue),
        oldest_pending=(await conn.execute(oldest)).scalar_one(),
    )


async def queue_depths(conn: AsyncConnection, inbox: InboxDepth, now: datetime) -> QueueDepths:
    async def by_state(table: Table) -> dict[str, int]:
        return await _by_state(conn, table)

    media = await by_state(media_attachments)
    return QueueDepths(
        inbox=inbox.by_state,
        deliveries=await by_state(deliveries),
        fanout_pending=(
            await conn.execute(
                select(func.count()).where(outgoing_activities.c.fanout_state == "pending")
            )
        ).scalar_one(),
        media={state: count for state, count in media.items() if state != "ready"},
        oldest_inbox_pending=inbox.oldest_pending,
        oldest_delivery_due=(
            await conn.execute(
                select(func.min(deliveries.c.next_attempt_at)).where(
                    deliveries.c.state == "pending", deliveries.c.next_attempt_at <= now
                )
            )
        ).scalar_one(),
        open_circuits=(
            await conn.execute(select(func.count()).where(remote_domains.c.circuit_state == "open"))
        ).scalar_one(),
    )


async def failing_delivery_hosts(conn: AsyncConnection, limit: int) -> tuple[dict[str, int], int]:
    """Deliveries that failed at least once (retrying or given up), counted by host: the
    `limit` worst hosts, and the sum over all the others."""
    failing = or_(deliveries.c.state == "dead", deliveries.c.attempts > 0)
    count = func.count().label("failures")
    rows = (
        await conn.execute(
            select(deliveries.c.domain, count)
            .where(failing)
            .group_by(deliveries.c.domain)
            .order_by(count.desc(), deliveries.c.domain)
        )
    ).all()
    worst = {domain: failures for domain, failures in rows[:limit]}
    return worst, sum(failures for _, failures in rows[limit:])
