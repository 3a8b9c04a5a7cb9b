"""Moving house: an account that moves to another server (Mastodon's `Move`).

Received: once the inbox has checked that the old account signed the `Move` and that the
new account names the old one in its `alsoKnownAs`, each of our residents who followed
the old account follows the new one (a `Follow` is sent, as Mastodon does), stops
following the old one, and hears of it (a `move` notification)."""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from typing import Any

from sqlalchemy.ext.asyncio import AsyncConnection

from ..models import Actor
from ..store import follows as follow_store
from ..store import lists as list_store
from ..store import notifications as notification_store
from . import blocks, outgoing
from .context import ServiceContext


def also_known_as(document: dict[str, Any]) -> list[str]:
    """The ids an actor document declares as its other accounts (`alsoKnownAs`: one id or
    a list of ids or embedded objects)."""
    value = document.get("alsoKnownAs")
    items: Iterable[Any] = value if isinstance(value, list) else [value]
    found = []
    for item in items:
        uri = item.get("id") if isinstance(item, dict) else item
        if isinstance(uri, str) and uri:
            found.append(uri)
    return found


async def receive_move(
    ctx: ServiceContext, conn: AsyncConnection, old: Actor, new: Actor
) -> list[Actor]:
    """`old` moved to `new` (already checked): our residents who followed `old` follow
    `new` instead. Returns the residents moved over."""
    moved = []
    for follow_row, resident in await follow_store.local_followers(conn, old.id):
        await follow_store.delete_follow(conn, follow_row.id)
        await ctx.outbox.send(conn, outgoing.FollowUndone(resident, old, follow_row))
        if resident.id == new.id or await blocks.blocked_either_way(conn, resident, new):
            continue
        existing = await follow_store.get_follow(conn, resident.id, new.id)
        if existing is None:
            follow_new = await follow_store.upsert_follow(
                conn,
                follower_id=resident.id,
                followed_id=new.id,
                uri=f"{resident.uri}#follows/{uuid.uuid4()}",
                state="pending",
            )
            await ctx.outbox.send(conn, outgoing.FollowSent(resident, new, follow_new))
        await list_store.remove_from_owner_lists(conn, resident.id, old.id)
        await notification_store.add(conn, recipient_id=resident.id, type="move", actor_id=new.id)
        moved.append(resident)
    return moved
