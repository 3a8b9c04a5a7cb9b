"""Markers: `GET /api/v1/markers?timeline[]=home&timeline[]=notifications` and
`POST /api/v1/markers` (`home[last_read_id]`, `notifications[last_read_id]`)."""

from __future__ import annotations

from typing import Any

from starlette.routing import Route

from ..boundary.ids import parse_id
from ..models import Marker
from ..services import markers
from .auth import Call, endpoint
from .entities import timestamp
from .errors import ApiError


def _entities(found: dict[str, Marker]) -> dict[str, Any]:
    return {
        timeline: {
            "last_read_id": str(marker.last_read_id),
            "version": marker.version,
            "updated_at": timestamp(marker.updated_at),
        }
        for timeline, marker in found.items()
    }


@endpoint("read:statuses")
async def index(call: Call):
    return _entities(await markers.read(call.ctx, call.actor, call.params.list("timeline")))


@endpoint("write:statuses")
async def save(call: Call):
    positions = {}
    for timeline in markers.TIMELINES:
        raw = call.params.get(f"{timeline}[last_read_id]")
        if raw is None:
            continue
        found = parse_id(str(raw), minimum=0)
        if found is None:
            raise ApiError(422, f"Validation failed: {timeline}[last_read_id] is not an id")
        positions[timeline] = found
    return _entities(await markers.save(call.ctx, call.actor, positions))


routes = [
    Route("/api/v1/markers", index, methods=["GET"]),
    Route("/api/v1/markers", save, methods=["POST"]),
]
