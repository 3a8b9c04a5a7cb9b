"""Statuses: posting (with `Idempotency-Key`), reading, deleting, threads, favourites and
boosts. A status tagged #offre/#demande (#offer/#request) becomes an offer or a request."""

from __future__ import annotations

from starlette.routing import Route

from ..boundary.ids import parse_id
from ..services import bookmarks as bookmark_service
from ..services import edits as edit_service
from ..services import favourites as favourite_service
from ..services import interactions, timelines
from ..services import pins as pin_service
from ..services import posts as post_service
from ..services import reblogs as reblog_service
from ..services import statuses as status_service
from ..services.errors import Forbidden, NotFound
from . import entities, present
from .auth import Call, endpoint
from .errors import ApiError, error_response
from .pagination import page_from


def _unsupported(call: Call) -> str | None:
    """What this server cannot post, in Mastodon's wording."""
    p = call.params
    if p.list("poll[options]") or p.get("poll"):
        return "Validation failed: Polls are not supported on this server"
    if p.str("scheduled_at"):
        return "Validation failed: Scheduled statuses are not supported on this server"
    return None


def _media_ids(call: Call) -> tuple[int, ...]:
    """The uploads to attach; an id that is not one is a picture that does not exist."""
    ids = []
    for raw in call.params.list("media_ids"):
        if raw == "":
            continue
        found = parse_id(raw)
        if found is None:
            raise ApiError(422, "Validation failed: no such picture to attach")
        ids.append(found)
    return tuple(ids)


def _reply_id(call: Call) -> int | None:
    raw = call.params.str("in_reply_to_id")
    if raw is None or raw == "":
        return None
    found = parse_id(raw)
    if found is None:
        raise ApiError(404, "Record not found")
    return found


@endpoint("write:statuses")
async def create(call: Call):
    problem = _unsupported(call)
    if problem:
        return error_response(422, problem)
    p = call.params
    post = await status_service.post_status(
        call.ctx,
        call.account,
        call.actor,
        status_service.StatusInput(
            text=p.str("status") or "",
            visibility=p.str("visibility") or None,
            in_reply_to_id=_reply_id(call),
            spoiler_text=p.str("spoiler_text"),
            sensitive=p.bool("sensitive"),
            language=p.str("language") or None,
            idempotency_key=call.request.headers.get("idempotency-key"),
            local_only=p.bool("local_only"),
            media_ids=_media_ids(call),
        ),
    )
    return present.status(call, await timelines.status(call.ctx, call.actor, post.id))


async def _status_or_boost(call: Call):
    status_id = call.path_id()
    if status_id >= entities.BOOST_ID_BASE:
        view = await timelines.boost_by_id(
            call.ctx, call.viewer, status_id - entities.BOOST_ID_BASE
        )
        return present.boost(call, view)
    return present.status(call, await timelines.status(call.ctx, call.viewer, status_id))


@endpoint("read:statuses", who="optional")
async def show(call: Call):
    return await _status_or_boost(call)


# Mastodon's limit on `GET /api/v1/statuses?id[]=`.
MAX_STATUSES_AT_ONCE = 20


@endpoint("read:statuses", who="optional")
async def several(call: Call):
    """Several statuses at once; ids unknown or not visible are left out."""
    ids = [found for raw in call.params.list("id") if (found := parse_id(raw)) is not None]
    views = await timelines.statuses(call.ctx, call.viewer, ids[:MAX_STATUSES_AT_ONCE])
    return present.statuses(call, views)


@endpoint("write:statuses")
async def delete(call: Call):
    view = await timelines.status(call.ctx, call.actor, call.path_id())
    try:
        await post_service.delete_post(call.ctx, call.actor, view.post.id)
    except Forbidden:
        raise NotFound("Record not found") from None
    return present.status(call, view, source=True)


@endpoint("write:statuses")
async def edit(call: Call):
    problem = _unsupported(call)
    if problem:
        return error_response(422, problem)
    p = call.params
    post = await edit_service.edit_note(
        call.ctx,
        call.actor,
        call.path_id(),
        edit_service.EditInput(
            text=p.str("status") or "",
            spoiler_text=p.str("spoiler_text"),
            sensitive=p.bool("sensitive"),
            language=p.str("language") or None,
            media_ids=_media_ids(call) if "media_ids" in p else None,
        ),
    )
    return present.status(call, await timelines.status(call.ctx, call.actor, post.id))


@endpoint("read:statuses", who="optional")
async def history(call: Call):
    view = await timelines.status(call.ctx, call.viewer, call.path_id())
    post, versions = await edit_service.history(call.ctx, call.viewer, view.post.id)
    shown = present.account(call, view.author)
    language, timezone = call.config.default_language, call.config.timezone
    return [entities.status_edit(post, v, shown, language, timezone) for v in versions]


@endpoint("read:statuses")
async def source(call: Call):
    post = await edit_service.own_post(call.ctx, call.actor, call.path_id())
    return entities.status_source(post)


@endpoint("read:statuses", who="optional")
async def context(call: Call):
    ancestors, descendants = await timelines.context(call.ctx, call.viewer, call.path_id())
    return {
        "ancestors": present.statuses(call, ancestors),
        "descendants": present.statuses(call, descendants),
    }


async def _acted_on(call: Call, action):
    """The status as it is after `action(ctx, actor, id)` (a like, a bookmark…)."""
    post = await action(call.ctx, call.actor, call.path_id())
    return present.status(call, await timelines.status(call.ctx, call.actor, post.id))


@endpoint("write:favourites")
async def favourite(call: Call):
    return await _acted_on(call, favourite_service.favourite)


@endpoint("write:favourites")
async def unfavourite(call: Call):
    return await _acted_on(call, favourite_service.unfavourite)


@endpoint("write:statuses")
async def reblog(call: Call):
    announce, _post = await reblog_service.reblog(call.ctx, call.actor, call.path_id())
    return present.boost(call, await timelines.boost(call.ctx, call.actor, announce))


@endpoint("write:statuses")
async def unreblog(call: Call):
    return await _acted_on(call, reblog_service.unreblog)


@endpoint("write:bookmarks")
async def bookmark(call: Call):
    return await _acted_on(call, bookmark_service.bookmark)


@endpoint("write:bookmarks")
async def unbookmark(call: Call):
    return await _acted_on(call, bookmark_service.unbookmark)


@endpoint("read:bookmarks")
async def bookmarks(call: Call):
    pairs = await bookmark_service.bookmarked(call.ctx, call.actor, page_from(call.params))
    return present.paired_statuses(call, pairs)


async def _people(call: Call, listing):
    """Accounts who did something to a status, newest first, with their `Link`."""
    page = page_from(call.params, default=40, maximum=80)
    pairs = await listing(call.ctx, call.viewer, call.path_id(), page)
    return present.paged(
        call, [present.account(call, v) for _i, v in pairs], [i for i, _v in pairs]
    )


@endpoint("write:accounts")
async def pin(call: Call):
    post = await pin_service.pin(call.ctx, call.actor, call.path_id())
    return present.status(call, await timelines.status(call.ctx, call.actor, post.id))


@endpoint("write:accounts")
async def unpin(call: Call):
    post = await pin_service.unpin(call.ctx, call.actor, call.path_id())
    return present.status(call, await timelines.status(call.ctx, call.actor, post.id))


@endpoint("read:statuses", who="optional")
async def favourited_by(call: Call):
    return await _people(call, interactions.favourited_by)


@endpoint("read:statuses", who="optional")
async def reblogged_by(call: Call):
    return await _people(call, interactions.reblogged_by)


routes = [
    Route("/api/v1/statuses", create, methods=["POST"]),
    Route("/api/v1/statuses", several, methods=["GET"]),
    Route("/api/v1/statuses/{id}", show, methods=["GET"]),
    Route("/api/v1/statuses/{id}", delete, methods=["DELETE"]),
    Route("/api/v1/statuses/{id}", edit, methods=["PUT"]),
    Route("/api/v1/statuses/{id}/history", history, methods=["GET"]),
    Route("/api/v1/statuses/{id}/source", source, methods=["GET"]),
    Route("/api/v1/statuses/{id}/context", context, methods=["GET"]),
    Route("/api/v1/statuses/{id}/favourite", favourite, methods=["POST"]),
    Route("/api/v1/statuses/{id}/unfavourite", unfavourite, methods=["POST"]),
    Route("/api/v1/statuses/{id}/reblog", reblog, methods=["POST"]),
    Route("/api/v1/statuses/{id}/unreblog", unreblog, methods=["POST"]),
    Route("/api/v1/statuses/{id}/pin", pin, methods=["POST"]),
    Route("/api/v1/statuses/{id}/unpin", unpin, methods=["POST"]),
    Route("/api/v1/statuses/{id}/bookmark", bookmark, methods=["POST"]),
    Route("/api/v1/statuses/{id}/unbookmark", unbookmark, methods=["POST"]),
    Route("/api/v1/bookmarks", bookmarks, methods=["GET"]),
    Route("/api/v1/statuses/{id}/favourited_by", favourited_by, methods=["GET"]),
    Route("/api/v1/statuses/{id}/reblogged_by", reblogged_by, methods=["GET"]),
]
