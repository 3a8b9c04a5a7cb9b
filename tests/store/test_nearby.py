"""Radius queries (store/nearby.py) on SQLite and PostgreSQL: the same answers as a brute
force over every post, whatever the page size, order, filters or place on the globe, and
plans driven by the cell index."""

from __future__ import annotations

import heapq
import math
import random
from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy import event, insert, select

from fedlocal.config import Quarter, build_config
from fedlocal.geo import EARTH_RADIUS_KM, haversine_km, radius_query
from fedlocal.models import EventDetails, ListingDetails, Place
from fedlocal.store import nearby
from fedlocal.store import posts as post_store
from fedlocal.store.post_columns import columns_for
from fedlocal.store.tables import objects

from .helpers import FIXED, all_pages, local_actor

SAINT_MALO = (48.6493, -2.0257)
EVERY_STATUS = None


def destination(lat: float, lon: float, bearing: float, distance_km: float) -> tuple[float, float]:
    """The point `distance_km` from (lat, lon) along the initial `bearing` (degrees)."""
    angle = distance_km / EARTH_RADIUS_KM
    phi, lam, theta = math.radians(lat), math.radians(lon), math.radians(bearing)
    sin_phi2 = math.sin(phi) * math.cos(angle) + math.cos(phi) * math.sin(angle) * math.cos(theta)
    phi2 = math.asin(sin_phi2)
    lam2 = lam + math.atan2(
        math.sin(theta) * math.sin(angle) * math.cos(phi),
        math.cos(angle) - math.sin(phi) * sin_phi2,
    )
    return math.degrees(phi2), (math.degrees(lam2) + 180.0) % 360.0 - 180.0


def post_values(actor_id: int, number: int, lat: float, lon: float, **fields: Any) -> dict:
    """Column values of an open, public offer at (lat, lon), published in `number` order."""
    kind = fields.pop("kind", "offer")
    status = fields.pop("status", None)
    post: dict[str, Any] = {
        "type": "Event" if kind == "event" else "Note",
        "kind": kind,
        "visibility": "public",
        "content": f"<p>post {number}</p>",
        "published": FIXED + timedelta(minutes=number),
        "category": "objects",
        "place": Place(latitude=lat, longitude=lon),
        "listing": None,
        "event": None,
    }
    if kind == "event":
        post["event"] = EventDetails(starts_at=FIXED, status=status or "confirmed")
    elif kind in ("offer", "request"):
        post["listing"] = ListingDetails(intent="give", status=status or "open")
    deleted_at = fields.pop("deleted_at", None)
    post.update(fields)
    values = columns_for(post)
    values.update(
        uri=f"https://local.example/posts/{number}",
        actor_id=actor_id,
        is_local=True,
        created_at=FIXED,
        deleted_at=deleted_at,
    )
    return values


async def insert_points(database, points: list[tuple[float, float]]) -> dict[int, tuple]:
    """Open public offers at `points`, in order; returns {id: (lat, lon)} as stored."""
    async with database.write() as conn:
        actor = await local_actor(conn, "alice")
        rows = [post_values(actor.id, n, lat, lon) for n, (lat, lon) in enumerate(points)]
        for first in range(0, len(rows), 1000):
            await conn.execute(insert(objects), rows[first : first + 1000])
        stored = await conn.execute(select(objects.c.id, objects.c.latitude, objects.c.longitude))
        return {post_id: (lat, lon) for post_id, lat, lon in stored}


def brute_force(points: dict[int, tuple], lat: float, lon: float, radius: float) -> dict:
    """{id: distance} of every point within the radius, the slow and obvious way."""
    distances = {i: haversine_km(lat, lon, *point) for i, point in points.items()}
    return {i: d for i, d in distances.items() if d <= radius}


def around_saint_malo(count: int, seed: int) -> list[tuple[float, float]]:
    """Random points within ~7 km of Saint-Malo: some unrounded, some rounded to 3
    decimals as published (so several share a place), some on grid-cell edges."""
    rng = random.Random(seed)
    points = []
    for n in range(count):
        lat = SAINT_MALO[0] + rng.uniform(-0.06, 0.06)
        lon = SAINT_MALO[1] + rng.uniform(-0.09, 0.09)
        if n % 3 == 1:
            lat, lon = round(lat, 3), round(lon, 3)
        elif n % 7 == 2:
            lat, lon = round(lat, 2), round(lon, 2)  # on the corner of four cells
        points.append((lat, lon))
    return points


CENTRES = [SAINT_MALO, (48.65, -2.03), (48.6871, -1.9703)]
RADII = [0.25, 1.0, 2.0, 4.5]


# --- the same answers as a brute force ----------------------------------------------------


async def test_every_point_within_the_radius_is_found_and_none_outside(database):
    points = await insert_points(database, around_saint_malo(3000, seed=1))

    async with database.read() as conn:
        for lat, lon in CENTRES:
            for radius in RADII:
                expected = brute_force(points, lat, lon, radius)
                found = await nearby.ids_within(conn, radius_query(lat, lon, radius))

                assert {i for i, _ in found} == set(expected), (lat, lon, radius)
                assert [i for i, _ in found] == sorted(expected, reverse=True)
                for post_id, distance in found:
                    assert distance == pytest.approx(expected[post_id], abs=1e-9)
    # the check is not vacuous: some radii hold hundreds, some posts lie just beyond
    assert len(brute_force(points, *SAINT_MALO, 2.0)) > 150
    assert len(brute_force(points, *SAINT_MALO, 4.5)) < len(points)


@pytest.mark.parametrize("window", [None, 50])
async def test_newest_first_pages_return_every_match_exactly_once(database, monkeypatch, window):
    # (PostgreSQL reads the newest ids first, then the rest: a small window makes pages
    # straddle the two)
    if window is not None:
        monkeypatch.setattr(nearby, "_ID_WINDOW", window)
    points = await insert_points(database, around_saint_malo(2000, seed=2))
    area = radius_query(*SAINT_MALO, 2.0)
    expected = sorted(brute_force(points, *SAINT_MALO, 2.0), reverse=True)

    async with database.read() as conn:

        async def page(cursor):
            return await nearby.posts_within(conn, area, max_id=cursor, limit=37)

        pages = await all_pages(page, lambda item: item.post.id, max_pages=100)

    ids = [item.post.id for items in pages for item in items]
    assert ids == expected  # newest first, none missing, none twice
    assert all(len(items) == 37 for items in pages[:-1])
    for items in pages:
        for item in items:
            assert item.distance_km == pytest.approx(
                haversine_km(*SAINT_MALO, item.post.place.latitude, item.post.place.longitude)
            )


async def test_a_page_starting_below_max_id(database):
    points = await insert_points(database, around_saint_malo(500, seed=3))
    expected = sorted(brute_force(points, *SAINT_MALO, 3.0), reverse=True)
    middle = expected[len(expected) // 2]

    async with database.read() as conn:
        found = await nearby.posts_within(
            conn, radius_query(*SAINT_MALO, 3.0), max_id=middle, limit=10
        )

    assert [item.post.id for item in found] == [i for i in expected if i < middle][:10]
    async with database.read() as conn:
        beyond = await nearby.posts_within(
            conn, radius_query(*SAINT_MALO, 3.0), max_id=10**6, limit=10
        )
    assert [item.post.id for item in beyond] == expected[:10]


async def test_nearest_first_is_the_brute_force_order(database):
    points = await insert_points(database, around_saint_malo(3000, seed=4))

    async with database.read() as conn:
        for lat, lon in CENTRES:
            for radius, limit in [(0.25, 5), (1.0, 25), (2.0, 25), (4.5, 100), (0.1, 100)]:
                expected = brute_force(points, lat, lon, radius)
                nearest = heapq.nsmallest(limit, expected, key=lambda i: (expected[i], -i))
                found = await nearby.nearest_posts(
                    conn, radius_query(lat, lon, radius), limit=limit
                )

                assert [item.post.id for item in found] == nearest, (lat, lon, radius)
                distances = [item.distance_km for item in found]
                assert distances == sorted(distances)


async def test_a_page_reads_on_past_candidates_that_all_fail_the_filters(database):
    # Given 10 open offers and, newer, exactly one first batch (64) of closed ones
    spot = (48.6495, -2.0255)
    async with database.write() as conn:
        actor = await local_actor(conn, "alice")
        rows = [post_values(actor.id, n, *spot) for n in range(10)]
        rows += [post_values(actor.id, n, *spot, status="closed") for n in range(10, 74)]
        await conn.execute(insert(objects), rows)
        open_ids = sorted(
            (await conn.execute(select(objects.c.id).where(objects.c.status == "open")))
            .scalars()
            .all(),
            reverse=True,
        )
    area = radius_query(*SAINT_MALO, 1.0)

    async with database.read() as conn:
        stats = nearby.ScanStats()
        first = await nearby.posts_within(conn, area, limit=5, stats=stats)

        async def page(cursor):
            return await nearby.posts_within(conn, area, max_id=cursor, limit=3)

        pages = await all_pages(page, lambda item: item.post.id)

    # Then the next, larger batch below the closed ones is read
    assert [item.post.id for item in first] == open_ids[:5]
    if database.is_sqlite:  # PostgreSQL reads the cells once, in one statement
        assert stats.cell_ids == 64 + 256
    assert [item.post.id for items in pages for item in items] == open_ids


async def test_nearest_first_breaks_ties_by_newest(database):
    # Given five posts at one (rounded) place and one a little further
    spot = (48.649, -2.026)
    points = await insert_points(database, [spot] * 5 + [(48.6495, -2.026)])
    ids = sorted(points)

    async with database.read() as conn:
        found = await nearby.nearest_posts(conn, radius_query(48.6489, -2.026, 1.0), limit=3)

    assert [item.post.id for item in found] == [ids[4], ids[3], ids[2]]


async def test_points_just_inside_and_just_outside_the_radius(database):
    # Given points 1 m inside and 1 m outside a 1 km circle, in eight directions
    radius = 1.0
    inside = [destination(*SAINT_MALO, bearing, radius - 0.001) for bearing in range(0, 360, 45)]
    outside = [destination(*SAINT_MALO, bearing, radius + 0.001) for bearing in range(0, 360, 45)]
    points = await insert_points(database, inside + outside)
    inside_ids = {i for i, point in points.items() if point in inside}
    assert len(inside_ids) == 8

    # When
    area = radius_query(*SAINT_MALO, radius)
    async with database.read() as conn:
        newest = await nearby.posts_within(conn, area, limit=100)
        nearest = await nearby.nearest_posts(conn, area, limit=100)
        every = await nearby.ids_within(conn, area)

    # Then exactly the inside ones
    assert {item.post.id for item in newest} == inside_ids
    assert {item.post.id for item in nearest} == inside_ids
    assert {post_id for post_id, _ in every} == inside_ids


async def test_rows_the_planar_bound_keeps_but_the_exact_distance_refuses(database):
    # Given, 60°N with a 50 km radius, posts just east of the circle but within its cells
    # and the planar bound (which scales longitude by the smallest cosine of the area),
    # newer than and interleaved with posts inside
    centre, radius = (60.0, 10.0), 50.0
    area = radius_query(*centre, radius)
    beyond = destination(*centre, 88.0, 50.01)  # 10 m out, in a cell the circle touches
    assert area.in_cells(*beyond) and area.passes_planar(*beyond)
    assert not area.contains(*beyond)
    inside = [destination(*centre, 90.0, 49.0 - n / 10) for n in range(8)]
    points: list[tuple[float, float]] = []
    for first, second in zip(inside[::2], inside[1::2], strict=True):
        points += [first, second, beyond, beyond, beyond]  # newest first: 3 beyond, 2 in
    stored = await insert_points(database, points)
    expected = sorted(brute_force(stored, *centre, radius), reverse=True)
    assert len(expected) == 8

    # When pages of 3 are read
    async with database.read() as conn:

        async def page(cursor):
            return await nearby.posts_within(conn, area, max_id=cursor, limit=3)

        pages = await all_pages(page, lambda item: item.post.id)
        every = await nearby.ids_within(conn, area)

    # Then the refused rows are skipped and every inside one comes once
    assert [item.post.id for items in pages for item in items] == expected
    assert [post_id for post_id, _ in every] == expected


async def test_nearest_first_reads_on_until_no_unread_row_can_be_nearer(database):
    # Given, 70°N, one post 40 km due north and 70 posts 40.3 km due east, which the
    # planar bound ranks nearer (it understates east-west distances by about 1 %)
    centre, radius = (70.0, 20.0), 50.0
    area = radius_query(*centre, radius)
    north = destination(*centre, 0.0, 40.0)
    east = destination(*centre, 90.0, 40.3)

    def planar(point):
        east_west = (point[1] - centre[1]) * area.longitude_scale
        return (point[0] - centre[0]) ** 2 + east_west**2

    assert planar(east) < planar(north)
    stored = await insert_points(database, [north] + [east] * 70)

    # When the nearest post is asked for
    async with database.read() as conn:
        found = await nearby.nearest_posts(conn, area, limit=1)

    # Then it is the northern one, though 70 rows come before it in the planar order
    assert [item.post.id for item in found] == [min(stored)]
    assert found[0].distance_km == pytest.approx(40.0)


# --- filters ------------------------------------------------------------------------------


def uri_for(post_id: int) -> str:
    return f"https://local.example/posts/{post_id}"


async def test_filters_kind_category_status_visibility_deletion_and_time(database):
    near = (48.6500, -2.0250)
    async with database.write() as conn:
        alice = await local_actor(conn, "alice")

        async def post(name, *, minutes=0, place=near, **fields):
            fields.setdefault("visibility", "public")
            created = await post_store.insert_local_post(
                conn,
                actor_id=alice.id,
                uri_for=uri_for,
                name=name,
                content="<p>x</p>",
                published=FIXED + timedelta(minutes=minutes),
                place=Place(latitude=place[0], longitude=place[1]),
                **fields,
            )
            return created.id

        offer = lambda status="open": ListingDetails(intent="give", status=status)  # noqa: E731
        request = ListingDetails(intent="help")
        ids = {
            "offer": await post("offer", kind="offer", listing=offer(), category="objects"),
            "request": await post("request", kind="request", listing=request, category="care"),
            "event": await post(
                "event", kind="event", event=EventDetails(starts_at=FIXED), category="care"
            ),
            "reserved": await post("reserved", kind="offer", listing=offer("reserved")),
            "closed": await post("closed", kind="offer", listing=offer("closed")),
            "cancelled event": await post(
                "cancelled event",
                kind="event",
                event=EventDetails(starts_at=FIXED, status="cancelled"),
            ),
            "note": await post("note", kind="note"),
            "unlisted": await post(
                "unlisted", kind="offer", listing=offer(), visibility="unlisted"
            ),
            "followers": await post(
                "followers", kind="offer", listing=offer(), visibility="followers"
            ),
            "direct": await post("direct", kind="offer", listing=offer(), visibility="direct"),
            "tombstoned": await post("tombstoned", kind="offer", listing=offer()),
            "late": await post("late", kind="offer", listing=offer(), minutes=60),
            "far": await post("far", kind="offer", listing=offer(), place=(48.70, -2.03)),
        }
        await post_store.tombstone_post(conn, ids["tombstoned"])
        # a remote copy marked deleted whose place is still on the row
        await conn.execute(
            insert(objects),
            [post_values(alice.id, 999, *near, deleted_at=FIXED, uri="urn:deleted")],
        )
    area = radius_query(*SAINT_MALO, 1.0)

    async def names(**filters) -> set[str]:
        async with database.read() as conn:
            newest = await nearby.posts_within(conn, area, limit=100, **filters)
            nearest = await nearby.nearest_posts(conn, area, limit=100, **filters)
            every = await nearby.ids_within(conn, area, **filters)
        assert {i.post.id for i in newest} == {i.post.id for i in nearest} == {i for i, _ in every}
        return {item.post.name for item in newest}

    default = {"offer", "request", "event", "reserved", "unlisted", "late"}
    assert await names() == default
    assert await names(kinds=["event"]) == {"event"}
    assert await names(kinds=["offer", "request"]) == default - {"event"}
    assert await names(categories=["care"]) == {"request", "event"}
    assert await names(statuses=EVERY_STATUS) == default | {"closed", "cancelled event"}
    assert await names(statuses=["closed"]) == {"closed"}
    assert await names(visibilities=["public"]) == default - {"unlisted"}
    assert await names(published_after=FIXED + timedelta(minutes=30)) == {"late"}
    assert await names(kinds=["note"], statuses=EVERY_STATUS) == {"note"}


# --- quarters, poles, the antimeridian, very large radii ----------------------------------


async def test_posts_around_a_quarter_of_the_gazetteer(database):
    config = build_config(
        {
            "name": "Paramé",
            "base_url": "https://parame.example",
            "data_dir": "/srv/parame",
            "area": {
                "latitude": 48.6606,
                "longitude": -1.9892,
                "radius_km": 2.0,
                "quarters": [
                    {"name": "Paramé", "latitude": 48.6606, "longitude": -1.9892},
                    {"name": "Rochebonne", "latitude": 48.6577, "longitude": -1.9981},
                ],
            },
        },
        environ={},
    )
    points = await insert_points(database, around_saint_malo(800, seed=5))

    quarter = config.find_quarter("ROCHEBONNE")
    assert quarter == Quarter("Rochebonne", 48.6577, -1.9981)
    async with database.read() as conn:
        found = await nearby.posts_within(
            conn, radius_query(quarter.latitude, quarter.longitude, 0.8), limit=100
        )

    expected = brute_force(points, quarter.latitude, quarter.longitude, 0.8)
    assert expected
    assert [item.post.id for item in found] == sorted(expected, reverse=True)[:100]


async def test_a_circle_across_the_antimeridian(database):
    # Fiji: 179.999°E and 179.999°W are 220 m apart
    points = await insert_points(
        database,
        [(-16.8, 179.999), (-16.8, -179.999), (-16.8, 180.0), (-16.8, 179.5), (-16.8, -179.5)],
    )

    async with database.read() as conn:
        for lon in (180.0, -180.0, 179.9995, -179.9995):
            area = radius_query(-16.8, lon, 1.0)
            found = await nearby.ids_within(conn, area)
            newest = await nearby.posts_within(conn, area)
            nearest = await nearby.nearest_posts(conn, area)

            expected = brute_force(points, -16.8, lon, 1.0)
            assert len(expected) == 3
            assert {i for i, _ in found} == set(expected)
            assert {item.post.id for item in newest} == set(expected)
            assert {item.post.id for item in nearest} == set(expected)


async def test_a_circle_around_the_north_pole(database):
    points = await insert_points(
        database,
        [(89.995, 0.0), (89.995, 180.0), (89.995, -90.0), (90.0, 0.0), (89.9, 0.0), (89.97, 45)],
    )

    async with database.read() as conn:
        area = radius_query(89.999, 45.0, 2.0)
        found = {i for i, _ in await nearby.ids_within(conn, area)}
        nearest = await nearby.nearest_posts(conn, area)

    expected = brute_force(points, 89.999, 45.0, 2.0)
    assert len(expected) == 4
    assert found == set(expected)
    # 180° and 90°W are 135° of longitude either side of 45°E: a tie, newest first
    assert [item.post.id for item in nearest] == sorted(expected, key=lambda i: (expected[i], -i))


@pytest.mark.parametrize(
    "centre, radius",
    [
        ((48.6493, -2.0257), 300.0),  # the latitude band: one range of whole rows
        ((69.6492, 18.9553), 50.0),  # Tromsø: 50 km spans more than MAX_LISTED_CELLS cells
    ],
)
async def test_large_areas_use_cell_ranges_and_find_the_same(database, centre, radius):
    rng = random.Random(6)
    spread = [
        destination(*centre, rng.uniform(0, 360), radius * 1.3 * math.sqrt(rng.random()))
        for _ in range(400)
    ]
    points = await insert_points(database, spread)
    area = radius_query(*centre, radius)
    assert area.cell_count > nearby.MAX_LISTED_CELLS

    async with database.read() as conn:
        found = await nearby.ids_within(conn, area)
        newest = await nearby.posts_within(conn, area, limit=30)
        nearest = await nearby.nearest_posts(conn, area, limit=30)

    expected = brute_force(points, *centre, radius)
    assert 100 < len(expected) < 400
    assert {i for i, _ in found} == set(expected)
    assert [item.post.id for item in newest] == sorted(expected, reverse=True)[:30]
    assert [item.post.id for item in nearest] == sorted(expected, key=expected.get)[:30]


async def test_nothing_nearby_and_an_empty_page(database):
    await insert_points(database, [SAINT_MALO])
    area = radius_query(0.0, 0.0, 5.0)

    async with database.read() as conn:
        assert await nearby.posts_within(conn, area) == []
        assert await nearby.nearest_posts(conn, area) == []
        assert await nearby.ids_within(conn, area) == []
        here = radius_query(*SAINT_MALO, 1.0)
        assert await nearby.posts_within(conn, here, limit=0) == []
        assert await nearby.nearest_posts(conn, here, limit=0) == []


# --- plans --------------------------------------------------------------------------------


async def explained_plans(database, run) -> list[tuple[str, str]]:
    """(statement, plan) of every SELECT that `run(conn)` sends."""
    sent: list[tuple[str, Any]] = []

    def record(conn, cursor, statement, parameters, context, executemany) -> None:
        if statement.lstrip().upper().startswith("SELECT"):
            sent.append((statement, parameters))

    engine = database.reader.sync_engine
    event.listen(engine, "before_cursor_execute", record)
    try:
        async with database.read() as conn:
            await run(conn)
    finally:
        event.remove(engine, "before_cursor_execute", record)
    prefix = "EXPLAIN QUERY PLAN " if database.is_sqlite else "EXPLAIN "
    plans = []
    async with database.read() as conn:
        for statement, parameters in sent:
            rows = (await conn.exec_driver_sql(prefix + statement, parameters)).all()
            plans.append((statement, "\n".join(str(row[-1]) for row in rows)))
    return plans


async def town_and_countryside(
    database, *, town: int, countryside: int, seed: int
) -> dict[int, tuple]:
    """`town` posts around Saint-Malo and `countryside` more spread thinly around it, with
    statistics for PostgreSQL's planner."""
    rng = random.Random(seed)
    spread = [(rng.uniform(48.3, 48.7), rng.uniform(-2.6, -2.1)) for _ in range(countryside)]
    points = await insert_points(database, around_saint_malo(town, seed=seed) + spread)
    if not database.is_sqlite:
        async with database.write() as conn:
            await conn.exec_driver_sql("ANALYZE objects")
    return points


async def test_the_cell_index_drives_every_query_dense_or_sparse(database):
    # Given a town of 1,500 posts and 3,000 more spread thinly over 2,000 cells, and
    # statistics for PostgreSQL's planner
    await town_and_countryside(database, town=1500, countryside=3000, seed=7)
    sparse = radius_query(48.50, -2.35, 2.0)  # a few posts
    dense = radius_query(*SAINT_MALO, 2.0)

    async def run(conn) -> None:
        for area in (sparse, dense) if database.is_sqlite else (sparse,):
            # (max_id 30,000: PostgreSQL's newest-ids window holds none of these posts)
            await nearby.posts_within(conn, area, limit=20, max_id=30_000)
            await nearby.posts_within(conn, area, limit=20, categories=["care"])
            await nearby.nearest_posts(conn, area, limit=20)
            await nearby.ids_within(conn, area)

    # When the statements are explained
    plans = await explained_plans(database, run)

    # Then each reads the cell index, and none scans the table (on PostgreSQL, in the
    # sparse area, and but for its first look at the newest ids: bounded, any plan will do)
    assert plans
    for statement, plan in plans:
        cells = ("geo_cell IN", "geo_cell = ANY", "geo_cell BETWEEN")
        if not any(prefilter in statement for prefilter in cells):
            continue  # the rows of the nearest posts, read by id
        if not database.is_sqlite and "objects.id >= " in statement:
            continue
        assert "ix_objects_geo_cell" in plan, plan
        if database.is_sqlite:
            assert "SCAN objects" not in plan, plan
        else:
            assert "Seq Scan on objects" not in plan, plan
        # neither the kind/status nor the category index drives it (see store/nearby.py)
        assert "ix_objects_kind_status_id" not in plan, plan
        assert "ix_objects_category_id" not in plan, plan
        assert "Index Scan Backward using pk_objects" not in plan, plan


# SQLite's plan only: PostgreSQL chooses by its statistics (see above).
@pytest.mark.parametrize("database", ["sqlite"], indirect=True)
async def test_sqlite_reads_each_cell_newest_first_for_a_page(database):
    await insert_points(database, around_saint_malo(500, seed=8))

    plans = await explained_plans(
        database,
        lambda conn: nearby.posts_within(conn, radius_query(*SAINT_MALO, 2.0), limit=20),
    )

    statement, plan = plans[0]
    # candidates from the covering cell index, one seek per cell; rows by primary key
    assert "SEARCH objects USING COVERING INDEX ix_objects_geo_cell_id (geo_cell=?)" in plan
    assert "SEARCH objects USING INTEGER PRIMARY KEY (rowid=?)" in plan


# PostgreSQL's plan only: its windows of ids (SQLite reads each cell newest first).
@pytest.mark.postgres
@pytest.mark.parametrize("database", ["postgres"], indirect=True)
async def test_postgres_reads_each_window_of_ids_within_its_bounds(database, monkeypatch):
    # Given a sparse area whose newest window of ids cannot fill a page
    monkeypatch.setattr(nearby, "_ID_WINDOW", 100)
    points = await town_and_countryside(database, town=1500, countryside=3000, seed=9)
    sparse = radius_query(48.50, -2.35, 3.0)
    expected = sorted(brute_force(points, 48.50, -2.35, 3.0), reverse=True)[:20]

    # When a page is read and its statements explained
    found: list[int] = []

    async def run(conn) -> None:
        found.extend(item.post.id for item in await nearby.posts_within(conn, sparse, limit=20))

    plans = await explained_plans(database, run)

    # Then it holds the newest matches, and each window was read within
    # its bounds, whichever index the planner chose (the primary key's range for a narrow
    # window, the (geo_cell, id) index's for the area's posts in a wide one): never every
    # post of the cells
    assert found == expected
    windows = [plan for statement, plan in plans if "objects.id >= " in statement]
    assert len(windows) >= 2, plans  # the newest window, and at least one below it
    for plan in windows:
        index_reads = [line for line in plan.splitlines() if "Index Cond" in line]
        assert index_reads, plan
        assert all("(id >= " in line for line in index_reads), plan
        assert "Seq Scan on objects" not in plan, plan


@pytest.mark.postgres
@pytest.mark.parametrize("database", ["postgres"], indirect=True)
async def test_postgres_prepares_a_page_once_and_plans_it_for_each_area(database, monkeypatch):
    # Given posts in a town and over the countryside, and statistics for the planner
    monkeypatch.setattr(nearby, "_ID_WINDOW", 100)
    points = await town_and_countryside(database, town=500, countryside=1500, seed=10)
    centres = [SAINT_MALO] + [(48.3 + 0.04 * i, -2.55 + 0.04 * i) for i in range(9)]

    async with database.read() as conn:
        # When pages of ten areas, dense and sparse, are read on one connection
        for latitude, longitude in centres:
            found = await nearby.posts_within(conn, radius_query(latitude, longitude, 2.0))
            expected = sorted(brute_force(points, latitude, longitude, 2.0), reverse=True)[:20]
            assert [item.post.id for item in found] == expected
        prepared = (
            await conn.exec_driver_sql(
                "SELECT generic_plans, custom_plans FROM pg_prepared_statements"
                " WHERE statement LIKE '%geo_cell = ANY%'"
                " AND statement NOT LIKE '%pg_prepared_statements%'"  # this one
            )
        ).all()

    # Then each statement of the page was prepared once for every area (the cells are bound,
    # not written in), and planned each time for the area's own cells: never a generic plan
    assert prepared
    assert max(custom for _, custom in prepared) >= len(centres)
    assert all(generic == 0 for generic, _ in prepared), prepared
