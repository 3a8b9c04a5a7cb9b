"""Posts around Saint-Malo for the nearby benchmark: where they are and what they are.

Most posts cluster around the towns of the Emerald Coast and its hinterland (within
~40 km of Saint-Malo), each town a Gaussian blob sized by its population; the rest are
spread uniformly over the 40 km disc. Coordinates are rounded to 3 decimals as published
(`fedlocal.geo.round_coordinate`), so many posts share a point, as real ones do.
"""

from __future__ import annotations

import math
import random
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from fedlocal.categories import BUILT_IN
from fedlocal.geo import EARTH_RADIUS_KM, round_coordinate
from fedlocal.models import EventDetails, ListingDetails, Place
from fedlocal.store.post_columns import columns_for

SAINT_MALO = (48.6493, -2.0257)
AREA_KM = 40.0
BACKGROUND_SHARE = 0.2


@dataclass(frozen=True)
class Town:
    name: str
    latitude: float
    longitude: float
    weight: float  # share of the clustered posts, before normalising
    sigma_km: float


TOWNS = (
    Town("Saint-Malo Intra-Muros", 48.6493, -2.0257, 8, 0.6),
    Town("Paramé", 48.6606, -1.9892, 10, 1.0),
    Town("Saint-Servan", 48.6366, -2.0163, 9, 0.9),
    Town("Rothéneuf", 48.6797, -1.9636, 3, 0.8),
    Town("Dinard", 48.6325, -2.0617, 8, 1.0),
    Town("Saint-Lunaire", 48.6336, -2.1128, 2, 0.8),
    Town("Saint-Briac-sur-Mer", 48.6197, -2.1339, 2, 0.8),
    Town("Pleurtuit", 48.5806, -2.0575, 3, 1.2),
    Town("Cancale", 48.6761, -1.8514, 4, 1.0),
    Town("Saint-Méloir-des-Ondes", 48.6339, -1.9072, 2, 1.0),
    Town("Châteauneuf-d'Ille-et-Vilaine", 48.5708, -1.9281, 1, 0.8),
    Town("Dol-de-Bretagne", 48.5497, -1.7511, 4, 1.0),
    Town("Dinan", 48.4556, -2.0503, 9, 1.2),
    Town("Combourg", 48.4106, -1.7508, 4, 1.0),
    Town("Plancoët", 48.5222, -2.2356, 2, 0.8),
    Town("Matignon", 48.5964, -2.2914, 1, 0.8),
)


def offset(lat: float, lon: float, north_km: float, east_km: float) -> tuple[float, float]:
    """A point `north_km` north and `east_km` east of another (small distances)."""
    dlat = math.degrees(north_km / EARTH_RADIUS_KM)
    dlon = math.degrees(east_km / (EARTH_RADIUS_KM * math.cos(math.radians(lat))))
    return lat + dlat, lon + dlon


def uniform_point(rng: random.Random) -> tuple[float, float]:
    """A point drawn uniformly from the disc of AREA_KM around Saint-Malo."""
    distance = AREA_KM * math.sqrt(rng.random())
    bearing = rng.uniform(0, 2 * math.pi)
    return offset(*SAINT_MALO, distance * math.cos(bearing), distance * math.sin(bearing))


def random_point(rng: random.Random) -> tuple[float, float]:
    """A post's place, drawn from the benchmark's spatial distribution."""
    if rng.random() < BACKGROUND_SHARE:
        lat, lon = uniform_point(rng)
    else:
        town = rng.choices(TOWNS, weights=[t.weight for t in TOWNS])[0]
        lat, lon = offset(
            town.latitude,
            town.longitude,
            rng.gauss(0, town.sigma_km),
            rng.gauss(0, town.sigma_km),
        )
    return round_coordinate(lat), round_coordinate(lon)


_KINDS = (("offer", 0.45), ("request", 0.30), ("event", 0.25))
_LISTING_STATUSES = (("open", 0.6), ("reserved", 0.1), ("closed", 0.25), ("cancelled", 0.05))
_EVENT_STATUSES = (("confirmed", 0.8), ("tentative", 0.1), ("cancelled", 0.1))
_VISIBILITIES = (("public", 0.85), ("unlisted", 0.07), ("followers", 0.05), ("direct", 0.03))
DELETED_SHARE = 0.02
START = datetime(2024, 1, 1, tzinfo=UTC)


def _pick(rng: random.Random, weighted: tuple[tuple[str, float], ...]) -> str:
    return rng.choices([v for v, _ in weighted], weights=[w for _, w in weighted])[0]


def post_rows(
    rng: random.Random, count: int, actor_ids: list[int], *, first: int = 0
) -> list[dict[str, Any]]:
    """Column values for `count` posts, published in id order over two years."""
    rows = []
    span = timedelta(days=730)
    for number in range(first, first + count):
        kind = _pick(rng, _KINDS)
        lat, lon = random_point(rng)
        published = START + span * (number / 250_000)
        fields: dict[str, Any] = {
            "type": "Event" if kind == "event" else "Note",
            "kind": kind,
            "visibility": _pick(rng, _VISIBILITIES),
            "name": f"{kind} {number}",
            "content": f"<p>{kind} number {number}, near {lat}, {lon}</p>",
            "published": published,
            "category": rng.choice(BUILT_IN).key,
            "place": Place(name=None, latitude=lat, longitude=lon),
            "listing": None,
            "event": None,
        }
        if kind == "event":
            fields["event"] = EventDetails(
                starts_at=published + timedelta(days=rng.randint(1, 60)),
                status=_pick(rng, _EVENT_STATUSES),
            )
        else:
            intent = rng.choice(("give", "lend", "sell") if kind == "offer" else ("help", "item"))
            fields["listing"] = ListingDetails(intent=intent, status=_pick(rng, _LISTING_STATUSES))
        values = columns_for(fields)
        actor_id = rng.choice(actor_ids)
        values.update(
            uri=f"https://bench.example/posts/{number}",
            actor_id=actor_id,
            is_local=actor_id == actor_ids[0],
            created_at=published,
            deleted_at=None,
        )
        if rng.random() < DELETED_SHARE:  # a tombstone: no place any more (posts.py)
            values.update(
                deleted_at=published + timedelta(days=1),
                content="",
                **columns_for({"place": None}),
            )
        rows.append(values)
    return rows
