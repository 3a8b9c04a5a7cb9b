"""Markers: where a resident stopped reading home and notifications, saved by one app
and read back by another (Mastodon's `/api/v1/markers`). Saving the notifications
marker also marks those notifications read in the web app."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from ..clock import utcnow
from ..models import Actor, Marker
from ..store import markers as marker_store
from ..store import notifications as notification_store
from .context import ServiceContext

TIMELINES = ("home", "notifications")


async def read(ctx: ServiceContext, viewer: Actor, timelines: Sequence[str]) -> dict[str, Marker]:
    wanted = [t for t in timelines if t in TIMELINES]
    if not wanted:
        return {}
    async with ctx.db.read() as conn:
        return await marker_store.markers_of(conn, viewer.id, wanted)


async def save(
    ctx: ServiceContext, viewer: Actor, positions: Mapping[str, int]
) -> dict[str, Marker]:
    """Save `positions` (timeline → last read id); answers the saved markers."""
    saved = {t: i for t, i in positions.items() if t in TIMELINES}
    if not saved:
        return {}
    async with ctx.db.write() as conn:
        now = utcnow()
        for timeline, last_read_id in saved.items():
            await marker_store.save(conn, viewer.id, timeline, last_read_id, now)
            if timeline == "notifications":
                await notification_store.mark_read(conn, viewer.id, last_read_id)
        return await marker_store.markers_of(conn, viewer.id, list(saved))


async def last_read_notification(ctx: ServiceContext, viewer: Actor) -> int:
    """The notifications marker's position, 0 when none was saved."""
    found = await read(ctx, viewer, ["notifications"])
    return found["notifications"].last_read_id if "notifications" in found else 0
