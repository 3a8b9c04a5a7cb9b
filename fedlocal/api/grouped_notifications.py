"""Grouped notifications (`/api/v2/notifications…`, Mastodon 4.3), the notification
policy (`/api/v2/notifications/policy`, and v1's boolean form) and the notification
requests (`/api/v1/notifications/requests…`). The grouping and the policy are
services/notification_groups.py's and services/notification_policy.py's."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from starlette.responses import JSONResponse
from starlette.routing import Route

from ..boundary.ids import parse_id
from ..services import notification_groups, notification_policy, notification_requests
from ..services.notification_groups import Group
from ..services.notification_policy import Policy
from ..services.notification_requests import Request
from ..services.views import AccountView, PostView
from . import present
from .auth import Call, endpoint
from .entities import timestamp
from .errors import ApiError
from .pagination import link_header, page_from

GROUPED_DEFAULT = list(notification_groups.GROUPABLE)


def _group(call: Call, group: Group) -> dict[str, Any]:
    latest = group.latest
    entity: dict[str, Any] = {
        "group_key": group.key,
        "notifications_count": len(group.members),
        "type": group.type,
        "most_recent_notification_id": str(latest.notification.id),
        "page_min_id": str(group.page[-1].notification.id),
        "page_max_id": str(group.page[0].notification.id),
        "latest_page_notification_at": timestamp(group.page[0].notification.created_at),
        "sample_account_ids": [str(a.actor.id) for a in group.sample_accounts],
    }
    if group.status is not None:
        entity["status_id"] = str(group.status.post.id)
    if latest.fedlocal_type:
        entity["fedlocal_type"] = latest.fedlocal_type
    return entity


def _results(call: Call, groups: Sequence[Group]) -> dict[str, Any]:
    accounts: dict[int, AccountView] = {}
    statuses: dict[int, PostView] = {}
    for group in groups:
        for account in group.sample_accounts:
            accounts.setdefault(account.actor.id, account)
        if group.status is not None:
            statuses.setdefault(group.status.post.id, group.status)
    return {
        "accounts": present.accounts(call, list(accounts.values())),
        "statuses": present.statuses(call, list(statuses.values())),
        "notification_groups": [_group(call, g) for g in groups],
    }


def _grouped_types(call: Call) -> list[str]:
    return call.params.list("grouped_types") if "grouped_types" in call.params else GROUPED_DEFAULT


def _account_id(call: Call) -> int | None:
    raw = call.params.str("account_id")
    if not raw:
        return None
    found = parse_id(raw)
    if found is None:
        raise ApiError(400, "account_id is not an id")
    return found


@endpoint("read:notifications")
async def index(call: Call):
    groups = await notification_groups.page_of_groups(
        call.ctx,
        call.actor,
        page_from(call.params, default=40, maximum=80),
        types=call.params.list("types"),
        exclude_types=call.params.list("exclude_types"),
        grouped_types=_grouped_types(call),
        include_filtered=call.params.bool("include_filtered"),
        account_id=_account_id(call),
    )
    ids = [int(g.page[0].notification.id) for g in groups] + [
        int(g.page[-1].notification.id) for g in groups
    ]
    return JSONResponse(
        _results(call, groups),
        headers=link_header(call.request, call.config.base_url, ids),
    )


@endpoint("read:notifications")
async def show(call: Call):
    group = await notification_groups.group(
        call.ctx, call.actor, call.request.path_params["group_key"]
    )
    return _results(call, [group])


@endpoint("read:notifications")
async def accounts(call: Call):
    group = await notification_groups.group(
        call.ctx, call.actor, call.request.path_params["group_key"]
    )
    return present.accounts(call, group.accounts)


@endpoint("write:notifications")
async def dismiss(call: Call):
    await notification_groups.dismiss(call.ctx, call.actor, call.request.path_params["group_key"])
    return {}


@endpoint("read:notifications")
async def unread_count(call: Call):
    limit = call.params.int("limit") or 100
    count = await notification_groups.unread_count(
        call.ctx,
        call.actor,
        limit=max(1, min(limit, 1000)),
        types=call.params.list("types"),
        exclude_types=call.params.list("exclude_types"),
        grouped_types=_grouped_types(call),
    )
    return {"count": count}


async def _policy(call: Call, policy: Policy) -> dict[str, Any]:
    requests, held = await notification_requests.summary(call.ctx, call.actor)
    return {
        **{rule: getattr(policy, rule) for rule in notification_policy.RULES},
        "summary": {"pending_requests_count": requests, "pending_notifications_count": held},
    }


@endpoint("read:notifications")
async def policy(call: Call):
    return await _policy(call, await notification_policy.policy_of(call.ctx, call.actor))


@endpoint("write:notifications")
async def update_policy(call: Call):
    changes = {
        rule: str(call.params.get(rule))
        for rule in notification_policy.RULES
        if call.params.get(rule) is not None
    }
    updated = await notification_policy.update_policy(call.ctx, call.actor, changes)
    return await _policy(call, updated)


# v1's policy: each rule as a boolean (filter or accept).
V1_RULES = {
    "filter_not_following": "for_not_following",
    "filter_not_followers": "for_not_followers",
    "filter_new_accounts": "for_new_accounts",
    "filter_private_mentions": "for_private_mentions",
}


async def _policy_v1(call: Call, found: Policy) -> dict[str, Any]:
    requests, held = await notification_requests.summary(call.ctx, call.actor)
    return {
        **{old: getattr(found, new) != "accept" for old, new in V1_RULES.items()},
        "summary": {"pending_requests_count": requests, "pending_notifications_count": held},
    }


@endpoint("read:notifications")
async def policy_v1(call: Call):
    return await _policy_v1(call, await notification_policy.policy_of(call.ctx, call.actor))


@endpoint("write:notifications")
async def update_policy_v1(call: Call):
    changes = {
        new: "filter" if call.params.bool(old) else "accept"
        for old, new in V1_RULES.items()
        if old in call.params
    }
    updated = await notification_policy.update_policy(call.ctx, call.actor, changes)
    return await _policy_v1(call, updated)


def _request(call: Call, found: Request) -> dict[str, Any]:
    return {
        "id": str(found.id),
        "created_at": timestamp(found.created_at),
        "updated_at": timestamp(found.updated_at),
        "account": present.account(call, found.account),
        "notifications_count": str(len(found.notifications)),
        "last_status": (
            present.status(call, found.last_status) if found.last_status is not None else None
        ),
    }


@endpoint("read:notifications")
async def requests(call: Call):
    found = await notification_requests.requests(call.ctx, call.actor)
    page = page_from(call.params, default=40, maximum=80)
    shown = [
        r
        for r in found
        if (page.max_id is None or r.id < page.max_id)
        and (page.since_id is None or r.id > page.since_id)
        and (page.min_id is None or r.id > page.min_id)
    ][: page.limit]
    return present.paged(call, [_request(call, r) for r in shown], [r.id for r in shown])


@endpoint("read:notifications")
async def show_request(call: Call):
    return _request(call, await notification_requests.request(call.ctx, call.actor, call.path_id()))


@endpoint("write:notifications")
async def accept_request(call: Call):
    await notification_requests.request(call.ctx, call.actor, call.path_id())
    await notification_requests.accept(call.ctx, call.actor, [call.path_id()])
    return {}


@endpoint("write:notifications")
async def dismiss_request(call: Call):
    await notification_requests.request(call.ctx, call.actor, call.path_id())
    await notification_requests.dismiss(call.ctx, call.actor, [call.path_id()])
    return {}


def _ids(call: Call) -> list[int]:
    found = [parse_id(str(raw)) for raw in call.params.list("id")]
    if any(i is None for i in found):
        raise ApiError(400, "id[] holds something that is not an id")
    return [i for i in found if i is not None]


@endpoint("write:notifications")
async def accept_requests(call: Call):
    await notification_requests.accept(call.ctx, call.actor, _ids(call))
    return {}


@endpoint("write:notifications")
async def dismiss_requests(call: Call):
    await notification_requests.dismiss(call.ctx, call.actor, _ids(call))
    return {}


@endpoint("read:notifications")
async def merged(call: Call):
    # Accepting merges at once (the policy is applied as notifications are read).
    return {"merged": True}


routes = [
    Route("/api/v2/notifications", index, methods=["GET"]),
    Route("/api/v2/notifications/unread_count", unread_count, methods=["GET"]),
    Route("/api/v2/notifications/policy", policy, methods=["GET"]),
    Route("/api/v2/notifications/policy", update_policy, methods=["PATCH"]),
    Route("/api/v2/notifications/{group_key}", show, methods=["GET"]),
    Route("/api/v2/notifications/{group_key}/accounts", accounts, methods=["GET"]),
    Route("/api/v2/notifications/{group_key}/dismiss", dismiss, methods=["POST"]),
    Route("/api/v1/notifications/policy", policy_v1, methods=["GET"]),
    Route("/api/v1/notifications/policy", update_policy_v1, methods=["PATCH", "PUT"]),
    Route("/api/v1/notifications/requests", requests, methods=["GET"]),
    Route("/api/v1/notifications/requests/merged", merged, methods=["GET"]),
    Route("/api/v1/notifications/requests/accept", accept_requests, methods=["POST"]),
    Route("/api/v1/notifications/requests/dismiss", dismiss_requests, methods=["POST"]),
    Route("/api/v1/notifications/requests/{id}", show_request, methods=["GET"]),
    Route("/api/v1/notifications/requests/{id}/accept", accept_request, methods=["POST"]),
    Route("/api/v1/notifications/requests/{id}/dismiss", dismiss_request, methods=["POST"]),
]
