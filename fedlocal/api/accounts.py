"""Accounts: the logged-in one, any one by id or handle, their statuses and follows,
following and unfollowing, relationships, follow requests and favourites."""

from __future__ import annotations

import contextlib
import re

from starlette.routing import Route

from ..boundary.ids import parse_id
from ..boundary.paging import PageQuery
from ..services import follows as follow_service
from ..services import media, settings, timelines
from ..services import search as search_service
from ..services.errors import Conflict, ServiceError
from . import entities, present
from .auth import Call, endpoint
from .errors import ApiError
from .media import file_bytes
from .pagination import page_from


@endpoint("read:accounts")
async def verify_credentials(call: Call):
    return await _own_account(call)


async def _own_account(call: Call):
    """The logged-in account with its `source` (Mastodon's CredentialAccount)."""
    view = await timelines.account(call.ctx, call.actor.id)
    requests = await timelines.follow_requests(call.ctx, call.actor, PageQuery(limit=80))
    source = entities.credential_source(
        view, language=call.config.default_language, follow_requests=len(requests)
    )
    return entities.account(
        view,
        call.urls,
        domain=call.config.domain,
        source=source,
        language=call.config.default_language,
    )


@endpoint("write:accounts")
async def update_credentials(call: Call):
    """The display name and `locked` (what the settings page changes too), the bio
    (`note`), the profile fields (`fields_attributes`), the avatar and the header image.
    Pictures are read first: one too large, and nothing changes."""
    pictures = {which: await file_bytes(call, which) for which in ("avatar", "header")}
    display_name = call.params.str("display_name")
    locked = call.params.get("locked")
    if display_name is not None or locked is not None:
        await settings.update_profile(
            call.ctx,
            call.account,
            display_name=call.actor.display_name if display_name is None else display_name,
            quarter=call.actor.home_quarter,
            locked=None if locked is None else call.params.bool("locked"),
        )
    fields = _fields_attributes(call)
    note = call.params.str("note")
    if note is not None or fields is not None:
        await settings.update_about(call.ctx, call.account, note=note, fields=fields)
    await media.set_profile_pictures(
        call.ctx, call.account, avatar=pictures["avatar"], header=pictures["header"]
    )
    return await _own_account(call)


def _fields_attributes(call: Call) -> list[tuple[str, str]] | None:
    """The profile fields sent, in order: `fields_attributes[0][name]` (a form, any keys
    in order) or a JSON list of `{name, value}`; None when none were sent."""
    p = call.params
    listed = p.values("fields_attributes")
    if listed:
        return [
            (str(item.get("name") or ""), str(item.get("value") or ""))
            for item in listed
            if isinstance(item, dict)
        ]
    keys = sorted(
        {m.group(1) for name in p.names() if (m := _FIELD_KEY.match(name))},
        key=lambda k: (not k.isdigit(), int(k) if k.isdigit() else 0, k),
    )
    if not keys:
        return None
    return [
        (
            p.str(f"fields_attributes[{k}][name]") or "",
            p.str(f"fields_attributes[{k}][value]") or "",
        )
        for k in keys[:16]
    ]


_FIELD_KEY = re.compile(r"^fields_attributes\[([^\]]{1,8})\]\[(?:name|value)\]$")


@endpoint("read:accounts", who="optional")
async def lookup(call: Call):
    acct = call.params.str("acct")
    if not acct:
        raise ApiError(404, "Record not found")
    return present.account(call, await timelines.lookup(call.ctx, acct))


@endpoint("read:accounts", who="optional")
async def show(call: Call):
    return present.account(call, await timelines.account(call.ctx, call.path_id()))


@endpoint("read:accounts")
async def search(call: Call):
    found = await search_service.search(
        call.ctx,
        call.viewer,
        call.params.str("q") or "",
        type="accounts",
        resolve=call.params.bool("resolve"),
        limit=min(call.params.int("limit") or 40, 80),
        offset=max(call.params.int("offset") or 0, 0),
    )
    return present.accounts(call, found.accounts)


@endpoint("read:statuses", who="optional")
async def statuses(call: Call):
    actor_id = call.path_id()
    if call.params.bool("pinned"):
        views = await timelines.pinned_statuses(call.ctx, call.viewer, actor_id)
        return present.statuses(call, views)
    if call.params.bool("only_media"):
        await timelines.account(call.ctx, actor_id)
        return []  # posts carry no media here
    tagged = call.params.str("tagged")
    views = await timelines.account_statuses(
        call.ctx,
        call.viewer,
        actor_id,
        page_from(call.params),
        exclude_replies=call.params.bool("exclude_replies"),
        tagged=tagged.lstrip("#").lower() if tagged else None,
    )
    return present.status_page(call, views)


async def _follows(call: Call, direction: str):
    pairs = await timelines.follows(
        call.ctx,
        call.path_id(),
        page_from(call.params, default=40, maximum=80),
        direction=direction,
    )
    return present.paged(
        call, present.accounts(call, [view for _id, view in pairs]), [i for i, _v in pairs]
    )


@endpoint("read:accounts", who="optional")
async def followers(call: Call):
    return await _follows(call, "followers")


@endpoint("read:accounts", who="optional")
async def following(call: Call):
    return await _follows(call, "following")


async def _relationship(call: Call, actor_id: int):
    found = await timelines.relationships(call.ctx, call.actor, [actor_id])
    return entities.relationship(found[0])


@endpoint("write:follows")
async def follow(call: Call):
    target = await timelines.account(call.ctx, call.path_id())
    if target.actor.id == call.actor.id:
        raise ApiError(403, "This action is not allowed")
    await follow_service.follow(call.ctx, call.actor, target.actor.uri)
    return await _relationship(call, target.actor.id)


@endpoint("write:follows")
async def unfollow(call: Call):
    target = await timelines.account(call.ctx, call.path_id())
    with contextlib.suppress(Conflict):  # not following: unfollowing is already done
        await follow_service.unfollow(call.ctx, call.actor, target.actor.uri)
    return await _relationship(call, target.actor.id)


@endpoint("read:follows")
async def relationships(call: Call):
    # Mastodon answers unknown ids with nothing rather than an error.
    wanted = [found for v in call.params.list("id")[:80] if (found := parse_id(v)) is not None]
    relations = await timelines.relationships(call.ctx, call.actor, wanted)
    return [entities.relationship(r) for r in relations]


@endpoint("read:follows")
async def follow_requests(call: Call):
    pairs = await timelines.follow_requests(
        call.ctx, call.actor, page_from(call.params, default=40, maximum=80)
    )
    return present.paged(
        call, present.accounts(call, [view for _id, view in pairs]), [i for i, _v in pairs]
    )


@endpoint("write:follows")
async def authorize_follow_request(call: Call):
    return await _answer_follow_request(call, follow_service.approve_follower)


@endpoint("write:follows")
async def reject_follow_request(call: Call):
    return await _answer_follow_request(call, follow_service.reject_follower)


async def _answer_follow_request(call: Call, answer):
    """Accept or reject the request of the account in the path; 404 when there is none."""
    follower = await timelines.account(call.ctx, call.path_id())
    try:
        await answer(call.ctx, call.actor, follower.actor.uri)
    except ServiceError as exc:
        raise ApiError(404, "Record not found") from exc
    return await _relationship(call, follower.actor.id)


@endpoint("write:follows")
async def remove_from_followers(call: Call):
    follower = await timelines.account(call.ctx, call.path_id())
    with contextlib.suppress(ServiceError):  # not a follower: nothing to remove
        await follow_service.reject_follower(call.ctx, call.actor, follower.actor.uri)
    return await _relationship(call, follower.actor.id)


@endpoint("read:favourites")
async def favourites(call: Call):
    pairs = await timelines.favourites(call.ctx, call.actor, page_from(call.params))
    return present.paired_statuses(call, pairs)


routes = [
    Route("/api/v1/accounts/verify_credentials", verify_credentials, methods=["GET"]),
    Route("/api/v1/accounts/update_credentials", update_credentials, methods=["PATCH"]),
    Route("/api/v1/accounts/lookup", lookup, methods=["GET"]),
    Route("/api/v1/accounts/relationships", relationships, methods=["GET"]),
    Route("/api/v1/accounts/search", search, methods=["GET"]),
    Route("/api/v1/accounts/{id}", show, methods=["GET"]),
    Route("/api/v1/accounts/{id}/statuses", statuses, methods=["GET"]),
    Route("/api/v1/accounts/{id}/followers", followers, methods=["GET"]),
    Route("/api/v1/accounts/{id}/following", following, methods=["GET"]),
    Route("/api/v1/accounts/{id}/follow", follow, methods=["POST"]),
    Route("/api/v1/accounts/{id}/unfollow", unfollow, methods=["POST"]),
    Route("/api/v1/follow_requests", follow_requests, methods=["GET"]),
    Route("/api/v1/follow_requests/{id}/authorize", authorize_follow_request, methods=["POST"]),
    Route("/api/v1/follow_requests/{id}/reject", reject_follow_request, methods=["POST"]),
    Route("/api/v1/accounts/{id}/remove_from_followers", remove_from_followers, methods=["POST"]),
    Route("/api/v1/favourites", favourites, methods=["GET"]),
]
