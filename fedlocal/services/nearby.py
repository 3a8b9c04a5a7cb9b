"""Near me: offers, requests and events within a radius of a point or of a named quarter.

The centre is a point (latitude, longitude) or a quarter of the instance's gazetteer,
found by name whatever its case and accents (`Config.find_quarter`). Two orders:

- `recent`: newest first, paged with `max_id` (the id of the last item of the previous
  page), as Mastodon timelines are;
- `distance`: the `limit` nearest first, one page only (at most MAX_LIMIT items): there
  is no next page, a wider radius or narrower filters are the way to see more.

Only public posts are listed, and local-only ones when the caller asks for them (for our
residents: `include_local_only`); unlisted ones stay out of discovery, as in Mastodon's
public timelines; open or reserved offers and requests, confirmed or tentative
events; never deleted ones. Each item carries its exact great-circle distance from the centre and
the quarter it lies in, by the rule published posts are named with (the nearest quarter
of the gazetteer within `places.QUARTER_RADIUS_KM`; none further away).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Literal

from sqlalchemy import Select

from ..config import Config
from ..geo import radius_query
from ..models import Post
from ..store import nearby as nearby_store
from .context import ServiceContext
from .errors import InvalidInput
from .places import nearest_quarter

KINDS = ("offer", "request", "event", "group_purchase", "ride")
MAX_RADIUS_KM = 50.0
DEFAULT_RADIUS_KM = 2.0
MAX_LIMIT = 100
DEFAULT_LIMIT = 20
ORDERS = ("recent", "distance")
# Public posts, and for our residents local-only ones (never federated); not unlisted
# ones, which stay out of discovery as in Mastodon's public timelines.
LISTED_VISIBILITIES = ("public",)
RESIDENT_VISIBILITIES = ("public", "local")


@dataclass(frozen=True)
class NearbyItem:
    post: Post
    distance_km: float
    quarter: str | None


async def nearby(
    ctx: ServiceContext,
    *,
    latitude: float | None = None,
    longitude: float | None = None,
    quarter: str | None = None,
    radius_km: float = DEFAULT_RADIUS_KM,
    kinds: Sequence[str] | None = None,
    categories: Sequence[str] = (),
    since: datetime | None = None,
    max_id: int | None = None,
    limit: int = DEFAULT_LIMIT,
    order: Literal["recent", "distance"] = "recent",
    include_local_only: bool = False,
    hidden: Select[Any] | None = None,
) -> list[NearbyItem]:
    """Posts within `radius_km` of the point or the quarter, filtered by kind (all three
    when none are given), category (any when none are given) and publication time;
    local-only posts only with `include_local_only` (the viewer is one of our residents);
    none by the `hidden` authors (services/limits.py).

    Raises InvalidInput, naming the field, for a missing or doubled centre, an unknown
    quarter, coordinates out of range, a radius outside (0, 50] km, a limit outside
    1..100, an unknown kind, category or order, a naive `since`, or `max_id` with the
    distance order.
    """
    centre_lat, centre_lon = _centre(ctx.config, latitude, longitude, quarter)
    radius = _radius(radius_km)
    wanted_kinds = _kinds(kinds)
    wanted_categories = _categories(ctx, categories)
    _check_limit(limit)
    if since is not None and (not isinstance(since, datetime) or since.utcoffset() is None):
        raise InvalidInput("since must be a date and time with its time zone", field="since")
    if order not in ORDERS:
        raise InvalidInput(f"order must be one of {', '.join(ORDERS)}", field="order")
    if max_id is not None:
        if order == "distance":
            raise InvalidInput(
                "the distance order has a single page (the nearest posts): max_id pages the "
                "recent order only",
                field="max_id",
            )
        if not _is_int(max_id) or max_id < 1:
            raise InvalidInput("max_id must be a positive whole number", field="max_id")
    area = radius_query(centre_lat, centre_lon, radius)
    filters: dict[str, Any] = {
        "kinds": wanted_kinds,
        "categories": wanted_categories,
        "visibilities": RESIDENT_VISIBILITIES if include_local_only else LISTED_VISIBILITIES,
        "published_after": since,
        "hidden_authors": hidden,
        "limit": limit,
    }
    async with ctx.db.read() as conn:
        if order == "distance":
            found = await nearby_store.nearest_posts(conn, area, **filters)
        else:
            found = await nearby_store.posts_within(conn, area, max_id=max_id, **filters)
    return [NearbyItem(item.post, item.distance_km, quarter_of(ctx, item.post)) for item in found]


def quarter_of(ctx: ServiceContext, post: Post) -> str | None:
    """The name of the gazetteer quarter the post lies in, by the rule posts are named
    with when published (`places.nearest_quarter`)."""
    place = post.place
    if place is None or place.latitude is None or place.longitude is None:
        return None
    quarter = nearest_quarter(ctx, place.latitude, place.longitude)
    return quarter.name if quarter else None


def _centre(
    config: Config, latitude: float | None, longitude: float | None, quarter: str | None
) -> tuple[float, float]:
    has_point = latitude is not None or longitude is not None
    if quarter is not None:
        if has_point:
            raise InvalidInput("give a quarter or coordinates, not both", field="quarter")
        found = config.find_quarter(quarter) if isinstance(quarter, str) else None
        if found is None:
            known = ", ".join(q.name for q in config.quarters) or "none"
            raise InvalidInput(
                f"unknown quarter {quarter!r} (this instance knows: {known})", field="quarter"
            )
        return found.latitude, found.longitude
    if latitude is None or longitude is None:
        field = "latitude" if latitude is None else "longitude"
        raise InvalidInput("give both latitude and longitude, or a quarter", field=field)
    if not _is_number(latitude) or not -90 <= latitude <= 90:
        raise InvalidInput("latitude must be a number from -90 to 90", field="latitude")
    if not _is_number(longitude) or not -180 <= longitude <= 180:
        raise InvalidInput("longitude must be a number from -180 to 180", field="longitude")
    return float(latitude), float(longitude)


def _radius(radius_km: float) -> float:
    if not _is_number(radius_km) or not 0 < radius_km <= MAX_RADIUS_KM:
        raise InvalidInput(
            f"radius_km must be more than 0 and at most {MAX_RADIUS_KM:g} km", field="radius_km"
        )
    return float(radius_km)


def _kinds(kinds: Sequence[str] | None) -> tuple[str, ...]:
    if not kinds:
        return KINDS
    if isinstance(kinds, str):
        kinds = (kinds,)
    unknown = [kind for kind in kinds if kind not in KINDS]
    if unknown:
        raise InvalidInput(
            f"unknown kind {unknown[0]!r}: kinds are {', '.join(KINDS)}", field="kinds"
        )
    return tuple(dict.fromkeys(kinds))


def _categories(ctx: ServiceContext, categories: Sequence[str]) -> tuple[str, ...]:
    if isinstance(categories, str):
        categories = (categories,)
    unknown = [key for key in categories if key not in ctx.categories]
    if unknown:
        raise InvalidInput(f"unknown category {unknown[0]!r}", field="categories")
    return tuple(dict.fromkeys(categories))


def _check_limit(limit: int) -> None:
    if not _is_int(limit) or not 1 <= limit <= MAX_LIMIT:
        raise InvalidInput(f"limit must be a whole number from 1 to {MAX_LIMIT}", field="limit")


def _is_number(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool) and math.isfinite(value)


def _is_int(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)
