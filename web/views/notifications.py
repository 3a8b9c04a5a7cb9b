"""Notifications: new followers, replies and mentions, interest in my offers, RSVPs…"""

from __future__ import annotations

from dataclasses import dataclass

from starlette.responses import Response

from fedlocal.boundary import ids
from fedlocal.models import Actor, Notification, Post
from fedlocal.store import actors as actor_store
from fedlocal.store import notifications as notification_store
from fedlocal.store import posts as post_store

from ..page import Page
from ..post_text import title_of

PAGE_SIZE = 30


@dataclass(frozen=True)
class Entry:
    notification: Notification
    actor: Actor | None
    post: Post | None
    # The post a mention replies to, when it is one of ours (an answer to an offer).
    about: Post | None
    title: str | None


async def index(page: Page) -> Response:
    me = page.me
    assert me is not None
    max_id = ids.query_id(page.request.query_params.get("max_id"), "max_id")
    entries: list[Entry] = []
    async with page.web.db.read() as conn:
        found = await notification_store.list_for(conn, me.id, max_id=max_id, limit=PAGE_SIZE)
        for notification in found:
            actor = (
                await actor_store.get_actor(conn, notification.actor_id)
                if notification.actor_id
                else None
            )
            post = (
                await post_store.get_post(conn, notification.post_id)
                if notification.post_id
                else None
            )
            about = None
            if post is not None and post.in_reply_to_uri:
                about = await post_store.get_post_by_uri(conn, post.in_reply_to_uri)
            if post is not None and post.is_deleted:
                post = None
            title = title_of(post) if post is not None else None
            entries.append(Entry(notification, actor, post, about, title))
    unread = [entry for entry in entries if entry.notification.read_at is None]
    older = None
    if len(found) == PAGE_SIZE:
        older = f"/notifications?max_id={found[-1].id}"
    return await page.render(
        "notifications.html",
        entries=entries,
        has_unread=bool(unread),
        newest=found[0].id if found else None,
        older=older,
        section="notifications",
    )


async def mark_read(page: Page) -> Response:
    me = page.me
    assert me is not None
    newest = ids.parse_id(page.form.get("up_to"))
    if newest is not None:
        async with page.web.db.write() as conn:
            await notification_store.mark_read(conn, me.id, newest)
    return page.redirect("/notifications", notice="marked-read")
