"""Places on the map: rounding for privacy, grid cells for indexing, exact distances.

Radius queries run in two steps that work the same on SQLite and PostgreSQL:
1. prefilter in SQL with the B-tree index on `geo_cell` — the grid cells of 0.01° that
   the circle touches, as one contiguous range of cells per grid row (two where the circle
   crosses the antimeridian) — plus a planar (equirectangular) distance bound that needs no
   trigonometry in SQL and never rejects a point of the circle;
2. keep the rows whose exact great-circle (haversine) distance is within the radius.

Cells are numbered row by row (`row * 36000 + column`, rows from the south pole), so a
run of columns in one row is a contiguous range of cell numbers, and so is a band of whole
rows: a radius too large for one range per row, or a circle around a pole, is one range.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

EARTH_RADIUS_KM = 6371.0088
CELL_DEGREES = 0.01
_ROWS = round(360 / CELL_DEGREES)  # cells per grid row (longitude span)
_LAST_ROW = round(180 / CELL_DEGREES) - 1
# Coordinates are published rounded to 3 decimals: about 110 m of latitude and, in
# France, 75 m of longitude — "about 100 m", never the exact address.
PUBLIC_DECIMALS = 3
# Above this many grid rows a query reads the whole latitude band (one range of cells)
# instead of one range per row: a very large radius.
MAX_CELL_ROWS = 200
MAX_RADIUS_KM = 500.0
# Latitudes of a row's points computed in floating point may stray this far from the
# row's exact edges; the per-row column ranges are computed over a band this much wider.
_ROW_SLACK_DEGREES = 1e-9
# Relative slack on computed half-widths and on the planar bound: far above the rounding
# error of the arithmetic, far below anything a query could notice (1e-9 of 50 km is 50 µm).
_SLACK = 1e-9
_WIDTH_SLACK_DEGREES = 1e-9
# Absolute slack on the planar bound: `latitude - centre` loses the digits the two have in
# common (1e-14° near 90), which matters against a radius of a metre.
_ROUNDING_DEGREES = 1e-11


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
    return min(int(math.floor((latitude + 90.0) / CELL_DEGREES)), _LAST_ROW)


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
    # West and east edges of the circle, unwrapped: beyond ±180 when the circle crosses
    # the antimeridian, and a full turn around the centre when it contains a pole.
    min_longitude: float
    max_longitude: float
    # Sorted, disjoint (first cell, last cell) ranges, together covering every cell the
    # circle touches; never empty.
    cell_ranges: tuple[tuple[int, int], ...]
    # Planar bound: (Δlat)² + (Δlon·k)² ≤ bound, in degrees², with Δlon taken as
    # `longitude - centre + shift` for each shift in `longitude_shifts` (360 or -360 when
    # the circle crosses the antimeridian): a point of the circle passes for some shift.
    longitude_scale: float
    planar_bound: float
    longitude_shifts: tuple[float, ...] = (0.0,)

    def contains(self, latitude: float, longitude: float) -> bool:
        return haversine_km(self.latitude, self.longitude, latitude, longitude) <= self.radius_km

    def distance_km(self, latitude: float, longitude: float) -> float:
        return haversine_km(self.latitude, self.longitude, latitude, longitude)

    def in_cells(self, latitude: float, longitude: float) -> bool:
        """Whether the SQL cell ranges keep the point (what the index lookup does)."""
        cell = cell_of(latitude, longitude)
        return any(first <= cell <= last for first, last in self.cell_ranges)

    def passes_planar(self, latitude: float, longitude: float) -> bool:
        """Whether the SQL planar bound keeps the point (what the prefilter computes)."""
        dlat = latitude - self.latitude
        for shift in self.longitude_shifts:
            east = (longitude - (self.longitude - shift)) * self.longitude_scale
            if dlat * dlat + east * east <= self.planar_bound:
                return True
        return False

    @property
    def cell_count(self) -> int:
        return sum(last - first + 1 for first, last in self.cell_ranges)


def radius_query(latitude: float, longitude: float, radius_km: float) -> RadiusQuery:
    """Prepare a query for the points within `radius_km` of a centre."""
    if not valid_coordinates(latitude, longitude):
        raise ValueError("latitude must be within ±90 and longitude within ±180")
    if not (math.isfinite(radius_km) and 0 < radius_km <= MAX_RADIUS_KM):
        raise ValueError(f"the radius must be more than 0 and at most {MAX_RADIUS_KM:g} km")
    angle = radius_km / EARTH_RADIUS_KM  # radians
    degrees_lat = math.degrees(angle)
    min_lat = max(latitude - degrees_lat, -90.0)
    max_lat = min(latitude + degrees_lat, 90.0)
    # The circle contains a pole when the pole is within the radius: every longitude.
    around_pole = latitude + degrees_lat >= 90.0 or latitude - degrees_lat <= -90.0
    half_width = 180.0 if around_pole else _widest(latitude, angle)
    first_row, last_row = _row(min_lat), _row(max_lat)
    if around_pole or last_row - first_row + 1 > MAX_CELL_ROWS:
        ranges = [(first_row * _ROWS, last_row * _ROWS + _ROWS - 1)]
    else:
        ranges = [
            cells
            for row in range(first_row, last_row + 1)
            for cells in _row_ranges(row, latitude, longitude, angle, min_lat, max_lat)
        ]
    # k² ≤ cos φ_centre · cos φ for every φ of the circle, so k·Δλ never exceeds the
    # east-west part of the distance; the sinc factor bounds chord-versus-arc (see
    # `_planar_margin`). Around a pole k = 0 and the bound is the latitude band itself.
    if around_pole:
        scale, margin = 0.0, 1.0
    else:
        furthest = max(abs(min_lat), abs(max_lat))  # from the equator: the smallest cosine
        scale = math.sqrt(math.cos(math.radians(latitude)) * math.cos(math.radians(furthest)))
        margin = _planar_margin(angle, math.radians(half_width))
    shifts: tuple[float, ...] = (0.0,)
    if not around_pole and longitude + half_width > 180.0:
        shifts = (0.0, 360.0)
    elif not around_pole and longitude - half_width < -180.0:
        shifts = (0.0, -360.0)
    return RadiusQuery(
        latitude=latitude,
        longitude=longitude,
        radius_km=radius_km,
        min_latitude=min_lat,
        max_latitude=max_lat,
        min_longitude=longitude - half_width,
        max_longitude=longitude + half_width,
        cell_ranges=_merge(ranges),
        longitude_scale=scale,
        planar_bound=(degrees_lat * margin * (1 + _SLACK) + _ROUNDING_DEGREES) ** 2,
        longitude_shifts=shifts,
    )


def _row_ranges(
    row: int, latitude: float, longitude: float, angle: float, min_lat: float, max_lat: float
) -> list[tuple[int, int]]:
    """The cells of one grid row that the circle touches (none, one range, or two across
    the antimeridian)."""
    south = max(row * CELL_DEGREES - 90.0 - _ROW_SLACK_DEGREES, min_lat)
    north = min((row + 1) * CELL_DEGREES - 90.0 + _ROW_SLACK_DEGREES, max_lat)
    if south > north:
        return []
    # The circle is widest at the latitude where the tangent meridians touch it; within a
    # row it is widest at the row's latitude closest to that one.
    widest = min(max(_tangent_latitude(latitude, angle), south), north)
    half_width = _half_width_at(widest, math.radians(latitude), angle)
    if half_width is None:
        return []
    west, east = longitude - half_width, longitude + half_width
    base = row * _ROWS
    if east - west >= 360.0:
        return [(base, base + _ROWS - 1)]
    if west < -180.0:
        return [(base, base + _column(east)), (base + _column(west + 360.0), base + _ROWS - 1)]
    if east > 180.0:
        return [(base, base + _column(east - 360.0)), (base + _column(west), base + _ROWS - 1)]
    return [(base + _column(west), base + _column(east))]


def _tangent_latitude(latitude: float, angle: float) -> float:
    """Latitude where the circle is widest: where the meridians tangent to it touch it."""
    ratio = math.sin(math.radians(latitude)) / math.cos(angle)
    return math.degrees(math.asin(max(-1.0, min(1.0, ratio))))


def _widest(latitude: float, angle: float) -> float:
    """Half the circle's longitude span, in degrees (it contains no pole)."""
    width = _half_width_at(_tangent_latitude(latitude, angle), math.radians(latitude), angle)
    return 180.0 if width is None else width


def _half_width_at(latitude: float, phi_c: float, angle: float) -> float | None:
    """Largest |Δλ| (degrees) of a point of the circle at `latitude`, or None if the
    circle does not reach it.

    From the haversine formula, hav Δλ = (hav r − hav Δφ) / (cos φc cos φ), with
    hav r − hav Δφ written as sin((r−Δφ)/2)·sin((r+Δφ)/2): no cancellation near the
    circle's northern and southern tips, where an arccosine would lose half its digits.
    """
    phi = math.radians(latitude)
    dphi = abs(phi - phi_c)
    if dphi > angle * (1 + _SLACK):
        return None
    dphi = min(dphi, angle)
    denominator = math.cos(phi_c) * math.cos(phi)
    numerator = math.sin((angle - dphi) / 2) * math.sin((angle + dphi) / 2)
    if denominator <= 0.0 or numerator >= denominator:
        return 180.0
    width = math.degrees(2 * math.asin(math.sqrt(numerator / denominator)))
    return min(width * (1 + _SLACK) + _WIDTH_SLACK_DEGREES, 180.0)


def _planar_margin(angle: float, half_width: float) -> float:
    """Factor on the radius that keeps the planar bound a true bound.

    haversine: sin²(Δφ/2) + cos φ1 cos φ2 sin²(Δλ/2) ≤ sin²(r/2) for a point of the circle,
    and sin x ≥ x · sin(X)/X for 0 ≤ x ≤ X; with X the largest half-difference possible
    (r/2 in latitude, the half-width/2 in longitude) this gives
    Δφ² + k²Δλ² ≤ (r · X / sin X)².
    """
    largest = max(angle, min(half_width, math.pi)) / 2
    return largest / math.sin(largest)


def _merge(ranges: list[tuple[int, int]]) -> tuple[tuple[int, int], ...]:
    merged: list[tuple[int, int]] = []
    for first, last in sorted(ranges):
        if merged and first <= merged[-1][1] + 1:
            merged[-1] = (merged[-1][0], max(merged[-1][1], last))
        else:
            merged.append((first, last))
    return tuple(merged)
