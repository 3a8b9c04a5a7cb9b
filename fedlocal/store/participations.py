"""RSVPs: who joins which event, and whether the organiser accepted."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Row, delete, func, insert, select, update
from sqlalchemy.ext.asyncio import AsyncConnection

from ..models import Actor, Participation
from .actors import actor_from_prefixed, prefixed_actor_columns
from .clock import utcnow
from .tables import actors, participations


def _participation(row: Row[Any]) -> Participation:
    return Participation(
        id=row.id,
        event_id=row.event_id,
        actor_id=row.actor_id,
        state=row.state,
        join_uri=row.join_uri,
        message=row.message,
        created_at=row.created_at,
    )


async def get(conn: AsyncConnection, event_id: int, actor_id: int) -> Participation | None:
    row = (
        await conn.execute(
            select(participations).where(
                participations.c.event_id == event_id, participations.c.actor_id == actor_id
            )
        )
    ).first()
    return _participation(row) if row else None


async def get_by_join_uri(conn: AsyncConnection, join_uri: str) -> Participation | None:
    row = (
        await conn.execute(select(participations).where(participations.c.join_uri == join_uri))
    ).first()
    return _participation(row) if row else None


async def get_by_id(conn: AsyncConnection, participation_id: int) -> Participation | None:
    row = (
        await conn.execute(select(participations).where(participations.c.id == participation_id))
    ).first()
    return _participation(row) if row else None


async def upsert(
    conn: AsyncConnection,
    *,
    event_id: int,
    actor_id: int,
    join_uri: str,
    state: str,
    message: str | None = None,
) -> Participation:
    """Record a Join; joining again (after leaving or being refused) starts afresh."""
    now = utcnow()
    existing = await get(conn, event_id, actor_id)
    if existing is not None:
        await conn.execute(delete(participations).where(participations.c.id == existing.id))
    await conn.execute(delete(participations).where(participations.c.join_uri == join_uri))
    row = (
        await conn.execute(
            insert(participations)
            .values(
                event_id=event_id,
                actor_id=actor_id,
                state=state,
                join_uri=join_uri,
                message=message,
                created_at=now,
                updated_at=now,
            )
            .returning(*participations.c)
        )
    ).one()
    return _participation(row)


async def set_state(conn: AsyncConnection, participation_id: int, state: str) -> None:
    await conn.execute(
        update(participations)
        .where(participations.c.id == participation_id)
        .values(state=state, updated_at=utcnow())
    )


async def remove(conn: AsyncConnection, participation_id: int) -> None:
    await conn.execute(delete(participations).where(participations.c.id == participation_id))


async def count_accepted(conn: AsyncConnection, event_id: int) -> int:
    return (
        await conn.execute(
            select(func.count())
            .select_from(participations)
            .where(participations.c.event_id == event_id, participations.c.state == "accepted")
        )
    ).scalar_one()


async def list_for_event(
    conn: AsyncConnection, event_id: int, *, states: tuple[str, ...] = ("pending", "accepted")
) -> list[tuple[Participation, Actor]]:
    rows = await conn.execute(
        select(participations, *prefixed_actor_columns())
        .join(actors, actors.c.id == participations.c.actor_id)
        .where(participations.c.event_id == event_id, participations.c.state.in_(states))
        .order_by(participations.c.id)
    )
    return [(_participation(row), actor_from_prefixed(row)) for row in rows]
