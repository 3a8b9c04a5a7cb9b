"""A resident's notifications: as the web app lists them (who, about which post), as the
client API shows them (Mastodon's types, see services/views.py), the unread count, and
marking, dismissing and clearing them. Each page is read in a few queries, whatever its
length."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy.ext.asyncio import AsyncConnection

from ..boundary.paging import PageQuery
from ..models import Actor, Notification, Post
from ..store import moderation as moderation_store
from ..store import notification_pages
from ..store import notifications as notification_store
from ..store import threads as thread_store
from ..store import timelines as timeline_store
from ..store import unread as unread_store
from ..store.moderation import AccountWarning
from . import filters, notification_policy, views
from .context import ServiceContext
from .errors import NotFound
from .views import NotificationView


@dataclass(frozen=True)
class Entry:
    """A notification as the web app lists it."""

    notification: Notification
    actor: Actor | None
    # None once deleted.
    post: Post | None
    # The post a reply answers, when we hold it (an answer to one of my offers).
    about: Post | None
    # The thread to read and answer in: an interested neighbour's, a direct message's.
    thread_id: int | None = None
    # A moderation_warning's text (services/moderation_actions.py).
    warning: AccountWarning | None = None


async def entries(
    ctx: ServiceContext, viewer: Actor, *, max_id: int | None, limit: int
) -> list[Entry]:
    """`viewer`'s notifications, newest first, older than `max_id`."""
    async with ctx.db.read() as conn:
        found = await notification_store.list_for(conn, viewer.id, max_id=max_id, limit=limit)
        actors = await timeline_store.actors_by_ids(conn, [n.actor_id for n in found if n.actor_id])
        posts = await timeline_store.posts_by_ids(conn, [n.post_id for n in found if n.post_id])
        parents = await timeline_store.posts_by_uris(
            conn, [p.in_reply_to_uri for p in posts.values() if p.in_reply_to_uri]
        )
        interests = [
            (n.post_id, n.actor_id)
            for n in found
            if n.type == "interest" and n.post_id and n.actor_id
        ]
        interest_threads = await thread_store.pair_threads(conn, viewer.id, interests)
        direct = [p.id for p in posts.values() if p.visibility == "direct"]
        message_threads = await thread_store.threads_of_posts(conn, viewer.id, direct)
        warnings = await moderation_store.warnings_by_ids(
            conn, [n.warning_id for n in found if n.warning_id is not None]
        )
    listed = []
    for n in found:
        post = posts.get(n.post_id) if n.post_id else None
        about = parents.get(post.in_reply_to_uri) if post and post.in_reply_to_uri else None
        shown = post if post is not None and not post.is_deleted else None
        if n.type == "interest" and n.post_id and n.actor_id:
            thread_id = interest_threads.get((n.post_id, n.actor_id))
        else:
            thread_id = message_threads.get(n.post_id) if n.post_id else None
        listed.append(
            Entry(
                n,
                actors.get(n.actor_id) if n.actor_id else None,
                shown,
                about,
                thread_id,
                warnings.get(n.warning_id) if n.warning_id is not None else None,
            )
        )
    return listed


async def unread_count(ctx: ServiceContext, viewer: Actor) -> int:
    """How many of `viewer`'s notifications are unread (capped: the badge says "99+")."""
    async with ctx.db.read() as conn:
        return await unread_store.count_unread(conn, viewer.id)


async def mark_read(ctx: ServiceContext, viewer: Actor, up_to_id: int) -> None:
    """Mark `viewer`'s notifications up to `up_to_id` (the newest they were shown) read."""
    async with ctx.db.write() as conn:
        await notification_store.mark_read(conn, viewer.id, up_to_id)


async def seen(
    conn: AsyncConnection,
    viewer: Actor,
    found: Sequence[Notification],
    *,
    include_filtered: bool = False,
) -> list[NotificationView]:
    """`found` as the client API shows them to `viewer`, in their order: those clients can
    show (services/views.py), as the resident's policy lets them through
    (services/notification_policy.py; its filtered ones too with `include_filtered`), and
    as the resident's filters leave them (services/filters.py)."""
    shown = await views.notifications(conn, viewer, found)
    sorted_out = await notification_policy.sort_out(conn, viewer, shown)
    if not include_filtered:
        return await filters.apply_to_notifications(conn, viewer, sorted_out.shown)
    kept = {v.notification.id for v in [*sorted_out.shown, *sorted_out.filtered]}
    return await filters.apply_to_notifications(
        conn, viewer, [v for v in shown if v.notification.id in kept]
    )


async def client_page(
    ctx: ServiceContext,
    viewer: Actor,
    page: PageQuery,
    *,
    types: Sequence[str] = (),
    exclude_types: Sequence[str] = (),
    include_filtered: bool = False,
) -> list[NotificationView]:
    """A page of notifications as the client API shows them, filtered by Mastodon type."""
    async with ctx.db.read() as conn:
        found = await notification_pages.page_for(
            conn,
            viewer.id,
            page,
            types=views.internal_types(types) if types else None,
            exclude_types=views.internal_types(exclude_types),
        )
        shown = await seen(conn, viewer, found, include_filtered=include_filtered)
    if types:
        shown = [n for n in shown if n.type in types]
    return [n for n in shown if n.type not in exclude_types]


async def client_one(ctx: ServiceContext, viewer: Actor, notification_id: int) -> NotificationView:
    """One of `viewer`'s notifications as the client API shows it."""
    async with ctx.db.read() as conn:
        found = await notification_pages.get_for(conn, viewer.id, notification_id)
        shown = await seen(conn, viewer, [found], include_filtered=True) if found else []
    if not shown:
        raise NotFound("Record not found")
    return shown[0]


async def dismiss(ctx: ServiceContext, viewer: Actor, notification_id: int) -> None:
    """Delete one of `viewer`'s notifications."""
    async with ctx.db.write() as conn:
        if not await notification_pages.dismiss(conn, viewer.id, notification_id):
            raise NotFound("Record not found")


async def clear(ctx: ServiceContext, viewer: Actor) -> None:
    """Delete all of `viewer`'s notifications."""
    async with ctx.db.write() as conn:
        await notification_pages.clear(conn, viewer.id)
