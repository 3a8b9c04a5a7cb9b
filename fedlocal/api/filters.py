"""Filters: Mastodon's v2 (`/api/v2/filters`, with their keywords and statuses) made,
read, changed and removed, and the v1 view of them (`/api/v1/filters`, one entry per
keyword, read only). Applying them is services/filters.py's."""

from __future__ import annotations

from typing import Any

from starlette.routing import Route

from ..boundary.ids import parse_id
from ..services import filters
from ..services.filters import KeywordInput
from . import entities
from .auth import Call, endpoint
from .errors import NOT_FOUND, ApiError
from .params import FALSE, TRUE


def _flag(value: Any) -> bool | None:
    if isinstance(value, bool) or value is None:
        return value
    text = str(value).strip().lower()
    return True if text in TRUE else False if text in FALSE else None


def _keywords(call: Call) -> list[KeywordInput]:
    found = []
    for item in call.params.objects("keywords_attributes"):
        raw_id = item.get("id")
        keyword_id = parse_id(str(raw_id)) if raw_id not in (None, "") else None
        if raw_id not in (None, "") and keyword_id is None:
            raise ApiError(404, NOT_FOUND)
        keyword = item.get("keyword")
        found.append(
            KeywordInput(
                keyword=keyword if isinstance(keyword, str) else None,
                whole_word=_flag(item.get("whole_word")),
                id=keyword_id,
                destroy=bool(_flag(item.get("_destroy"))),
            )
        )
    return found


def _expires_in(call: Call) -> int | None:
    raw = call.params.get("expires_in")
    if raw in (None, ""):
        return None
    found = call.params.int("expires_in")
    if found is None:
        raise ApiError(422, "Validation failed: expires_in is not a number of seconds")
    return found


@endpoint("read:filters")
async def index(call: Call):
    return [entities.filter_v2(f) for f in await filters.filters_of(call.ctx, call.actor)]


@endpoint("read:filters")
async def show(call: Call):
    return entities.filter_v2(await filters.owned(call.ctx, call.actor, call.path_id()))


@endpoint("write:filters")
async def create(call: Call):
    p = call.params
    made = await filters.create(
        call.ctx,
        call.actor,
        title=p.str("title"),
        context=p.list("context"),
        action=p.str("filter_action"),
        expires_in=_expires_in(call),
        keywords=_keywords(call),
    )
    return entities.filter_v2(made)


@endpoint("write:filters")
async def change(call: Call):
    p = call.params
    changed = await filters.change(
        call.ctx,
        call.actor,
        call.path_id(),
        title=p.str("title"),
        context=p.list("context") if "context" in p else None,
        action=p.str("filter_action"),
        expires_in=_expires_in(call),
        expires_in_given="expires_in" in p,
        keywords=_keywords(call),
    )
    return entities.filter_v2(changed)


@endpoint("write:filters")
async def remove(call: Call):
    await filters.remove(call.ctx, call.actor, call.path_id())
    return {}


@endpoint("read:filters")
async def keywords(call: Call):
    found = await filters.owned(call.ctx, call.actor, call.path_id())
    return [entities.filter_keyword(k) for k in found.keywords]


@endpoint("write:filters")
async def add_keyword(call: Call):
    made = await filters.add_keyword(
        call.ctx,
        call.actor,
        call.path_id(),
        call.params.str("keyword"),
        call.params.bool("whole_word"),
    )
    return entities.filter_keyword(made)


@endpoint("read:filters")
async def show_keyword(call: Call):
    return entities.filter_keyword(await filters.own_keyword(call.ctx, call.actor, call.path_id()))


@endpoint("write:filters")
async def change_keyword(call: Call):
    p = call.params
    changed = await filters.change_keyword(
        call.ctx,
        call.actor,
        call.path_id(),
        p.str("keyword"),
        p.bool("whole_word") if "whole_word" in p else None,
    )
    return entities.filter_keyword(changed)


@endpoint("write:filters")
async def remove_keyword(call: Call):
    await filters.remove_keyword(call.ctx, call.actor, call.path_id())
    return {}


@endpoint("read:filters")
async def statuses(call: Call):
    found = await filters.owned(call.ctx, call.actor, call.path_id())
    return [entities.filter_status(s) for s in found.statuses]


@endpoint("write:filters")
async def add_status(call: Call):
    post_id = parse_id(call.params.str("status_id"))
    if post_id is None:
        raise ApiError(404, NOT_FOUND)
    made = await filters.add_status(call.ctx, call.actor, call.path_id(), post_id)
    return entities.filter_status(made)


@endpoint("read:filters")
async def show_status(call: Call):
    return entities.filter_status(await filters.own_status(call.ctx, call.actor, call.path_id()))


@endpoint("write:filters")
async def remove_status(call: Call):
    await filters.remove_status(call.ctx, call.actor, call.path_id())
    return {}


@endpoint("read:filters")
async def index_v1(call: Call):
    return [
        entities.filter_v1(f, k)
        for f in await filters.filters_of(call.ctx, call.actor)
        for k in f.keywords
    ]


@endpoint("read:filters")
async def show_v1(call: Call):
    keyword = await filters.own_keyword(call.ctx, call.actor, call.path_id())
    found = await filters.owned(call.ctx, call.actor, keyword.filter_id)
    return entities.filter_v1(found, keyword)


routes = [
    Route("/api/v2/filters", index, methods=["GET"]),
    Route("/api/v2/filters", create, methods=["POST"]),
    Route("/api/v2/filters/keywords/{id}", show_keyword, methods=["GET"]),
    Route("/api/v2/filters/keywords/{id}", change_keyword, methods=["PUT"]),
    Route("/api/v2/filters/keywords/{id}", remove_keyword, methods=["DELETE"]),
    Route("/api/v2/filters/statuses/{id}", show_status, methods=["GET"]),
    Route("/api/v2/filters/statuses/{id}", remove_status, methods=["DELETE"]),
    Route("/api/v2/filters/{id}", show, methods=["GET"]),
    Route("/api/v2/filters/{id}", change, methods=["PUT"]),
    Route("/api/v2/filters/{id}", remove, methods=["DELETE"]),
    Route("/api/v2/filters/{id}/keywords", keywords, methods=["GET"]),
    Route("/api/v2/filters/{id}/keywords", add_keyword, methods=["POST"]),
    Route("/api/v2/filters/{id}/statuses", statuses, methods=["GET"]),
    Route("/api/v2/filters/{id}/statuses", add_status, methods=["POST"]),
    Route("/api/v1/filters", index_v1, methods=["GET"]),
    Route("/api/v1/filters/{id}", show_v1, methods=["GET"]),
]
