"""Places on the map: rounding for privacy, grid cells for indexing, exact distances.

Radius queries run in two steps that work the same on SQLite and PostgreSQL:
1. prefilter in SQL with the B-tree index on `geo_cell` — the grid cells of 0.01° that
   overlap the query's bounding box, as one contiguous range of cells per grid row — plus
   a planar (equirectangular) distance bound that needs no trigonometry in SQL;
2. keep the rows whose exact great-circle (haversine) distance is within the radius.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

EARTH_RADIUS_KM = 6371.0088
CELL_DEGREES = 0.01
_ROWS = round(360 / CELL_DEGREES)  # cells per grid row (longitude span)
# Coordinates are published rounded to 3 decimals: about 110 m of latitude and, in
# France, 75 m of longitude — "about 100 m", never the exact address.
PUBLIC_DECIMALS = 3
# Above this many grid rows a query uses the latitude range alone (a very large radius).
MAX_CELL_ROWS = 200


def round_coordinate(value: float) -> float:
    return round(value, PUBLIC_DECIMALS)


def valid_coordinates(latitude: float, longitude: float) -> bool:
    return (
        math.isfinite(latitude)
        and math.isfinite(longitude)
        and -90.0 <= latitude <= 90.0
        and -180.0 <= longitude <= 180.0
    )


def _row(latitude: float) -> int:
    return min(int(math.floor((latitude + 90.0) / CELL_DEGREES)), round(180 / CELL_DEGREES) - 1)


def _column(longitude: float) -> int:
    return min(int(math.floor((longitude + 180.0) / CELL_DEGREES)), _ROWS - 1)


def cell_of(latitude: float, longitude: float) -> int:
    """The grid cell containing a point."""
    return _row(latitude) * _ROWS + _column(longitude)


def haversine_km(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    """Great-circle distance in kilometres."""
    phi1, phi2 = math.radians(lat1), math.radians(lat2)
    dphi = phi2 - phi1
    dlambda = math.radians(lon2 - lon1)
    a = math.sin(dphi / 2) ** 2 + math.cos(phi1) * math.cos(phi2) * math.sin(dlambda / 2) ** 2
    return 2 * EARTH_RADIUS_KM * math.asin(min(1.0, math.sqrt(a)))


@dataclass(frozen=True)
class RadiusQuery:
    """What the store needs to prefilter a radius query."""

    latitude: float
    longitude: float
    radius_km: float
    min_latitude: float
    max_latitude: float
    min_longitude: float
    max_longitude: float
    # (first cell, last cell) per grid row, or empty for "latitude range only".
    cell_ranges: tuple[tuple[int, int], ...]
    # Planar bound: (Δlat)² + (Δlon·k)² ≤ bound, in degrees², slightly generous.
    longitude_scale: float
    planar_bound: float

    def contains(self, latitude: float, longitude: float) -> bool:
        return haversine_km(self.latitude, self.longitude, latitude, longitude) <= self.radius_km

    def distance_km(self, latitude: float, longitude: float) -> float:
        return haversine_km(self.latitude, self.longitude, latitude, longitude)


def radius_query(latitude: float, longitude: float, radius_km: float) -> RadiusQuery:
    """Prepare a query for the points within `radius_km` of a centre."""
    if not valid_coordinates(latitude, longitude):
        raise ValueError("latitude must be within ±90 and longitude within ±180")
    if not (0 < radius_km <= 500):
        raise ValueError("the radius must be more than 0 and at most 500 km")
    degrees_lat = math.degrees(radius_km / EARTH_RADIUS_KM)
    min_lat = max(latitude - degrees_lat, -90.0)
    max_lat = min(latitude + degrees_lat, 90.0)
    # The widest longitude span is at the latitude furthest from the equator in the box.
    widest = max(abs(min_lat), abs(max_lat))
    cos_widest = math.cos(math.radians(min(widest, 89.9)))
    degrees_lon = min(degrees_lat / cos_widest, 180.0)
    min_lon, max_lon = longitude - degrees_lon, longitude + degrees_lon
    first_row, last_row = _row(min_lat), _row(max_lat)
    if min_lon < -180 or max_lon > 180 or last_row - first_row + 1 > MAX_CELL_ROWS:
        ranges: tuple[tuple[int, int], ...] = ()  # across the antimeridian or very large
    else:
        first_col, last_col = _column(min_lon), _column(max_lon)
        ranges = tuple(
            (row * _ROWS + first_col, row * _ROWS + last_col)
            for row in range(first_row, last_row + 1)
        )
    # Scaling longitude by the smallest cosine in the box under-estimates every east-west
    # distance, so the planar test never drops a true match; the 2 % margin covers the
    # equirectangular approximation. The exact distance decides afterwards.
    bound = (degrees_lat * 1.02) ** 2
    return RadiusQuery(
        latitude=latitude,
        longitude=longitude,
        radius_km=radius_km,
        min_latitude=min_lat,
        max_latitude=max_lat,
        min_longitude=max(min_lon, -180.0),
        max_longitude=min(max_lon, 180.0),
        cell_ranges=ranges,
        longitude_scale=cos_widest,
        planar_bound=bound,
    )
