"""Group purchases and commitments to them.

`commit` is the one way a commitment is made or changed: it locks the purchase (on
PostgreSQL `SELECT … FOR UPDATE`; SQLite's writer holds `BEGIN IMMEDIATE` already), sums
the others' commitments from the table and refuses what would go past the maximum, so two
neighbours racing for the last units cannot both get them. One commitment per person
(a unique constraint): a second one is an update of the first, never a double count.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Row, delete, func, insert, select, update
from sqlalchemy.ext.asyncio import AsyncConnection

from ..models import Actor
from ..purchases import COUNTED, Commitment, GroupPurchase, PurchaseState
from .actors import actor_from_prefixed, prefixed_actor_columns
from .clock import utcnow
from .feeds import MAX_CALENDAR_EVENTS, FeedItem
from .post_columns import post_from_row
from .tables import (
    account_domain_blocks,
    actors,
    group_purchase_commitments,
    group_purchases,
    objects,
)
from .upsert import dialect_insert

commitments = group_purchase_commitments


def _purchase(row: Row[Any], committed: int = 0, committers: int = 0) -> GroupPurchase:
    # A purchase on another server: its server's total, not the sum of ours.
    if row.remote_committed_milli is not None:
        committed = row.remote_committed_milli
    return GroupPurchase(
        post_id=row.post_id,
        unit=row.unit,
        whole=row.whole,
        unit_price_cents=row.unit_price_cents,
        currency=row.currency,
        minimum_milli=row.minimum_milli,
        maximum_milli=row.maximum_milli,
        deadline=row.deadline,
        pickup_at=row.pickup_at,
        pickup_place=row.pickup_place,
        state=row.state,
        decided_at=row.decided_at,
        committed_milli=committed,
        committers=committers,
    )


def _commitment(row: Row[Any]) -> Commitment:
    return Commitment(
        id=row.id,
        purchase_id=row.purchase_id,
        actor_id=row.actor_id,
        quantity_milli=row.quantity_milli,
        activity_uri=row.activity_uri,
        created_at=row.created_at,
        updated_at=row.updated_at,
        state=row.state,
        reason=row.reason,
        accepted_milli=row.accepted_milli,
        offered_at=row.offered_at,
    )


async def insert_purchase(conn: AsyncConnection, purchase: GroupPurchase) -> GroupPurchase:
    await conn.execute(
        insert(group_purchases).values(
            post_id=purchase.post_id,
            unit=purchase.unit,
            whole=purchase.whole,
            unit_price_cents=purchase.unit_price_cents,
            currency=purchase.currency,
            minimum_milli=purchase.minimum_milli,
            maximum_milli=purchase.maximum_milli,
            deadline=purchase.deadline,
            pickup_at=purchase.pickup_at,
            pickup_place=purchase.pickup_place,
            state=purchase.state,
        )
    )
    # The post's own status column too, so the nearby feed filters open ones like offers.
    await conn.execute(
        update(objects).where(objects.c.id == purchase.post_id).values(status=purchase.state)
    )
    found = await get(conn, purchase.post_id)
    assert found is not None
    return found


async def _totals(conn: AsyncConnection, post_id: int) -> tuple[int, int]:
    row = (
        await conn.execute(
            select(func.coalesce(func.sum(commitments.c.quantity_milli), 0), func.count()).where(
                commitments.c.purchase_id == post_id, commitments.c.state.in_(COUNTED)
            )
        )
    ).one()
    return int(row[0]), int(row[1])


async def get(
    conn: AsyncConnection, post_id: int, *, for_update: bool = False
) -> GroupPurchase | None:
    """The purchase with its totals; `for_update` locks its row until the transaction
    ends (PostgreSQL; SQLite's single writer is locked already)."""
    query = select(group_purchases).where(group_purchases.c.post_id == post_id)
    if for_update and conn.dialect.name == "postgresql":
        query = query.with_for_update()
    row = (await conn.execute(query)).first()
    if row is None:
        return None
    committed, committers = await _totals(conn, post_id)
    return _purchase(row, committed, committers)


async def get_many(conn: AsyncConnection, post_ids: list[int]) -> dict[int, GroupPurchase]:
    if not post_ids:
        return {}
    totals = {
        row.purchase_id: (int(row.total), int(row.people))
        for row in await conn.execute(
            select(
                commitments.c.purchase_id,
                func.sum(commitments.c.quantity_milli).label("total"),
                func.count().label("people"),
            )
            .where(commitments.c.purchase_id.in_(post_ids), commitments.c.state.in_(COUNTED))
            .group_by(commitments.c.purchase_id)
        )
    }
    rows = await conn.execute(
        select(group_purchases).where(group_purchases.c.post_id.in_(post_ids))
    )
    return {row.post_id: _purchase(row, *totals.get(row.post_id, (0, 0))) for row in rows}


class OverMaximum(Exception):
    """The commitment would take more than remains; `remaining_milli` is what does."""

    def __init__(self, remaining_milli: int):
        super().__init__(remaining_milli)
        self.remaining_milli = remaining_milli


@dataclass(frozen=True)
class Committed:
    commitment: Commitment
    purchase: GroupPurchase
    # created | changed
    outcome: str


async def commit(
    conn: AsyncConnection,
    post_id: int,
    actor_id: int,
    quantity_milli: int,
    *,
    activity_uri: str | None = None,
    check: Any = None,
    pending: bool = False,
    offered_at: datetime | None = None,
) -> Committed:
    """Make or change `actor_id`'s commitment; OverMaximum past what remains.

    `check(purchase)` runs on the locked purchase first (state, deadline) and raises to
    refuse. `pending`: our resident's commitment to a purchase on another server, which
    that server counts (and may refuse); here it waits for its answer, the maximum
    unchecked. Call inside a write transaction."""
    purchase = await get(conn, post_id, for_update=True)
    if purchase is None:
        raise LookupError(post_id)
    if check is not None:
        check(purchase)
    if purchase.maximum_milli is not None and not pending:
        others = (
            await conn.execute(
                select(func.coalesce(func.sum(commitments.c.quantity_milli), 0)).where(
                    commitments.c.purchase_id == post_id,
                    commitments.c.actor_id != actor_id,
                    commitments.c.state.in_(COUNTED),
                )
            )
        ).scalar_one()
        remaining = purchase.maximum_milli - int(others)
        if quantity_milli > remaining:
            raise OverMaximum(max(remaining, 0))
    now = utcnow()
    before = await get_commitment(conn, post_id, actor_id)
    existed = before is not None and before.counts
    # A pending change keeps what the organiser's server accepted before, for a refusal.
    accepted_before = before.accepted_milli if before is not None and pending else None
    statement = dialect_insert(conn, commitments).values(
        purchase_id=post_id,
        actor_id=actor_id,
        quantity_milli=quantity_milli,
        activity_uri=activity_uri,
        created_at=now,
        updated_at=now,
        state="pending" if pending else "accepted",
        reason=None,
        accepted_milli=accepted_before,
        offered_at=offered_at,
    )
    statement = statement.on_conflict_do_update(
        index_elements=[commitments.c.purchase_id, commitments.c.actor_id],
        set_={
            "quantity_milli": statement.excluded.quantity_milli,
            "activity_uri": statement.excluded.activity_uri,
            "updated_at": statement.excluded.updated_at,
            "state": statement.excluded.state,
            "reason": statement.excluded.reason,
            "accepted_milli": statement.excluded.accepted_milli,
            "offered_at": statement.excluded.offered_at,
        },
    )
    await conn.execute(statement)
    found = await get_commitment(conn, post_id, actor_id)
    updated = await get(conn, post_id)
    assert found is not None and updated is not None
    return Committed(found, updated, "changed" if existed else "created")


async def withdraw(conn: AsyncConnection, post_id: int, actor_id: int) -> bool:
    result = await conn.execute(
        delete(commitments).where(
            commitments.c.purchase_id == post_id, commitments.c.actor_id == actor_id
        )
    )
    return (result.rowcount or 0) > 0


async def withdraw_remote(
    conn: AsyncConnection,
    post_id: int,
    actor_id: int,
    *,
    activity_uri: str | None,
    offered_at: datetime | None,
) -> None:
    """A remote neighbour withdraws: their commitment is kept as `withdrawn` (counting
    nothing), with the time of the Offer undone, so that Offer arriving late (deliveries
    are not ordered) is not counted again."""
    now = utcnow()
    statement = dialect_insert(conn, commitments).values(
        purchase_id=post_id,
        actor_id=actor_id,
        quantity_milli=0,
        activity_uri=activity_uri,
        created_at=now,
        updated_at=now,
        state="withdrawn",
        offered_at=offered_at,
    )
    statement = statement.on_conflict_do_update(
        index_elements=[commitments.c.purchase_id, commitments.c.actor_id],
        set_={
            "quantity_milli": 0,
            "activity_uri": statement.excluded.activity_uri,
            "updated_at": statement.excluded.updated_at,
            "state": "withdrawn",
            "reason": None,
            "accepted_milli": None,
            "offered_at": statement.excluded.offered_at,
        },
    )
    await conn.execute(statement)


async def get_by_activity_uri(conn: AsyncConnection, activity_uri: str) -> Commitment | None:
    """The commitment an Offer made or last changed."""
    row = (
        await conn.execute(select(commitments).where(commitments.c.activity_uri == activity_uri))
    ).first()
    return _commitment(row) if row else None


async def answer(
    conn: AsyncConnection,
    commitment_id: int,
    *,
    state: str,
    quantity_milli: int,
    reason: str | None = None,
) -> None:
    """The organiser's server answered our resident's Offer: `accepted` (that quantity is
    what it counts), or `refused` (with its reason)."""
    await conn.execute(
        update(commitments)
        .where(commitments.c.id == commitment_id)
        .values(
            state=state,
            quantity_milli=quantity_milli,
            reason=reason,
            accepted_milli=quantity_milli if state == "accepted" else None,
            updated_at=utcnow(),
        )
    )


async def adjust_remote_total(conn: AsyncConnection, post_id: int, delta_milli: int) -> None:
    """A purchase elsewhere: its server counted (or took off) one of our residents'
    commitments; our copy of its total follows until its next Update states it."""
    column = group_purchases.c.remote_committed_milli
    floor = func.greatest if conn.dialect.name == "postgresql" else func.max
    await conn.execute(
        update(group_purchases)
        .where(group_purchases.c.post_id == post_id, column.is_not(None))
        .values(remote_committed_milli=floor(column + delta_milli, 0))
    )


async def keep_remote(conn: AsyncConnection, purchase: GroupPurchase) -> GroupPurchase | None:
    """Our copy of a purchase on another server, with its terms, state and total as its
    server states them; returns the terms we held before (None when new)."""
    before = await get(conn, purchase.post_id)
    values = {
        "unit": purchase.unit,
        "whole": purchase.whole,
        "unit_price_cents": purchase.unit_price_cents,
        "currency": purchase.currency,
        "minimum_milli": purchase.minimum_milli,
        "maximum_milli": purchase.maximum_milli,
        "deadline": purchase.deadline,
        "pickup_at": purchase.pickup_at,
        "pickup_place": purchase.pickup_place,
        "state": purchase.state,
        "remote_committed_milli": purchase.committed_milli,
    }
    if before is None:
        await conn.execute(insert(group_purchases).values(post_id=purchase.post_id, **values))
    else:
        if before.state != "open" and purchase.state != before.state:
            # A decided purchase stays decided: a late or replayed copy does not reopen it.
            values["state"] = before.state
        await conn.execute(
            update(group_purchases)
            .where(group_purchases.c.post_id == purchase.post_id)
            .values(**values)
        )
    await conn.execute(
        update(objects).where(objects.c.id == purchase.post_id).values(status=values["state"])
    )
    return before


async def get_commitment(conn: AsyncConnection, post_id: int, actor_id: int) -> Commitment | None:
    row = (
        await conn.execute(
            select(commitments).where(
                commitments.c.purchase_id == post_id, commitments.c.actor_id == actor_id
            )
        )
    ).first()
    return _commitment(row) if row else None


async def list_commitments(conn: AsyncConnection, post_id: int) -> list[tuple[Commitment, Actor]]:
    """Every commitment that counts with its neighbour, oldest first (the organiser's
    list; on a purchase elsewhere, our residents waiting for an answer or counted)."""
    rows = await conn.execute(
        select(commitments, *prefixed_actor_columns())
        .join(actors, actors.c.id == commitments.c.actor_id)
        .where(commitments.c.purchase_id == post_id, commitments.c.state.in_(COUNTED))
        .order_by(commitments.c.id)
    )
    return [(_commitment(row), actor_from_prefixed(row)) for row in rows]


async def set_state(
    conn: AsyncConnection, post_id: int, state: PurchaseState, *, at: datetime
) -> None:
    await conn.execute(
        update(group_purchases)
        .where(group_purchases.c.post_id == post_id)
        .values(state=state, decided_at=at)
    )
    await conn.execute(update(objects).where(objects.c.id == post_id).values(status=state))


async def due(conn: AsyncConnection, *, now: datetime, limit: int) -> list[int]:
    """Our open purchases whose deadline has passed, oldest deadline first (a purchase
    on another server is its server's to settle: we hear of it by its Update)."""
    rows = await conn.execute(
        select(group_purchases.c.post_id)
        .join(objects, objects.c.id == group_purchases.c.post_id)
        .where(
            group_purchases.c.state == "open",
            group_purchases.c.deadline <= now,
            objects.c.is_local.is_(True),
        )
        .order_by(group_purchases.c.deadline)
        .limit(limit)
    )
    return [row.post_id for row in rows]


async def upcoming_pickups(
    conn: AsyncConnection, *, since: datetime, until: datetime, limit: int = MAX_CALENDAR_EVENTS
) -> list[tuple[FeedItem, GroupPurchase]]:
    """Our public group purchases whose pickup falls between `since` and `until`, by
    pickup time (the calendar lists each pickup; cancelled ones too, so a subscribed
    calendar learns of it)."""
    query = (
        select(objects, *prefixed_actor_columns("author_"), group_purchases)
        .join(actors, actors.c.id == objects.c.actor_id)
        .join(group_purchases, group_purchases.c.post_id == objects.c.id)
        .where(
            objects.c.visibility == "public",
            objects.c.deleted_at.is_(None),
            objects.c.is_local.is_(True),
            group_purchases.c.pickup_at >= since,
            group_purchases.c.pickup_at <= until,
        )
        .order_by(group_purchases.c.pickup_at, objects.c.id)
        .limit(max(1, min(limit, MAX_CALENDAR_EVENTS)))
    )
    return [
        (FeedItem(post_from_row(row), actor_from_prefixed(row, "author_")), _purchase(row))
        for row in await conn.execute(query)
    ]


async def hides_domain(conn: AsyncConnection, organiser_id: int, domain: str | None) -> bool:
    """Whether the organiser blocks the whole of `domain` (their own domain block)."""
    if not domain:
        return False
    found = await conn.execute(
        select(account_domain_blocks.c.id).where(
            account_domain_blocks.c.account_id == organiser_id,
            account_domain_blocks.c.domain == domain.lower(),
        )
    )
    return found.first() is not None
