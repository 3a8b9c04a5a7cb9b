"""The inbox queue: raw activities written before the 202, processed by the inbox worker."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import (
    ColumnElement,
    Integer,
    bindparam,
    delete,
    func,
    insert,
    select,
    text,
    update,
)
from sqlalchemy.ext.asyncio import AsyncConnection

from .clock import utcnow
from .leases import claim_due, lease_now, lease_rows
from .tables import inbox_queue


@dataclass(frozen=True)
class InboxItem:
    id: int
    body: bytes
    activity_uri: str | None
    actor_uri: str | None
    key_id: str | None
    attempts: int
    received_at: datetime


async def enqueue(
    conn: AsyncConnection,
    *,
    body: bytes,
    activity_uri: str | None,
    actor_uri: str | None,
    key_id: str | None,
) -> int:
    now = utcnow()
    found: int = (
        await conn.execute(
            insert(inbox_queue)
            .values(
                received_at=now,
                body=body,
                activity_uri=activity_uri,
                actor_uri=actor_uri,
                key_id=key_id,
                state="pending",
                attempts=0,
                next_attempt_at=now,
            )
            .returning(inbox_queue.c.id)
        )
    ).scalar_one()
    return found


async def is_pending(conn: AsyncConnection, activity_uri: str) -> bool:
    """Whether an activity with this idempotency key already waits in the queue."""
    row = await conn.execute(
        select(inbox_queue.c.id)
        .where(inbox_queue.c.activity_uri == activity_uri, inbox_queue.c.state == "pending")
        .limit(1)
    )
    return row.first() is not None


async def claim(
    conn: AsyncConnection, *, limit: int, lease: timedelta, now: datetime | None = None
) -> list[InboxItem]:
    """Lease up to `limit` due items. A crashed worker's lease expires and the items come back.

    On PostgreSQL `SKIP LOCKED` lets several workers claim side by side; on SQLite the
    single writer serialises claims.
    """
    now = now or utcnow()
    rows = await conn.execute(_CLAIM, {"now": now, "until": now + lease, "limit": limit})
    items = [InboxItem(*row) for row in rows]
    return sorted(items, key=lambda item: item.id)


# Built once (docs/performance.md, "Statements built once"): every batch claims and
# completes. In the order items come due, which for new ones is their arrival (the id
# breaks ties: a group of appends shares one instant). That is the order of the index
# on (state, next_attempt_at), whose entries end with the id: the claim reads the due
# range in order and stops at `limit`. In the order of ids alone, SQLite read and sorted
# every due row first: 1.4 ms against 0.4 ms for 50 of 1,000 queued, in each batch's
# write transaction (docs/performance.md, "The claim in the index's order").
_NOW = lease_now(inbox_queue)
_CLAIM = claim_due(
    inbox_queue,
    _NOW,
    order_by=[inbox_queue.c.next_attempt_at, inbox_queue.c.id],
    returning=[
        inbox_queue.c.id,
        inbox_queue.c.body,
        inbox_queue.c.activity_uri,
        inbox_queue.c.actor_uri,
        inbox_queue.c.key_id,
        inbox_queue.c.attempts,
        inbox_queue.c.received_at,
    ],
)


async def due_up_to(conn: AsyncConnection, limit: int, now: datetime | None = None) -> int:
    """How many activities wait to be processed now, counted up to `limit` and no further:
    an index range of at most `limit` rows, however long the queue (the inbox asks it
    while it holds requests back, `federation/admission.py`). Those waiting for a retry
    are not counted.

    On PostgreSQL it turns bitmap scans off for the rest of the caller's transaction: the
    planner picks one here, and a bitmap scan visits the heap page of every row the worker
    deleted since the last vacuum at every count (3-10 ms at a few thousand), where an
    index scan marks their entries dead the first time and skips them after (0.5 ms)."""
    if conn.dialect.name == "postgresql":
        await conn.execute(_INDEX_ORDER)
    found: int = (
        await conn.execute(_DUE_UP_TO, {"now": now or utcnow(), "limit": limit})
    ).scalar_one()
    return found


_INDEX_ORDER = text("SET LOCAL enable_bitmapscan = off")


_DUE_UP_TO = select(func.count()).select_from(
    select(inbox_queue.c.id)
    .where(inbox_queue.c.state == "pending", inbox_queue.c.next_attempt_at <= _NOW)
    .limit(bindparam("limit", type_=Integer))
    .subquery()
)


async def complete(conn: AsyncConnection, item_id: int) -> None:
    await conn.execute(delete(inbox_queue).where(inbox_queue.c.id == item_id))


async def complete_many(conn: AsyncConnection, item_ids: list[int]) -> None:
    """Remove the rows of activities done with, in one statement."""
    if item_ids:
        await conn.execute(_DONE, {"ids": item_ids})


_DONE = delete(inbox_queue).where(inbox_queue.c.id.in_(bindparam("ids", expanding=True)))


async def retry_later(conn: AsyncConnection, item_id: int, *, error: str, at: datetime) -> None:
    await conn.execute(
        update(inbox_queue)
        .where(inbox_queue.c.id == item_id)
        .values(
            attempts=inbox_queue.c.attempts + 1,
            next_attempt_at=at,
            locked_until=None,
            last_error=error[:2000],
        )
    )


async def fail(conn: AsyncConnection, item_id: int, *, error: str) -> None:
    """Keep the item, visibly failed, for an admin to inspect."""
    await conn.execute(
        update(inbox_queue)
        .where(inbox_queue.c.id == item_id)
        .values(
            state="failed",
            attempts=inbox_queue.c.attempts + 1,
            locked_until=None,
            last_error=error[:2000],
        )
    )


async def count(conn: AsyncConnection, state: str = "pending") -> int:
    return (
        await conn.execute(
            select(func.count()).select_from(inbox_queue).where(inbox_queue.c.state == state)
        )
    ).scalar_one()


@dataclass(frozen=True)
class FailedItem:
    """An activity the worker gave up on, kept for an admin to retry or drop."""

    id: int
    body: bytes
    activity_uri: str | None
    actor_uri: str | None
    attempts: int
    last_error: str | None
    received_at: datetime


def _failed(ids: Sequence[int] | None) -> ColumnElement[bool]:
    """The failed rows among `ids` (every failed row for None): never a pending one."""
    condition = inbox_queue.c.state == "failed"
    return condition if ids is None else condition & inbox_queue.c.id.in_(list(ids))


async def failed_items(conn: AsyncConnection, *, limit: int) -> list[FailedItem]:
    """Failed items, most recently received first."""
    rows = await conn.execute(
        select(
            inbox_queue.c.id,
            inbox_queue.c.body,
            inbox_queue.c.activity_uri,
            inbox_queue.c.actor_uri,
            inbox_queue.c.attempts,
            inbox_queue.c.last_error,
            inbox_queue.c.received_at,
        )
        .where(_failed(None))
        .order_by(inbox_queue.c.id.desc())
        .limit(limit)
    )
    return [FailedItem(*row) for row in rows]


async def requeue_failed(
    conn: AsyncConnection, ids: Sequence[int] | None, *, now: datetime | None = None
) -> int:
    """Put failed items (those of `ids`, or all) back as new: pending, due `now`, no
    attempt spent. Returns how many."""
    result = await conn.execute(
        update(inbox_queue)
        .where(_failed(ids))
        .values(
            state="pending",
            attempts=0,
            next_attempt_at=now or utcnow(),
            locked_until=None,
            last_error=None,
        )
    )
    return result.rowcount or 0


async def delete_failed(conn: AsyncConnection, ids: Sequence[int] | None) -> int:
    """Forget failed items (those of `ids`, or all). Returns how many."""
    result = await conn.execute(delete(inbox_queue).where(_failed(ids)))
    return result.rowcount or 0


async def give_back(conn: AsyncConnection, item_ids: Sequence[int]) -> None:
    """Release leased items unprocessed, due again at once (a worker that stops with a
    batch claimed ahead)."""
    if item_ids:
        await conn.execute(_LEASE_ITEMS, {"ids": list(item_ids), "until": None})


_LEASE_ITEMS = lease_rows(inbox_queue)


async def release_leases(conn: AsyncConnection) -> int:
    """Give back every leased item at once: for a process that knows it is the only worker
    (SQLite), whatever is leased was claimed by a previous run of it that died, and need
    not wait out its lease."""
    result = await conn.execute(
        update(inbox_queue)
        .where(inbox_queue.c.state == "pending", inbox_queue.c.locked_until.is_not(None))
        .values(locked_until=None)
    )
    return result.rowcount or 0
