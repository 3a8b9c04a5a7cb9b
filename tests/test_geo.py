"""The geometry of radius queries, without a database: the cells and the planar bound
that the SQL prefilter uses never drop a point of the circle, anywhere on the globe."""

from __future__ import annotations

import math

import pytest
from hypothesis import assume, example, given, settings
from hypothesis import strategies as st

from fedlocal.geo import (
    CELL_DEGREES,
    EARTH_RADIUS_KM,
    MAX_CELL_ROWS,
    cell_of,
    haversine_km,
    radius_query,
    round_coordinate,
    valid_coordinates,
)

SAINT_MALO = (48.6493, -2.0257)
ROW = round(360 / CELL_DEGREES)  # cells per grid row


def destination(lat: float, lon: float, bearing: float, distance_km: float) -> tuple[float, float]:
    """The point `distance_km` from (lat, lon) along the initial `bearing` (degrees)."""
    angle = distance_km / EARTH_RADIUS_KM
    phi, lam, theta = math.radians(lat), math.radians(lon), math.radians(bearing)
    sin_phi2 = math.sin(phi) * math.cos(angle) + math.cos(phi) * math.sin(angle) * math.cos(theta)
    phi2 = math.asin(max(-1.0, min(1.0, sin_phi2)))
    lam2 = lam + math.atan2(
        math.sin(theta) * math.sin(angle) * math.cos(phi),
        math.cos(angle) - math.sin(phi) * sin_phi2,
    )
    lon2 = (math.degrees(lam2) + 180.0) % 360.0 - 180.0
    return max(-90.0, min(90.0, math.degrees(phi2))), lon2


latitudes = st.one_of(
    st.floats(-90, 90),
    st.floats(84, 90),  # near the poles
    st.floats(-90, -84),
    st.just(SAINT_MALO[0]),
)
longitudes = st.one_of(
    st.floats(-180, 180),
    st.floats(178, 180),  # near the antimeridian
    st.floats(-180, -178),
    st.just(SAINT_MALO[1]),
)
radii = st.one_of(
    st.floats(0.001, 500), st.floats(0.001, 5), st.sampled_from([0.5, 2.0, 10.0, 50.0])
)


# --- the prefilter keeps every point of the circle ----------------------------------------


@settings(max_examples=1500, deadline=None)
@given(
    lat=latitudes,
    lon=longitudes,
    radius=radii,
    bearing=st.floats(0, 360),
    fraction=st.one_of(st.floats(0, 1), st.just(1.0), st.floats(0.999, 1)),
)
@example(lat=89.99, lon=0.0, radius=3.0, bearing=0.0, fraction=1.0)  # across the pole
@example(lat=0.0, lon=179.995, radius=2.0, bearing=90.0, fraction=1.0)  # across 180°
@example(lat=-16.5, lon=-179.999, radius=5.0, bearing=270.0, fraction=0.9)
@example(lat=48.6493, lon=-2.0257, radius=2.0, bearing=0.0, fraction=1.0)  # the northern tip
def test_every_point_within_the_radius_is_in_the_cells_and_passes_the_planar_bound(
    lat, lon, radius, bearing, fraction
):
    # Given a point of the circle
    point = destination(lat, lon, bearing, radius * fraction)
    assume(haversine_km(lat, lon, *point) <= radius)

    # When the query is prepared
    area = radius_query(lat, lon, radius)

    # Then the SQL prefilter keeps it
    assert area.in_cells(*point), (area.cell_ranges, cell_of(*point))
    assert area.passes_planar(*point)
    assert area.contains(*point)


@settings(max_examples=300, deadline=None)
@given(
    lat=st.floats(-80, 80),
    lon=longitudes,
    radius=st.floats(0.05, 50),
    pick=st.floats(0, 1),
    offsets=st.tuples(st.floats(0, 1, exclude_max=True), st.floats(0, 1, exclude_max=True)),
)
def test_the_cells_hug_the_circle(lat, lon, radius, pick, offsets):
    """A cell is listed only if the circle reaches it: any point of a listed cell is
    within a cell's diagonal of the circle."""
    area = radius_query(lat, lon, radius)
    cells = [c for first, last in area.cell_ranges for c in range(first, last + 1)]
    cell = cells[min(int(pick * len(cells)), len(cells) - 1)]
    south = (cell // ROW) * CELL_DEGREES - 90.0
    west = (cell % ROW) * CELL_DEGREES - 180.0
    point = (south + offsets[0] * CELL_DEGREES, west + offsets[1] * CELL_DEGREES)
    diagonal = haversine_km(south, west, south + CELL_DEGREES, west + CELL_DEGREES)
    assert haversine_km(lat, lon, *point) <= radius + diagonal * 1.01


def test_a_2_km_query_at_saint_malo_reads_few_cells():
    area = radius_query(*SAINT_MALO, 2.0)

    # 4 grid rows of 0.01° (1.1 km) and 6 or 7 columns (0.74 km) each
    assert len(area.cell_ranges) == 4
    assert 20 <= area.cell_count <= 30
    assert area.longitude_shifts == (0.0,)


def test_ranges_are_sorted_and_disjoint():
    for lat, lon, radius in [(*SAINT_MALO, 2.0), (0.0, 179.99, 30.0), (89.0, 10.0, 200.0)]:
        ranges = radius_query(lat, lon, radius).cell_ranges
        assert ranges
        assert all(first <= last for first, last in ranges)
        assert all(a[1] + 1 < b[0] for a, b in zip(ranges, ranges[1:], strict=False))


# --- poles and the antimeridian -----------------------------------------------------------


def test_a_circle_around_the_north_pole_covers_every_longitude_of_its_band():
    area = radius_query(89.99, 0.0, 5.0)

    # one range of whole rows, from the southern edge of the circle up to the pole
    assert area.cell_ranges == ((cell_of(area.min_latitude, -180.0), cell_of(90.0, 180.0)),)
    assert area.longitude_scale == 0.0
    for longitude in (-180.0, -90.0, 0.0, 90.0, 179.999, 180.0):
        assert area.in_cells(89.995, longitude)
        assert area.passes_planar(89.995, longitude)
        assert area.contains(89.995, longitude)
    # the other side of the pole, 2.2 km away
    assert haversine_km(89.99, 0.0, 89.99, 180.0) < 5.0
    assert area.contains(89.99, 180.0) and area.passes_planar(89.99, 180.0)


def test_a_circle_around_the_south_pole():
    area = radius_query(-89.995, 45.0, 2.0)

    assert area.cell_ranges[0][0] == 0  # the first cell of the southernmost row
    assert area.in_cells(-90.0, -135.0) and area.passes_planar(-90.0, -135.0)


@pytest.mark.parametrize("centre_lon, across", [(179.995, -179.995), (-179.995, 179.995)])
def test_a_circle_across_the_antimeridian_keeps_both_sides(centre_lon, across):
    area = radius_query(0.0, centre_lon, 2.0)

    # 1.1 km apart across ±180°
    assert haversine_km(0.0, centre_lon, 0.0, across) < 2.0
    assert area.in_cells(0.0, across)
    assert area.passes_planar(0.0, across)
    assert set(area.longitude_shifts) == {0.0, 360.0 if centre_lon > 0 else -360.0}
    # both ends of every row it touches: column 0 and column 35999
    columns = {cell % ROW for first, last in area.cell_ranges for cell in (first, last)}
    assert {0, ROW - 1} <= columns
    # and not the far side of the globe
    assert not area.in_cells(0.0, 0.0)
    assert not area.passes_planar(0.0, 0.0)


def test_a_point_at_180_and_at_minus_180_is_the_same_place():
    area = radius_query(10.0, 180.0, 1.0)

    assert area.in_cells(10.0, -180.0) and area.passes_planar(10.0, -180.0)
    assert area.contains(10.0, -180.0)


def test_a_very_large_radius_reads_the_latitude_band():
    area = radius_query(*SAINT_MALO, 400.0)

    rows = math.ceil(2 * math.degrees(400.0 / EARTH_RADIUS_KM) / CELL_DEGREES)
    assert rows > MAX_CELL_ROWS
    # one range of whole rows: every longitude between the circle's southern and
    # northern edges, still a single index range
    ((first, last),) = area.cell_ranges
    assert first % ROW == 0 and last % ROW == ROW - 1
    east = destination(*SAINT_MALO, 90.0, 399.0)
    assert area.in_cells(*east) and area.passes_planar(*east)
    assert not area.passes_planar(SAINT_MALO[0], SAINT_MALO[1] + 20)


# --- distances and rounding ---------------------------------------------------------------


def test_haversine_is_the_great_circle_distance():
    degree = EARTH_RADIUS_KM * math.pi / 180
    assert haversine_km(0.0, 0.0, 1.0, 0.0) == pytest.approx(degree, rel=1e-12)
    assert haversine_km(0.0, 0.0, 0.0, 1.0) == pytest.approx(degree, rel=1e-12)
    assert haversine_km(60.0, 0.0, 60.0, 1.0) == pytest.approx(degree / 2, rel=1e-4)
    assert haversine_km(0.0, 0.0, 0.0, 180.0) == pytest.approx(math.pi * EARTH_RADIUS_KM)
    assert haversine_km(0.0, 179.5, 0.0, -179.5) == pytest.approx(degree, rel=1e-9)
    # Saint-Malo Intra-Muros to Dinard, across the Rance: as the spherical law of
    # cosines has it (fine at this distance)
    dinard = (48.6325, -2.0617)
    phi1, phi2 = math.radians(SAINT_MALO[0]), math.radians(dinard[0])
    cosine = math.sin(phi1) * math.sin(phi2) + math.cos(phi1) * math.cos(phi2) * math.cos(
        math.radians(dinard[1] - SAINT_MALO[1])
    )
    expected = EARTH_RADIUS_KM * math.acos(cosine)
    assert haversine_km(*SAINT_MALO, *dinard) == pytest.approx(expected, rel=1e-6)
    assert haversine_km(*SAINT_MALO, *dinard) == pytest.approx(3.24, abs=0.01)


def test_coordinates_are_published_to_about_100_m():
    assert round_coordinate(48.649312) == 48.649
    assert haversine_km(48.6493, -2.0257, round_coordinate(48.6493), -2.0257) < 0.1


def test_cells_are_0_01_degree_row_major():
    assert cell_of(-90.0, -180.0) == 0
    assert cell_of(-90.0, -179.995) == 0
    assert cell_of(-90.0, -179.985) == 1
    assert cell_of(-89.995, -180.0) == 0
    assert cell_of(-89.985, -180.0) == ROW
    assert cell_of(90.0, 180.0) == 18000 * ROW - 1  # the edges belong to the last cells


# --- bad input ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    "lat, lon",
    [(90.0001, 0.0), (-91.0, 0.0), (0.0, 180.5), (0.0, -181.0), (math.nan, 0.0), (0.0, math.inf)],
)
def test_invalid_coordinates_are_rejected(lat, lon):
    assert not valid_coordinates(lat, lon)
    with pytest.raises(ValueError, match="latitude"):
        radius_query(lat, lon, 1.0)


@pytest.mark.parametrize("radius", [0.0, -1.0, 500.001, math.nan, math.inf, -math.inf])
def test_invalid_radii_are_rejected(radius):
    with pytest.raises(ValueError, match="radius"):
        radius_query(*SAINT_MALO, radius)


def test_the_largest_radius_is_accepted():
    assert radius_query(*SAINT_MALO, 500.0).radius_km == 500.0
