"""Markers: one row per resident and timeline, its version counting the saves."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncConnection

from ..models import Marker
from .tables import markers
from .upsert import insert_ignoring_conflicts


async def markers_of(
    conn: AsyncConnection, actor_id: int, timelines: Sequence[str]
) -> dict[str, Marker]:
    rows = await conn.execute(
        select(markers).where(
            markers.c.actor_id == actor_id, markers.c.timeline.in_(list(timelines))
        )
    )
    return {
        row.timeline: Marker(row.timeline, row.last_read_id, row.version, row.updated_at)
        for row in rows
    }


async def save(
    conn: AsyncConnection, actor_id: int, timeline: str, last_read_id: int, at: datetime
) -> None:
    """Set the marker, its version one more than before (1 for the first save)."""
    inserted = await insert_ignoring_conflicts(
        conn,
        markers,
        {
            "actor_id": actor_id,
            "timeline": timeline,
            "last_read_id": last_read_id,
            "version": 1,
            "updated_at": at,
        },
    )
    if not inserted:
        await conn.execute(
            update(markers)
            .where(markers.c.actor_id == actor_id, markers.c.timeline == timeline)
            .values(last_read_id=last_read_id, version=markers.c.version + 1, updated_at=at)
        )
