"""Notifications: new followers, replies and mentions, interest in my offers, RSVPs…"""

from __future__ import annotations

from starlette.responses import Response

from fedlocal.boundary import ids
from fedlocal.services import notifications as notification_service

from ..page import Page

PAGE_SIZE = 30


async def index(page: Page) -> Response:
    me = page.me
    assert me is not None
    max_id = ids.query_id(page.request.query_params.get("max_id"), "max_id")
    entries = await notification_service.entries(page.services, me, max_id=max_id, limit=PAGE_SIZE)
    older = None
    if len(entries) == PAGE_SIZE:
        older = f"/notifications?max_id={entries[-1].notification.id}"
    return await page.render(
        "notifications.html",
        entries=entries,
        has_unread=any(e.notification.read_at is None for e in entries),
        newest=entries[0].notification.id if entries else None,
        older=older,
        section="notifications",
    )


async def mark_read(page: Page) -> Response:
    me = page.me
    assert me is not None
    newest = ids.parse_id(page.form.get("up_to"))
    if newest is not None:
        await notification_service.mark_read(page.services, me, newest)
    return page.redirect("/notifications", notice="marked-read")
