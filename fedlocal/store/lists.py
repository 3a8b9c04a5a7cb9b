"""Residents' lists, their members, and the list timeline: the posts (and boosts) of
members their owner still follows, replies kept as the list's `replies_policy` says."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import Select, and_, delete, insert, or_, select, update
from sqlalchemy.ext.asyncio import AsyncConnection

from ..models import Actor, Post, UserList
from .actors import _actor
from .tables import actors, announces, follows, list_members, lists, objects
from .timelines import Page, _posts, apply_page
from .upsert import insert_ignoring_conflicts


def _list(row: Any) -> UserList:
    return UserList(row.id, row.actor_id, row.title, row.replies_policy, row.exclusive)


async def create(
    conn: AsyncConnection,
    actor_id: int,
    *,
    title: str,
    replies_policy: str,
    exclusive: bool,
    at: datetime,
) -> UserList:
    result = await conn.execute(
        insert(lists).values(
            actor_id=actor_id,
            title=title,
            replies_policy=replies_policy,
            exclusive=exclusive,
            created_at=at,
        )
    )
    list_id = result.inserted_primary_key[0] if result.inserted_primary_key else None
    found = await get(conn, int(list_id or 0))
    assert found is not None
    return found


async def get(conn: AsyncConnection, list_id: int) -> UserList | None:
    row = (await conn.execute(select(lists).where(lists.c.id == list_id))).first()
    return _list(row) if row else None


async def lists_of(conn: AsyncConnection, actor_id: int) -> list[UserList]:
    rows = await conn.execute(
        select(lists).where(lists.c.actor_id == actor_id).order_by(lists.c.id)
    )
    return [_list(row) for row in rows]


async def change(conn: AsyncConnection, list_id: int, **values: object) -> None:
    await conn.execute(update(lists).where(lists.c.id == list_id).values(**values))


async def remove(conn: AsyncConnection, list_id: int) -> None:
    await conn.execute(delete(lists).where(lists.c.id == list_id))


async def add_members(
    conn: AsyncConnection, list_id: int, actor_ids: Sequence[int], at: datetime
) -> None:
    for actor_id in dict.fromkeys(actor_ids):
        await insert_ignoring_conflicts(
            conn, list_members, {"list_id": list_id, "actor_id": actor_id, "created_at": at}
        )


async def remove_members(conn: AsyncConnection, list_id: int, actor_ids: Sequence[int]) -> None:
    await conn.execute(
        delete(list_members).where(
            list_members.c.list_id == list_id, list_members.c.actor_id.in_(list(actor_ids))
        )
    )


async def remove_from_owner_lists(conn: AsyncConnection, owner_id: int, member_id: int) -> None:
    """Take `member_id` off every list of `owner_id`'s."""
    owned = select(lists.c.id).where(lists.c.actor_id == owner_id)
    await conn.execute(
        delete(list_members).where(
            list_members.c.actor_id == member_id, list_members.c.list_id.in_(owned)
        )
    )


async def members(conn: AsyncConnection, list_id: int, page: Page | None) -> list[Actor]:
    """A list's members, paged by actor id (all of them without a page)."""
    query = (
        select(actors)
        .join(list_members, list_members.c.actor_id == actors.c.id)
        .where(list_members.c.list_id == list_id)
    )
    if page is None:
        rows = list(await conn.execute(query.order_by(actors.c.id.desc())))
    else:
        rows = list(await conn.execute(apply_page(query, actors.c.id, page)))
        if page.min_id is not None:
            rows.reverse()
    return [_actor(row) for row in rows]


async def lists_with_member(conn: AsyncConnection, owner_id: int, member_id: int) -> list[UserList]:
    rows = await conn.execute(
        select(lists)
        .join(list_members, list_members.c.list_id == lists.c.id)
        .where(lists.c.actor_id == owner_id, list_members.c.actor_id == member_id)
        .order_by(lists.c.id)
    )
    return [_list(row) for row in rows]


def _followed_members(found: UserList) -> Select[tuple[int]]:
    return (
        select(list_members.c.actor_id)
        .join(
            follows,
            and_(
                follows.c.followed_id == list_members.c.actor_id,
                follows.c.follower_id == found.actor_id,
                follows.c.state == "accepted",
            ),
        )
        .where(list_members.c.list_id == found.id)
    )


async def timeline(conn: AsyncConnection, found: UserList, page: Page) -> list[Post]:
    """Posts of the list's members (and those they boosted), newest first; no direct
    messages; replies to accounts outside what `replies_policy` allows are left out."""
    authors = _followed_members(found)
    boosted = select(announces.c.object_id).where(
        announces.c.actor_id.in_(authors), announces.c.object_id.is_not(None)
    )
    query = select(objects).where(
        objects.c.deleted_at.is_(None),
        objects.c.visibility != "direct",
        or_(objects.c.actor_id.in_(authors), objects.c.id.in_(boosted)),
    )
    if found.replies_policy == "none":
        query = query.where(objects.c.in_reply_to_uri.is_(None))
    else:
        parent = objects.alias("parent")
        allowed: Any = select(list_members.c.actor_id).where(list_members.c.list_id == found.id)
        if found.replies_policy == "followed":
            allowed = allowed.union(
                select(follows.c.followed_id).where(
                    follows.c.follower_id == found.actor_id, follows.c.state == "accepted"
                )
            )
        to_allowed = select(parent.c.uri).where(
            or_(parent.c.actor_id.in_(allowed), parent.c.actor_id == found.actor_id)
        )
        query = query.where(
            or_(objects.c.in_reply_to_uri.is_(None), objects.c.in_reply_to_uri.in_(to_allowed))
        )
    return await _posts(conn, apply_page(query, objects.c.id, page), page)
