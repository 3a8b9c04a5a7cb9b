"""Where a post is: a quarter of the instance's gazetteer, or coordinates, rounded.

Offers and requests carry an approximate place only — the quarter's name and coordinates
rounded to about 100 m — never the exact address (geo.PUBLIC_DECIMALS).
"""

from __future__ import annotations

from ..config import Quarter
from ..geo import haversine_km, round_coordinate, valid_coordinates
from ..models import Place
from .context import ServiceContext
from .errors import InvalidInput

# A point this close to a quarter's centre is said to be in that quarter.
QUARTER_RADIUS_KM = 3.0


def nearest_quarter(ctx: ServiceContext, latitude: float, longitude: float) -> Quarter | None:
    candidates = [
        (haversine_km(latitude, longitude, q.latitude, q.longitude), q) for q in ctx.config.quarters
    ]
    candidates = [(d, q) for d, q in candidates if d <= QUARTER_RADIUS_KM]
    return min(candidates, key=lambda pair: pair[0])[1] if candidates else None


def resolve_place(
    ctx: ServiceContext,
    *,
    quarter: str | None = None,
    latitude: float | None = None,
    longitude: float | None = None,
) -> Place:
    """A public, approximate place from a quarter name and/or coordinates.

    With neither, the instance's own area: its first quarter, or its centre.
    """
    if (latitude is None) != (longitude is None):
        raise InvalidInput("give both latitude and longitude", field="latitude")
    if latitude is not None and longitude is not None:
        if not valid_coordinates(latitude, longitude):
            raise InvalidInput("these coordinates are not on Earth", field="latitude")
        named = (
            ctx.config.find_quarter(quarter)
            if quarter
            else nearest_quarter(ctx, latitude, longitude)
        )
        if quarter and named is None:
            raise InvalidInput("unknown quarter '%(quarter)s'", quarter=quarter, field="quarter")
        return Place(
            name=named.name if named else None,
            latitude=round_coordinate(latitude),
            longitude=round_coordinate(longitude),
        )
    if quarter:
        found = ctx.config.find_quarter(quarter)
        if found is None:
            raise InvalidInput("unknown quarter '%(quarter)s'", quarter=quarter, field="quarter")
        return _quarter_place(found)
    if ctx.config.quarters:
        return _quarter_place(ctx.config.quarters[0])
    config = ctx.config
    if config.latitude or config.longitude:
        return Place(
            name=config.name,
            latitude=round_coordinate(config.latitude),
            longitude=round_coordinate(config.longitude),
        )
    return Place(name=config.name)


def _quarter_place(quarter: Quarter) -> Place:
    return Place(
        name=quarter.name,
        latitude=round_coordinate(quarter.latitude),
        longitude=round_coordinate(quarter.longitude),
    )
