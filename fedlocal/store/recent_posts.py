"""How much one of our actors published lately: the new accounts' daily limits
(services/new_accounts.py) count from the posts themselves, so every process counts the
same and a restart forgets nothing."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncConnection

from .tables import objects


async def count_since(
    conn: AsyncConnection, actor_id: int, *, since: datetime, direct: bool
) -> tuple[int, datetime | None]:
    """How many posts `actor_id` made here since `since` — private messages when
    `direct`, every other post otherwise (deleted ones too: deleting does not give a post
    back) — and when the oldest of them was made."""
    visibility = objects.c.visibility == "direct"
    found = (
        await conn.execute(
            select(func.count(), func.min(objects.c.created_at)).where(
                objects.c.actor_id == actor_id,
                objects.c.is_local.is_(True),
                objects.c.created_at >= since,
                visibility if direct else ~visibility,
            )
        )
    ).one()
    return int(found[0]), found[1]
