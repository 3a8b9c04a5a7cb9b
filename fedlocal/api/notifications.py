"""Notifications: list (with `types[]` / `exclude_types[]`), one, dismiss, clear.

fedlocal's own kinds show as the Mastodon types clients know (see services/views.py):
an interested neighbour's message is a `mention`, an RSVP to one's event a `favourite`,
the organiser's answer to one's RSVP a `mention`; `fedlocal_type` names the original.
"""

from __future__ import annotations

from starlette.routing import Route

from ..boundary.paging import PageQuery
from ..services import markers, notifications
from . import present
from .auth import Call, endpoint
from .pagination import page_from


@endpoint("read:notifications")
async def index(call: Call):
    views = await notifications.client_page(
        call.ctx,
        call.actor,
        page_from(call.params, default=40, maximum=80),
        types=call.params.list("types"),
        exclude_types=call.params.list("exclude_types"),
        include_filtered=call.params.bool("include_filtered"),
    )
    return present.paged(
        call, present.notifications(call, views), [v.notification.id for v in views]
    )


@endpoint("read:notifications")
async def show(call: Call):
    view = await notifications.client_one(call.ctx, call.actor, call.path_id())
    return present.notifications(call, [view])[0]


@endpoint("write:notifications")
async def dismiss(call: Call):
    await notifications.dismiss(call.ctx, call.actor, call.path_id())
    return {}


@endpoint("write:notifications")
async def clear(call: Call):
    await notifications.clear(call.ctx, call.actor)
    return {}


@endpoint("read:notifications")
async def unread_count(call: Call):
    """Notifications newer than the notifications marker (Mastodon 4.3: `limit` 100 by
    default, 1,000 at most)."""
    limit = max(1, min(call.params.int("limit") or 100, 1000))
    read_up_to = await markers.last_read_notification(call.ctx, call.actor)
    views = await notifications.client_page(
        call.ctx,
        call.actor,
        PageQuery(since_id=read_up_to, limit=limit),
        types=call.params.list("types"),
        exclude_types=call.params.list("exclude_types"),
    )
    return {"count": len(views)}


routes = [
    Route("/api/v1/notifications", index, methods=["GET"]),
    Route("/api/v1/notifications/clear", clear, methods=["POST"]),
    Route("/api/v1/notifications/unread_count", unread_count, methods=["GET"]),
    Route("/api/v1/notifications/{id}", show, methods=["GET"]),
    Route("/api/v1/notifications/{id}/dismiss", dismiss, methods=["POST"]),
]
