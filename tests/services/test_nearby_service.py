"""The nearby service: a centre from coordinates or a quarter of the gazetteer, checked
inputs with the field at fault, and items with their distance and quarter."""

from __future__ import annotations

import math
from datetime import datetime, timedelta

import pytest

from fedlocal.config import build_config
from fedlocal.geo import haversine_km
from fedlocal.models import EventDetails, ListingDetails, Place
from fedlocal.services.context import ServiceContext
from fedlocal.services.errors import InvalidInput
from fedlocal.services.nearby import nearby
from fedlocal.store import actors as actor_store
from fedlocal.store import posts as post_store
from fedlocal.urls import Urls
from tests.store.helpers import FIXED, local_actor
from tests.support.databases import fresh_database

INTRA_MUROS = (48.6493, -2.0257)
SAINT_SERVAN = (48.6366, -2.0163)
PARAME = (48.6606, -1.9892)
CONFIG = build_config(
    {
        "name": "Saint-Malo",
        "base_url": "https://saint-malo.example",
        "data_dir": "/srv/saint-malo",
        "area": {
            "latitude": INTRA_MUROS[0],
            "longitude": INTRA_MUROS[1],
            "radius_km": 4.0,
            "quarters": [
                {"name": "Intra-Muros", "latitude": INTRA_MUROS[0], "longitude": INTRA_MUROS[1]},
                {"name": "Saint-Servan", "latitude": SAINT_SERVAN[0], "longitude": SAINT_SERVAN[1]},
                {"name": "Paramé", "latitude": PARAME[0], "longitude": PARAME[1]},
            ],
        },
    },
    environ={},
)


class _Unused:
    """Outbox, remote and (for input checks) the database: never reached."""

    def __getattr__(self, name):
        raise AssertionError(f"the nearby service should not use {name}")


def context(db=None) -> ServiceContext:
    return ServiceContext(
        config=CONFIG,
        db=db if db is not None else _Unused(),
        urls=Urls(CONFIG.base_url),
        outbox=_Unused(),
        remote=_Unused(),
    )


@pytest.fixture
async def db(tmp_path):
    async with fresh_database("sqlite", tmp_path) as database:
        yield database


async def publish(db, name: str, place: tuple[float, float], *, minutes: int = 0, **fields):
    fields.setdefault("kind", "offer")
    if fields["kind"] == "event":
        fields.setdefault("event", EventDetails(starts_at=FIXED))
    else:
        fields.setdefault("listing", ListingDetails(intent="give"))
    fields.setdefault("visibility", "public")
    async with db.write() as conn:
        author = await actor_store.get_local_actor(conn, "alice") or await local_actor(conn)
        post = await post_store.insert_local_post(
            conn,
            actor_id=author.id,
            uri_for=lambda post_id: f"https://saint-malo.example/posts/{post_id}",
            name=name,
            content=f"<p>{name}</p>",
            published=FIXED + timedelta(minutes=minutes),
            place=Place(latitude=place[0], longitude=place[1]),
            **fields,
        )
    return post.id


async def neighbourhood(db) -> dict[str, int]:
    """Posts around Saint-Malo, oldest first."""
    return {
        "rampart": await publish(db, "rampart", (48.6497, -2.0262), minutes=0),
        "harbour": await publish(db, "harbour", (48.6440, -2.0190), minutes=1),
        "solidor": await publish(db, "solidor", (48.6339, -2.0150), minutes=2, category="care"),
        "sillon": await publish(db, "sillon", (48.6580, -1.9950), minutes=3, kind="event"),
        "rochebonne": await publish(db, "rochebonne", (48.6577, -1.9981), minutes=4),
        "dinan": await publish(db, "dinan", (48.4556, -2.0503), minutes=5),
    }


# --- the centre ---------------------------------------------------------------------------


@pytest.mark.parametrize("name", ["Paramé", "PARAMÉ", "parame", "  Paramé  ", "pArAmE"])
async def test_a_quarter_is_found_whatever_its_case_and_accents(db, name):
    await neighbourhood(db)

    by_name = await nearby(context(db), quarter=name, radius_km=1.0)
    by_point = await nearby(context(db), latitude=PARAME[0], longitude=PARAME[1], radius_km=1.0)

    assert [item.post.name for item in by_name] == ["rochebonne", "sillon"]
    assert by_name == by_point
    for item in by_name:
        place = item.post.place
        assert item.distance_km == pytest.approx(
            haversine_km(*PARAME, place.latitude, place.longitude)
        )


async def test_a_quarter_with_punctuation(db):
    await neighbourhood(db)

    found = await nearby(context(db), quarter="intra muros", radius_km=0.2)

    assert [item.post.name for item in found] == ["rampart"]


async def test_an_unknown_quarter_is_refused_with_the_known_ones():
    with pytest.raises(InvalidInput) as refused:
        await nearby(context(), quarter="Rothéneuf", radius_km=1.0)

    assert refused.value.field == "quarter"
    assert "Rothéneuf" in refused.value.message
    assert "Intra-Muros, Saint-Servan, Paramé" in refused.value.message


# --- what comes back ----------------------------------------------------------------------


async def test_items_carry_the_distance_and_the_quarter_they_lie_in(db):
    await neighbourhood(db)

    found = await nearby(
        context(db), latitude=INTRA_MUROS[0], longitude=INTRA_MUROS[1], radius_km=50.0
    )

    quarters = {item.post.name: item.quarter for item in found}
    assert quarters == {
        "rampart": "Intra-Muros",
        "harbour": "Intra-Muros",
        "solidor": "Saint-Servan",
        "sillon": "Paramé",
        "rochebonne": "Paramé",
        "dinan": None,  # 22 km from any quarter of the gazetteer
    }
    assert [item.post.name for item in found] == [
        "dinan", "rochebonne", "sillon", "solidor", "harbour", "rampart"
    ]  # fmt: skip


async def test_recent_order_pages_with_max_id(db):
    await neighbourhood(db)
    ctx = context(db)

    first = await nearby(ctx, quarter="Intra-Muros", radius_km=5.0, limit=2)
    second = await nearby(
        ctx, quarter="Intra-Muros", radius_km=5.0, limit=2, max_id=first[-1].post.id
    )
    third = await nearby(
        ctx, quarter="Intra-Muros", radius_km=5.0, limit=2, max_id=second[-1].post.id
    )

    assert [[i.post.name for i in page] for page in (first, second, third)] == [
        ["rochebonne", "sillon"],
        ["solidor", "harbour"],
        ["rampart"],
    ]


async def test_distance_order_is_nearest_first_and_one_page(db):
    await neighbourhood(db)

    found = await nearby(context(db), quarter="Saint-Servan", radius_km=5.0, order="distance")
    nearest_two = await nearby(
        context(db), quarter="Saint-Servan", radius_km=5.0, order="distance", limit=2
    )

    assert [item.post.name for item in found] == [
        "solidor", "harbour", "rampart", "rochebonne", "sillon"
    ]  # fmt: skip
    assert [item.distance_km for item in found] == sorted(item.distance_km for item in found)
    assert [item.post.name for item in nearest_two] == ["solidor", "harbour"]


async def test_filters_by_kind_category_and_time(db):
    await neighbourhood(db)
    ctx = context(db)
    around = {"quarter": "Intra-Muros", "radius_km": 5.0}

    events = await nearby(ctx, **around, kinds=["event"])
    care = await nearby(ctx, **around, categories=["care"])
    recent = await nearby(ctx, **around, since=FIXED + timedelta(minutes=3))

    assert [item.post.name for item in events] == ["sillon"]
    assert [item.post.name for item in care] == ["solidor"]
    assert [item.post.name for item in recent] == ["rochebonne", "sillon"]


async def test_open_public_posts_are_listed_and_local_only_ones_for_residents(db):
    await neighbourhood(db)
    await publish(db, "local only", (48.6495, -2.0260), minutes=9, visibility="local")
    await publish(db, "unlisted", (48.6495, -2.0260), minutes=10, visibility="unlisted")
    await publish(db, "followers", (48.6495, -2.0260), minutes=11, visibility="followers")
    await publish(
        db, "closed", (48.6495, -2.0260), minutes=12, listing=ListingDetails("give", "closed")
    )
    gone = await publish(db, "gone", (48.6495, -2.0260), minutes=13)
    async with db.write() as conn:
        await post_store.tombstone_post(conn, gone)

    for_anyone = await nearby(context(db), quarter="Intra-Muros", radius_km=0.3)
    for_residents = await nearby(
        context(db), quarter="Intra-Muros", radius_km=0.3, include_local_only=True
    )

    assert [item.post.name for item in for_anyone] == ["rampart"]
    assert [item.post.name for item in for_residents] == ["local only", "rampart"]


# --- input checks -------------------------------------------------------------------------

POINT = {"latitude": INTRA_MUROS[0], "longitude": INTRA_MUROS[1]}


@pytest.mark.parametrize(
    "arguments, field",
    [
        ({}, "latitude"),
        ({"latitude": 48.6}, "longitude"),
        ({"longitude": -2.0}, "latitude"),
        ({**POINT, "quarter": "Paramé"}, "quarter"),
        ({"latitude": 90.5, "longitude": 0.0}, "latitude"),
        ({"latitude": -91, "longitude": 0.0}, "latitude"),
        ({"latitude": math.nan, "longitude": 0.0}, "latitude"),
        ({"latitude": "48.6", "longitude": -2.0}, "latitude"),
        ({"latitude": True, "longitude": -2.0}, "latitude"),
        ({"latitude": 48.6, "longitude": 180.1}, "longitude"),
        ({"latitude": 48.6, "longitude": -math.inf}, "longitude"),
        ({**POINT, "radius_km": 0}, "radius_km"),
        ({**POINT, "radius_km": -2.0}, "radius_km"),
        ({**POINT, "radius_km": 50.001}, "radius_km"),
        ({**POINT, "radius_km": math.nan}, "radius_km"),
        ({**POINT, "radius_km": "2"}, "radius_km"),
        ({**POINT, "limit": 0}, "limit"),
        ({**POINT, "limit": 101}, "limit"),
        ({**POINT, "limit": 2.5}, "limit"),
        ({**POINT, "kinds": ["note"]}, "kinds"),
        ({**POINT, "kinds": ["offer", "bicycle"]}, "kinds"),
        ({**POINT, "categories": ["bicycles"]}, "categories"),
        ({**POINT, "since": datetime(2031, 1, 1)}, "since"),  # naive
        ({**POINT, "since": "2031-01-01"}, "since"),
        ({**POINT, "order": "nearest"}, "order"),
        ({**POINT, "order": "distance", "max_id": 10}, "max_id"),
        ({**POINT, "max_id": 0}, "max_id"),
        ({**POINT, "max_id": "10"}, "max_id"),
    ],
)
async def test_bad_input_names_its_field(arguments, field):
    with pytest.raises(InvalidInput) as refused:
        await nearby(context(), **arguments)

    assert refused.value.field == field
    assert refused.value.status == 422
    assert refused.value.message


@pytest.mark.parametrize(
    "arguments",
    [
        {**POINT, "radius_km": 50},
        {**POINT, "radius_km": 0.01, "limit": 1},
        {**POINT, "limit": 100, "order": "distance"},
        {**POINT, "kinds": [], "categories": ["care", "objects"]},
        {"latitude": -90.0, "longitude": 180.0},
    ],
)
async def test_edges_of_the_valid_range_are_accepted(db, arguments):
    assert await nearby(context(db), **arguments) == []
