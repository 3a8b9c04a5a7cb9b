"""Timelines: home, public (local, remote), hashtag, and the nearby feed as a list.

The nearby feed (offers, requests and events around the instance, or around a point or
a quarter) is the list `nearby`: `GET /api/v1/lists` shows it, so any Mastodon app can
open it as a list timeline (`/api/v1/timelines/list/nearby`).
"""

from __future__ import annotations

from starlette.routing import Route

from ..formatting import normalise_hashtag
from ..services import timelines
from . import entities, present
from .auth import Call, endpoint
from .errors import ApiError
from .pagination import page_from


@endpoint("read:statuses")
async def home(call: Call):
    views = await timelines.home(call.ctx, call.actor, page_from(call.params))
    return present.status_page(call, views)


@endpoint("read:statuses", who="optional")
async def public(call: Call):
    if call.params.bool("only_media"):
        return []
    views = await timelines.public(
        call.ctx,
        call.viewer,
        page_from(call.params),
        local=call.params.bool("local"),
        remote=call.params.bool("remote"),
    )
    return present.status_page(call, views)


@endpoint("read:statuses", who="optional")
async def tag(call: Call):
    if call.params.bool("only_media"):
        return []
    names = [call.request.path_params["hashtag"], *call.params.list("any")]
    hashtags = [normalise_hashtag(name) for name in names if name.strip("#")]
    views = await timelines.tag(
        call.ctx,
        call.viewer,
        hashtags,
        page_from(call.params),
        local=call.params.bool("local"),
        remote=call.params.bool("remote"),
    )
    return present.status_page(call, views)


@endpoint("read:lists")
async def list_timeline(call: Call):
    if call.request.path_params["id"] != entities.NEARBY_LIST_ID:
        raise ApiError(404, "Record not found")
    p = call.params
    views = await timelines.nearby(
        call.ctx,
        call.viewer,
        page_from(p),
        latitude=p.float("latitude"),
        longitude=p.float("longitude"),
        quarter=p.str("quarter") or None,
        radius_km=p.float("radius_km"),
        kinds=p.list("kinds") or None,
    )
    return present.status_page(call, views)


@endpoint("read:lists")
async def lists(call: Call):
    return [entities.nearby_list(call.config.default_language)]


@endpoint("read:lists")
async def show_list(call: Call):
    if call.request.path_params["id"] != entities.NEARBY_LIST_ID:
        raise ApiError(404, "Record not found")
    return entities.nearby_list(call.config.default_language)


@endpoint("read:lists")
async def list_accounts(call: Call):
    if call.request.path_params["id"] != entities.NEARBY_LIST_ID:
        raise ApiError(404, "Record not found")
    return []


routes = [
    Route("/api/v1/timelines/home", home, methods=["GET"]),
    Route("/api/v1/timelines/public", public, methods=["GET"]),
    Route("/api/v1/timelines/tag/{hashtag}", tag, methods=["GET"]),
    Route("/api/v1/timelines/list/{id}", list_timeline, methods=["GET"]),
    Route("/api/v1/lists", lists, methods=["GET"]),
    Route("/api/v1/lists/{id}", show_list, methods=["GET"]),
    Route("/api/v1/lists/{id}/accounts", list_accounts, methods=["GET"]),
]
