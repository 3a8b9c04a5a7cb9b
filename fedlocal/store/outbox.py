"""Outgoing activities and their deliveries: the two stages of the fan-out.

Stage one (`outgoing_activities`) holds the signed-by actor, the body and the audience
(followers of an actor, explicit inboxes). Stage two (`deliveries`) is one row per
distinct inbox, so the worker's memory depends on the batch size, not the audience size.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import (
    ColumnElement,
    Integer,
    Row,
    bindparam,
    delete,
    exists,
    func,
    insert,
    select,
    update,
)
from sqlalchemy.ext.asyncio import AsyncConnection

from .clock import utcnow
from .leases import claim_due, due_rows, lease_now, lease_rows
from .tables import deliveries, outgoing_activities, remote_domains
from .upsert import insert_ignoring_conflicts


@dataclass(frozen=True)
class OutgoingActivity:
    id: int
    uri: str
    actor_id: int
    body: str
    followers_of: int | None
    inboxes: list[str]
    extra_followers_of: list[int]
    fanout_cursor: str | None
    created_at: datetime


@dataclass(frozen=True)
class Delivery:
    id: int
    activity_id: int
    inbox_url: str
    domain: str
    attempts: int
    actor_id: int
    body: str


def _outgoing(row: Row[Any]) -> OutgoingActivity:
    return OutgoingActivity(
        id=row.id,
        uri=row.uri,
        actor_id=row.actor_id,
        body=row.body,
        followers_of=row.followers_of,
        inboxes=list(row.inboxes or []),
        extra_followers_of=list(row.extra_followers_of or []),
        fanout_cursor=row.fanout_cursor,
        created_at=row.created_at,
    )


async def enqueue_activity(
    conn: AsyncConnection,
    *,
    uri: str,
    actor_id: int,
    body: str,
    followers_of: int | None = None,
    inboxes: list[str] | tuple[str, ...] = (),
    extra_followers_of: list[int] | tuple[int, ...] = (),
) -> int:
    """Queue an activity for delivery to the followers of `followers_of` (and of
    `extra_followers_of`) and to `inboxes`."""
    found: int = (
        await conn.execute(
            _ENQUEUE,
            {
                "uri": uri,
                "actor_id": actor_id,
                "body": body,
                "followers_of": followers_of,
                "extra_followers_of": sorted(set(extra_followers_of)) or None,
                "inboxes": sorted(set(inboxes)),
                "fanout_state": "pending",
                "created_at": utcnow(),
            },
        )
    ).scalar_one()
    return found


# Built once (docs/performance.md, "Statements built once").
_ENQUEUE = insert(outgoing_activities).returning(outgoing_activities.c.id)


async def get_outgoing_by_uri(conn: AsyncConnection, uri: str) -> OutgoingActivity | None:
    row = (
        await conn.execute(select(outgoing_activities).where(outgoing_activities.c.uri == uri))
    ).first()
    return _outgoing(row) if row else None


async def waiting_in_series(conn: AsyncConnection, prefix: str) -> OutgoingActivity | None:
    """The most recently queued activity whose URI starts with `prefix` (an object's
    Updates) that still waits for its fan-out, nothing of it delivered yet (so it may
    still be rewritten); None when there is none. Its row is locked until the
    transaction ends (PostgreSQL), so the fan-out cannot start on it between this read
    and a rewrite. Only waiting activities are searched (the `fanout_state` index): the
    table keeps every activity ever sent."""
    query = (
        select(outgoing_activities)
        .where(
            outgoing_activities.c.fanout_state == "pending",
            outgoing_activities.c.uri.startswith(prefix, autoescape=True),
        )
        .order_by(outgoing_activities.c.id.desc())
        .limit(1)
    )
    if conn.dialect.name == "postgresql":
        query = query.with_for_update()
    row = (await conn.execute(query)).first()
    if row is None or row.fanout_cursor is not None:
        return None
    # No batch expanded yet: no delivery row, none sent (checked, not assumed).
    expanded = (
        await conn.execute(
            select(func.count()).select_from(deliveries).where(deliveries.c.activity_id == row.id)
        )
    ).scalar_one()
    return _outgoing(row) if expanded == 0 else None


async def recent_in_series(conn: AsyncConnection, prefix: str, *, within: int = 200) -> str | None:
    """The URI of the newest activity starting with `prefix` among the last `within`
    queued (a bounded look: the table keeps every activity ever sent); None when none.
    What keeps an object's Updates at distinct instants when two come within one
    millisecond: an older one is long gone from this window and from that millisecond."""
    recent = (
        select(outgoing_activities.c.id, outgoing_activities.c.uri)
        .order_by(outgoing_activities.c.id.desc())
        .limit(within)
        .subquery()
    )
    found: str | None = (
        await conn.execute(
            select(recent.c.uri)
            .where(recent.c.uri.startswith(prefix, autoescape=True))
            .order_by(recent.c.id.desc())
            .limit(1)
        )
    ).scalar()
    return found


async def rewrite_waiting(conn: AsyncConnection, activity_id: int, *, uri: str, body: str) -> bool:
    """Replace the body (and id) of an activity still waiting for its fan-out; False when
    the fan-out started meanwhile (the caller then queues a new one)."""
    result = await conn.execute(
        update(outgoing_activities)
        .where(
            outgoing_activities.c.id == activity_id,
            outgoing_activities.c.fanout_state == "pending",
            outgoing_activities.c.fanout_cursor.is_(None),
        )
        .values(uri=uri, body=body)
    )
    return bool(result.rowcount)


async def pending_fanouts(conn: AsyncConnection, *, limit: int) -> list[OutgoingActivity]:
    rows = await conn.execute(_PENDING_FANOUTS, {"limit": limit})
    return [_outgoing(row) for row in rows]


# Built once (docs/performance.md, "Statements built once"): the delivery pool runs the
# fan-out's and the claim's statements at every step, a step for each post a group shares.
_PENDING_FANOUTS = (
    select(outgoing_activities)
    .where(outgoing_activities.c.fanout_state == "pending")
    .order_by(outgoing_activities.c.id)
    .limit(bindparam("limit", type_=Integer))
)


async def lock_pending_fanout(conn: AsyncConnection, activity_id: int) -> OutgoingActivity | None:
    """The activity, locked for this write transaction, if its audience is still being
    expanded and no other process is expanding it now (PostgreSQL: `SKIP LOCKED`; SQLite's
    single writer needs no lock): two workers never read the same cursor."""
    row = (await conn.execute(_LOCK_PENDING_FANOUT, {"id": activity_id})).first()
    return _outgoing(row) if row else None


_LOCK_PENDING_FANOUT = (
    select(outgoing_activities)
    .where(
        outgoing_activities.c.id == bindparam("id", type_=Integer),
        outgoing_activities.c.fanout_state == "pending",
    )
    .with_for_update(skip_locked=True)
)


async def add_deliveries(
    conn: AsyncConnection, activity_id: int, inboxes: list[tuple[str, str]]
) -> None:
    """Add (inbox_url, domain) deliveries; an inbox already queued for the activity is skipped."""
    now = utcnow()
    await insert_ignoring_conflicts(
        conn,
        deliveries,
        [
            {
                "activity_id": activity_id,
                "inbox_url": inbox,
                "domain": domain,
                "state": "pending",
                "attempts": 0,
                "next_attempt_at": now,
                "created_at": now,
            }
            for inbox, domain in inboxes
        ],
    )


async def advance_fanout(
    conn: AsyncConnection, activity_id: int, *, cursor: str | None, done: bool
) -> None:
    await conn.execute(
        _ADVANCE_FANOUT,
        {"activity_id": activity_id, "cursor": cursor, "state": "done" if done else "pending"},
    )


_ADVANCE_FANOUT = (
    update(outgoing_activities)
    .where(outgoing_activities.c.id == bindparam("activity_id", type_=Integer))
    .values(
        fanout_cursor=bindparam("cursor", type_=outgoing_activities.c.fanout_cursor.type),
        fanout_state=bindparam("state", type_=outgoing_activities.c.fanout_state.type),
    )
)


async def claim_deliveries(
    conn: AsyncConnection,
    *,
    limit: int,
    lease: timedelta,
    now: datetime | None = None,
    skip_domains: Collection[str] = (),
    per_host: int | None = None,
    in_flight: Mapping[str, int] | None = None,
) -> list[Delivery]:
    """Lease up to `limit` due deliveries to hosts whose circuit is not open, leaving out
    `skip_domains` (hosts the caller is already busy with). With `per_host`, a host gets
    no more than that many, counting the caller's `in_flight` to it: the others among the
    first `limit` due are left as they are, not leased and given back."""
    now = now or utcnow()
    params = {"now": now, "until": now + lease, "limit": limit, "skip": list(skip_domains)}
    claimed: Sequence[int]
    if per_host is None:
        claimed = (await conn.execute(_CLAIM_DELIVERIES, params)).scalars().all()
    else:
        taken = Counter(in_flight or {})
        claimed = []
        for delivery_id, domain in await conn.execute(_DUE_DELIVERIES, params):
            if taken[domain] < per_host:
                taken[domain] += 1
                claimed.append(delivery_id)
        if claimed:
            await conn.execute(_LEASE_DELIVERIES, {"ids": claimed, "until": params["until"]})
    if not claimed:
        return []
    rows = await conn.execute(_CLAIMED, {"ids": claimed})
    return [Delivery(*row) for row in rows]


_NOW = lease_now(deliveries)
_CIRCUIT_OPEN = exists().where(
    remote_domains.c.domain == deliveries.c.domain,
    remote_domains.c.circuit_state == "open",
    remote_domains.c.open_until > _NOW,
)
_CLAIMABLE = (
    ~_CIRCUIT_OPEN,
    deliveries.c.domain.not_in(bindparam("skip", expanding=True)),
)
_IN_ORDER = [deliveries.c.next_attempt_at, deliveries.c.id]
_CLAIM_DELIVERIES = claim_due(
    deliveries, _NOW, *_CLAIMABLE, order_by=_IN_ORDER, returning=[deliveries.c.id]
)
_DUE_DELIVERIES = due_rows(
    deliveries,
    _NOW,
    *_CLAIMABLE,
    order_by=_IN_ORDER,
    columns=[deliveries.c.id, deliveries.c.domain],
)
_LEASE_DELIVERIES = lease_rows(deliveries)
_ANY_DUE = select(
    exists(
        due_rows(
            deliveries, _NOW, *_CLAIMABLE, order_by=[], columns=[deliveries.c.id], locked=False
        )
    )
)


async def any_due(
    conn: AsyncConnection, *, now: datetime | None = None, skip_domains: Collection[str] = ()
) -> bool:
    """Whether `claim_deliveries` would find a delivery, leaving out `skip_domains`: read
    first, so that a look that finds nothing takes no turn of the write lock."""
    found = await conn.execute(
        _ANY_DUE, {"now": now or utcnow(), "limit": 1, "skip": list(skip_domains)}
    )
    return bool(found.scalar())


_CLAIMED = (
    select(
        deliveries.c.id,
        deliveries.c.activity_id,
        deliveries.c.inbox_url,
        deliveries.c.domain,
        deliveries.c.attempts,
        outgoing_activities.c.actor_id,
        outgoing_activities.c.body,
    )
    .join(outgoing_activities, outgoing_activities.c.id == deliveries.c.activity_id)
    .where(deliveries.c.id.in_(bindparam("ids", expanding=True)))
    .order_by(deliveries.c.id)
)


async def give_back(conn: AsyncConnection, delivery_ids: Collection[int]) -> None:
    """Release leased deliveries unsent, due again at once, no attempt spent."""
    if delivery_ids:
        await conn.execute(_LEASE_DELIVERIES, {"ids": list(delivery_ids), "until": None})


async def delivered(conn: AsyncConnection, delivery_id: int) -> None:
    await conn.execute(delete(deliveries).where(deliveries.c.id == delivery_id))


async def delivered_many(conn: AsyncConnection, delivery_ids: Collection[int]) -> None:
    """Remove many delivered rows in one statement."""
    if delivery_ids:
        await conn.execute(_DELIVERED, {"ids": list(delivery_ids)})


_DELIVERED = delete(deliveries).where(deliveries.c.id.in_(bindparam("ids", expanding=True)))


async def retry_delivery(
    conn: AsyncConnection,
    delivery_id: int,
    *,
    at: datetime,
    status: int | None,
    error: str,
    count_attempt: bool = True,
) -> None:
    """Schedule another attempt. `count_attempt=False` defers without spending an attempt
    (used when the host's circuit is open)."""
    values: dict[str, Any] = {
        "next_attempt_at": at,
        "locked_until": None,
        "last_status": status,
        "last_error": error[:2000],
    }
    if count_attempt:
        values["attempts"] = deliveries.c.attempts + 1
    await conn.execute(update(deliveries).where(deliveries.c.id == delivery_id).values(**values))


async def give_up_delivery(
    conn: AsyncConnection, delivery_id: int, *, status: int | None, error: str
) -> None:
    """Stop retrying (permanent error or attempts exhausted); the row stays for inspection."""
    await conn.execute(
        update(deliveries)
        .where(deliveries.c.id == delivery_id)
        .values(
            state="dead",
            attempts=deliveries.c.attempts + 1,
            locked_until=None,
            last_status=status,
            last_error=error[:2000],
        )
    )


async def count_deliveries(conn: AsyncConnection, state: str = "pending") -> int:
    return (
        await conn.execute(
            select(func.count()).select_from(deliveries).where(deliveries.c.state == state)
        )
    ).scalar_one()


async def next_due_at(conn: AsyncConnection) -> datetime | None:
    """When the earliest pending delivery becomes due (for the worker's idle wait)."""
    found: datetime | None = (
        await conn.execute(
            select(func.min(deliveries.c.next_attempt_at)).where(deliveries.c.state == "pending")
        )
    ).scalar_one()
    return found


@dataclass(frozen=True)
class DeadDelivery:
    """A delivery the worker gave up on (permanent refusal or attempts spent), kept for
    an admin to retry or drop."""

    id: int
    inbox_url: str
    attempts: int
    last_status: int | None
    last_error: str | None
    created_at: datetime
    activity_uri: str
    body: str


def _dead(ids: Sequence[int] | None) -> ColumnElement[bool]:
    """The dead deliveries among `ids` (every dead one for None): never a pending one."""
    condition = deliveries.c.state == "dead"
    return condition if ids is None else condition & deliveries.c.id.in_(list(ids))


async def dead_deliveries(conn: AsyncConnection, *, limit: int) -> list[DeadDelivery]:
    """Dead deliveries with their activity, most recently queued first."""
    rows = await conn.execute(
        select(
            deliveries.c.id,
            deliveries.c.inbox_url,
            deliveries.c.attempts,
            deliveries.c.last_status,
            deliveries.c.last_error,
            deliveries.c.created_at,
            outgoing_activities.c.uri,
            outgoing_activities.c.body,
        )
        .join(outgoing_activities, outgoing_activities.c.id == deliveries.c.activity_id)
        .where(_dead(None))
        .order_by(deliveries.c.id.desc())
        .limit(limit)
    )
    return [DeadDelivery(*row) for row in rows]


async def revive_deliveries(
    conn: AsyncConnection, ids: Sequence[int] | None, *, now: datetime | None = None
) -> int:
    """Put dead deliveries (those of `ids`, or all) back as new: pending, due `now`, no
    attempt spent. Returns how many."""
    result = await conn.execute(
        update(deliveries)
        .where(_dead(ids))
        .values(
            state="pending",
            attempts=0,
            next_attempt_at=now or utcnow(),
            locked_until=None,
            last_status=None,
            last_error=None,
        )
    )
    return result.rowcount or 0


async def delete_dead_deliveries(conn: AsyncConnection, ids: Sequence[int] | None) -> int:
    """Forget dead deliveries (those of `ids`, or all). Returns how many."""
    result = await conn.execute(delete(deliveries).where(_dead(ids)))
    return result.rowcount or 0


async def release_all_deliveries(conn: AsyncConnection) -> int:
    """Give back every leased delivery at once (see `inbox_queue.release_leases`: for the
    only worker of an SQLite instance, at start)."""
    result = await conn.execute(
        update(deliveries)
        .where(deliveries.c.state == "pending", deliveries.c.locked_until.is_not(None))
        .values(locked_until=None)
    )
    return result.rowcount or 0
