"""Grouped notifications (Mastodon 4.3's `/api/v2/notifications`): favourites, boosts of
the same status and follows, made the same day (UTC), are one group; every other
notification is a group of its own (`ungrouped-<id>`).

A group's key is computed from what it groups (type, status, day), so it needs no
column: `favourite-<status id>-<day>`, `reblog-<status id>-<day>`, `follow-<day>`. A page
holds up to `limit` groups, newest first by their newest notification in the page's
range; a group's count and sample accounts cover all of it.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from sqlalchemy.ext.asyncio import AsyncConnection

from ..boundary.ids import parse_id
from ..boundary.paging import PageQuery
from ..models import Actor
from ..store import notification_pages
from ..store import notification_policies as policy_store
from . import markers, notifications, views
from .context import ServiceContext
from .errors import NotFound
from .views import AccountView, NotificationView, PostView

GROUPABLE = ("favourite", "reblog", "follow")
BUCKET = timedelta(days=1)
SAMPLE_ACCOUNTS = 8
# Notifications read to make a page of groups, per group asked for (and at most).
WINDOW_PER_GROUP = 5
WINDOW_MAX = 400
# A group's members read at most (a day's favourites of one status).
GROUP_MAX = 1000


@dataclass(frozen=True)
class Group:
    key: str
    type: str
    # The group's notifications within the page, newest first.
    page: list[NotificationView]
    # All of the group's notifications, newest first.
    members: list[NotificationView]

    @property
    def latest(self) -> NotificationView:
        return self.members[0]

    @property
    def status(self) -> PostView | None:
        return self.latest.status

    @property
    def sample_accounts(self) -> list[AccountView]:
        found: dict[int, AccountView] = {}
        for view in self.members:
            found.setdefault(view.account.actor.id, view.account)
        return list(found.values())[:SAMPLE_ACCOUNTS]

    @property
    def accounts(self) -> list[AccountView]:
        found: dict[int, AccountView] = {}
        for view in self.members:
            found.setdefault(view.account.actor.id, view.account)
        return list(found.values())


def _bucket(when: datetime) -> int:
    return int(when.timestamp() // BUCKET.total_seconds())


def group_key(view: NotificationView, grouped_types: Sequence[str] = GROUPABLE) -> str:
    day = _bucket(view.notification.created_at)
    if view.type in grouped_types and view.type in GROUPABLE:
        if view.type == "follow":
            return f"follow-{day}"
        if view.status is not None:
            return f"{view.type}-{view.status.post.id}-{day}"
    return f"ungrouped-{view.notification.id}"


async def page_of_groups(
    ctx: ServiceContext,
    viewer: Actor,
    page: PageQuery,
    *,
    types: Sequence[str] = (),
    exclude_types: Sequence[str] = (),
    grouped_types: Sequence[str] = GROUPABLE,
    include_filtered: bool = False,
    account_id: int | None = None,
) -> list[Group]:
    window = PageQuery(
        max_id=page.max_id,
        since_id=page.since_id,
        min_id=page.min_id,
        limit=min(page.limit * WINDOW_PER_GROUP, WINDOW_MAX),
    )
    async with ctx.db.read() as conn:
        found = await notification_pages.page_for(
            conn,
            viewer.id,
            window,
            types=views.internal_types(types) if types else None,
            exclude_types=views.internal_types(exclude_types),
        )
        shown = await notifications.seen(conn, viewer, found, include_filtered=include_filtered)
        shown = [
            v
            for v in shown
            if (not types or v.type in types)
            and v.type not in exclude_types
            and (account_id is None or v.account.actor.id == account_id)
        ]
        in_page: dict[str, list[NotificationView]] = {}
        # Paging up from min_id: the groups just above it, not the newest of the window.
        for view in reversed(shown) if page.min_id is not None else shown:
            key = group_key(view, grouped_types)
            if key in in_page or len(in_page) < page.limit:
                in_page.setdefault(key, []).append(view)
        groups = []
        for key, found_members in in_page.items():
            members = sorted(found_members, key=lambda v: -v.notification.id)
            everyone = (
                await _members(conn, viewer, key, grouped_types, include_filtered)
                if not key.startswith("ungrouped-")
                else members
            )
            groups.append(Group(key, members[0].type, members, everyone or members))
    return sorted(groups, key=lambda g: -g.page[0].notification.id)


async def _members(
    conn: AsyncConnection,
    viewer: Actor,
    key: str,
    grouped_types: Sequence[str] = GROUPABLE,
    include_filtered: bool = True,
) -> list[NotificationView]:
    """All the notifications of group `key`, newest first (none for a key that names no
    group of `viewer`'s)."""
    if key.startswith("ungrouped-"):
        found_id = parse_id(key.removeprefix("ungrouped-"))
        found = await notification_pages.get_for(conn, viewer.id, found_id) if found_id else None
        if found is None:
            return []
        return await notifications.seen(conn, viewer, [found], include_filtered=True)
    day = parse_id(key.rsplit("-", 1)[-1], minimum=0)
    if day is None or not key.startswith(GROUPABLE):
        return []
    start = datetime.fromtimestamp(day * BUCKET.total_seconds(), UTC)
    found_all = await policy_store.created_between(
        conn, viewer.id, start, start + BUCKET, limit=GROUP_MAX
    )
    shown = await notifications.seen(conn, viewer, found_all, include_filtered=include_filtered)
    return [v for v in shown if group_key(v, grouped_types) == key]


async def group(ctx: ServiceContext, viewer: Actor, key: str) -> Group:
    """One group of `viewer`'s, whole; NotFound for any other key."""
    async with ctx.db.read() as conn:
        members = await _members(conn, viewer, key)
    if not members:
        raise NotFound("Record not found")
    return Group(key, members[0].type, members, members)


async def dismiss(ctx: ServiceContext, viewer: Actor, key: str) -> None:
    """Delete every notification of the group."""
    async with ctx.db.write() as conn:
        members = await _members(conn, viewer, key)
        if not members:
            raise NotFound("Record not found")
        await policy_store.dismiss_many(conn, viewer.id, [v.notification.id for v in members])


async def unread_count(
    ctx: ServiceContext,
    viewer: Actor,
    *,
    limit: int = 100,
    types: Sequence[str] = (),
    exclude_types: Sequence[str] = (),
    grouped_types: Sequence[str] = GROUPABLE,
) -> int:
    """How many groups have a notification newer than the notifications marker (capped
    at `limit`, as Mastodon)."""
    read_up_to = await markers.last_read_notification(ctx, viewer)
    groups = await page_of_groups(
        ctx,
        viewer,
        PageQuery(since_id=read_up_to, limit=limit),
        types=types,
        exclude_types=exclude_types,
        grouped_types=grouped_types,
    )
    return len(groups)
