"""Hashtags: `GET /api/v1/tags/:name`, following and unfollowing one, and the list of
those a resident follows."""

from __future__ import annotations

from starlette.routing import Route

from ..services import tags as tag_service
from . import entities
from .auth import Call, endpoint
from .pagination import page_from
from .present import paged


def _name(call: Call) -> str:
    return str(call.request.path_params["name"])


@endpoint("read", who="optional")
async def show(call: Call):
    return entities.tag_view(await tag_service.tag(call.ctx, call.viewer, _name(call)), call.urls)


@endpoint("write:follows")
async def follow(call: Call):
    return entities.tag_view(await tag_service.follow(call.ctx, call.actor, _name(call)), call.urls)


@endpoint("write:follows")
async def unfollow(call: Call):
    view = await tag_service.unfollow(call.ctx, call.actor, _name(call))
    return entities.tag_view(view, call.urls)


@endpoint("read:follows")
async def followed(call: Call):
    page = page_from(call.params, default=100, maximum=200)
    pairs = await tag_service.followed(call.ctx, call.actor, page)
    return paged(call, [entities.tag_view(v, call.urls) for _i, v in pairs], [i for i, _v in pairs])


routes = [
    Route("/api/v1/tags/{name}", show, methods=["GET"]),
    Route("/api/v1/tags/{name}/follow", follow, methods=["POST"]),
    Route("/api/v1/tags/{name}/unfollow", unfollow, methods=["POST"]),
    Route("/api/v1/followed_tags", followed, methods=["GET"]),
]
