"""The steps of offers and requests with one neighbour: reserved, lent, reminded…"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any, cast

from sqlalchemy import Row, insert, select
from sqlalchemy.ext.asyncio import AsyncConnection

from ..models import ListingStep, ListingStepName
from .tables import listing_steps


def _step(row: Row[Any]) -> ListingStep:
    return ListingStep(
        id=row.id,
        post_id=row.post_id,
        actor_id=row.actor_id,
        step=cast(ListingStepName, row.step),
        at=row.at,
        due_on=row.due_on,
    )


async def add(
    conn: AsyncConnection,
    *,
    post_id: int,
    actor_id: int,
    step: ListingStepName,
    at: datetime,
    due_on: date | None = None,
) -> ListingStep:
    row = (
        await conn.execute(
            insert(listing_steps)
            .values(post_id=post_id, actor_id=actor_id, step=step, at=at, due_on=due_on)
            .returning(*listing_steps.c)
        )
    ).one()
    return _step(row)


async def list_for(conn: AsyncConnection, post_id: int, actor_id: int) -> list[ListingStep]:
    """The steps of `post_id` with `actor_id`, oldest first."""
    rows = await conn.execute(
        select(listing_steps)
        .where(listing_steps.c.post_id == post_id, listing_steps.c.actor_id == actor_id)
        .order_by(listing_steps.c.at, listing_steps.c.id)
    )
    return [_step(row) for row in rows]


async def has_step_since(
    conn: AsyncConnection, post_id: int, actor_id: int, step: ListingStepName, since: datetime
) -> bool:
    """Whether `step` was recorded for this listing and neighbour at or after `since` (a
    reminder or an overdue notice goes out once per loan)."""
    row = (
        await conn.execute(
            select(listing_steps.c.id)
            .where(
                listing_steps.c.post_id == post_id,
                listing_steps.c.actor_id == actor_id,
                listing_steps.c.step == step,
                listing_steps.c.at >= since,
            )
            .limit(1)
        )
    ).first()
    return row is not None
