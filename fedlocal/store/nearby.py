"""Radius queries over posts: index-assisted prefilter in SQL, exact distance in Python.

See fedlocal/geo.py for the two steps. Results come newest first (by id), paged with
`max_id`, so the nearby feed and its filters share one code path.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import and_, or_, select
from sqlalchemy.ext.asyncio import AsyncConnection

from ..geo import RadiusQuery
from ..models import Post
from .post_columns import post_from_row
from .tables import objects

# The prefilter keeps a little more than the radius: fetch a margin beyond the page size
# so one round trip usually fills a page after the exact test.
_OVERFETCH = 1.25


@dataclass(frozen=True)
class NearbyPost:
    post: Post
    distance_km: float


async def posts_within(
    conn: AsyncConnection,
    area: RadiusQuery,
    *,
    kinds: Sequence[str] = ("offer", "request", "event"),
    categories: Sequence[str] = (),
    statuses: Sequence[str] | None = ("open", "reserved", "confirmed", "tentative"),
    visibilities: Sequence[str] = ("public", "unlisted"),
    published_after: datetime | None = None,
    max_id: int | None = None,
    limit: int = 20,
) -> list[NearbyPost]:
    """Posts within the area, newest first; `max_id` continues from a previous page."""
    conditions = [
        objects.c.deleted_at.is_(None),
        objects.c.kind.in_(kinds),
        objects.c.visibility.in_(visibilities),
        objects.c.latitude.is_not(None),
        _prefilter(area),
    ]
    if categories:
        conditions.append(objects.c.category.in_(categories))
    if statuses is not None:
        conditions.append(objects.c.status.in_(statuses))
    if published_after is not None:
        conditions.append(objects.c.published >= published_after)
    found: list[NearbyPost] = []
    cursor = max_id
    batch = max(int(limit * _OVERFETCH) + 5, 20)
    while len(found) < limit:
        query = select(objects).where(*conditions).order_by(objects.c.id.desc()).limit(batch)
        if cursor is not None:
            query = query.where(objects.c.id < cursor)
        rows = (await conn.execute(query)).all()
        for row in rows:
            distance = area.distance_km(row.latitude, row.longitude)
            if distance <= area.radius_km:
                found.append(NearbyPost(post_from_row(row), distance))
                if len(found) == limit:
                    break
        if len(rows) < batch:
            break
        cursor = rows[-1].id
    return found


def _prefilter(area: RadiusQuery):
    """Index ranges on the grid cell, then the planar bound; both plain arithmetic."""
    planar = (objects.c.latitude - area.latitude) * (objects.c.latitude - area.latitude) + (
        (objects.c.longitude - area.longitude) * area.longitude_scale
    ) * ((objects.c.longitude - area.longitude) * area.longitude_scale) <= area.planar_bound
    if area.cell_ranges:
        cells = or_(*(objects.c.geo_cell.between(first, last) for first, last in area.cell_ranges))
        return and_(cells, planar)
    return and_(
        objects.c.latitude.between(area.min_latitude, area.max_latitude),
        planar,
    )
