"""Timelines: home, public (local, remote), hashtag. Lists and their timelines are in
lists.py."""

from __future__ import annotations

from starlette.routing import Route

from ..formatting import normalise_hashtag
from ..services import timelines
from . import present
from .auth import Call, endpoint
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


routes = [
    Route("/api/v1/timelines/home", home, methods=["GET"]),
    Route("/api/v1/timelines/public", public, methods=["GET"]),
    Route("/api/v1/timelines/tag/{hashtag}", tag, methods=["GET"]),
]
