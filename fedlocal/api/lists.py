"""Lists: `/api/v1/lists` (made, read, changed, removed), their accounts
(`/api/v1/lists/:id/accounts`, only accounts one follows), their timeline
(`/api/v1/timelines/list/:id`, paged with `Link`), and `/api/v1/accounts/:id/lists`.

Besides a resident's own lists there is one every account has: `nearby`, the nearby
feed (offers, requests and events around the instance, or around a point or a quarter,
`/api/v1/timelines/list/nearby?quarter=…`). It comes first in `GET /api/v1/lists`, so any
Mastodon app opens it as a list; it cannot be changed.
"""

from __future__ import annotations

from starlette.routing import Route

from ..boundary.ids import parse_id
from ..services import lists, timelines
from . import entities, present
from .auth import Call, endpoint
from .errors import NOT_FOUND, ApiError
from .pagination import page_from

NEARBY = entities.NEARBY_LIST_ID


def _is_nearby(call: Call) -> bool:
    return call.request.path_params["id"] == NEARBY


def _unchangeable() -> ApiError:
    return ApiError(422, "The nearby list cannot be changed")


def _account_ids(call: Call) -> list[int]:
    found = [parse_id(raw) for raw in call.params.list("account_ids")]
    if any(i is None for i in found):
        raise ApiError(404, NOT_FOUND)
    return [i for i in found if i is not None]


@endpoint("read:lists")
async def index(call: Call):
    own = await lists.lists_of(call.ctx, call.actor)
    nearby = entities.nearby_list(call.account.locale or call.config.default_language)
    return [nearby, *(entities.user_list(found) for found in own)]


@endpoint("read:lists")
async def show(call: Call):
    if _is_nearby(call):
        return entities.nearby_list(call.account.locale or call.config.default_language)
    return entities.user_list(await lists.owned(call.ctx, call.actor, call.path_id()))


@endpoint("write:lists")
async def create(call: Call):
    p = call.params
    made = await lists.create(
        call.ctx,
        call.actor,
        name=p.str("title"),
        replies_policy=p.str("replies_policy"),
        exclusive=p.bool("exclusive"),
    )
    return entities.user_list(made)


@endpoint("write:lists")
async def change(call: Call):
    if _is_nearby(call):
        raise _unchangeable()
    p = call.params
    changed = await lists.change(
        call.ctx,
        call.actor,
        call.path_id(),
        name=p.str("title"),
        replies_policy=p.str("replies_policy"),
        exclusive=p.bool("exclusive") if "exclusive" in p else None,
    )
    return entities.user_list(changed)


@endpoint("write:lists")
async def remove(call: Call):
    if _is_nearby(call):
        raise _unchangeable()
    await lists.remove(call.ctx, call.actor, call.path_id())
    return {}


@endpoint("read:lists")
async def members(call: Call):
    if _is_nearby(call):
        return []
    # `limit=0` asks for every member, as in Mastodon.
    everyone = call.params.int("limit") == 0
    page = None if everyone else page_from(call.params)
    found = await lists.members(call.ctx, call.actor, call.path_id(), page)
    return present.paged(
        call, present.accounts(call, found), [] if everyone else [v.actor.id for v in found]
    )


@endpoint("write:lists")
async def add_members(call: Call):
    if _is_nearby(call):
        raise _unchangeable()
    await lists.add_members(call.ctx, call.actor, call.path_id(), _account_ids(call))
    return {}


@endpoint("write:lists")
async def remove_members(call: Call):
    if _is_nearby(call):
        raise _unchangeable()
    await lists.remove_members(call.ctx, call.actor, call.path_id(), _account_ids(call))
    return {}


@endpoint("read:lists")
async def timeline(call: Call):
    p = call.params
    if not _is_nearby(call):
        found = await lists.timeline(call.ctx, call.actor, call.path_id(), page_from(p))
        return present.status_page(call, found)
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
async def of_account(call: Call):
    found = await lists.lists_with(call.ctx, call.actor, call.path_id())
    return [entities.user_list(item) for item in found]


routes = [
    Route("/api/v1/lists", index, methods=["GET"]),
    Route("/api/v1/lists", create, methods=["POST"]),
    Route("/api/v1/lists/{id}", show, methods=["GET"]),
    Route("/api/v1/lists/{id}", change, methods=["PUT"]),
    Route("/api/v1/lists/{id}", remove, methods=["DELETE"]),
    Route("/api/v1/lists/{id}/accounts", members, methods=["GET"]),
    Route("/api/v1/lists/{id}/accounts", add_members, methods=["POST"]),
    Route("/api/v1/lists/{id}/accounts", remove_members, methods=["DELETE"]),
    Route("/api/v1/timelines/list/{id}", timeline, methods=["GET"]),
    Route("/api/v1/accounts/{id}/lists", of_account, methods=["GET"]),
]
