"""Moving house: an account that moves to another server (Mastodon's `Move`).

Received: once the inbox has checked that the old account signed the `Move` and that the
new account names the old one in its `alsoKnownAs`, each of our residents who followed
the old account follows the new one (a `Follow` is sent, as Mastodon does), stops
following the old one, and hears of it (a `move` notification)."""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from datetime import timedelta
from typing import Any

from sqlalchemy.ext.asyncio import AsyncConnection

from ..models import Account, Actor
from ..store import actors as actor_store
from ..store import follows as follow_store
from ..store import lists as list_store
from ..store import notifications as notification_store
from ..store import residents as resident_store
from ..store.clock import utcnow
from . import blocks, follows, outgoing
from .context import ServiceContext
from .errors import Conflict, Forbidden, InvalidInput, NotFound


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


async def resident_at(ctx: ServiceContext, uri: str) -> Actor | None:
    """One of our residents by their actor URL (a Move's target here), else None."""
    async with ctx.db.read() as conn:
        found = await actor_store.get_actor_by_uri(conn, uri)
    return found if found is not None and found.role == "resident" else None


async def receive_move(ctx: ServiceContext, conn: AsyncConnection, old: Actor, new: Actor) -> int:
    """`old` moved to `new` (already checked): our residents who followed `old` follow
    `new` instead (unless one blocks the other). Returns how many followed `old`."""
    followers = await follow_store.local_followers(conn, old.id)
    for follow_row, resident in followers:
        await follow_store.delete_follow(conn, follow_row.id)
        # As an unfollow: the old account leaves the resident's lists.
        await list_store.remove_from_owner_lists(conn, resident.id, old.id)
        if not old.is_local:
            await ctx.outbox.send(conn, outgoing.FollowUndone(resident, old, follow_row))
        if resident.id == new.id or await blocks.blocked_either_way(conn, resident, new):
            continue
        existing = await follow_store.get_follow(conn, resident.id, new.id)
        if existing is None:
            # A local account is followed at once (unless it approves its followers).
            local_state = "pending" if new.manually_approves_followers else "accepted"
            follow_new = await follow_store.upsert_follow(
                conn,
                follower_id=resident.id,
                followed_id=new.id,
                uri=f"{resident.uri}#follows/{uuid.uuid4()}",
                state=local_state if new.is_local else "pending",
            )
            if not new.is_local:
                await ctx.outbox.send(conn, outgoing.FollowSent(resident, new, follow_new))
        await notification_store.add(conn, recipient_id=resident.id, type="move", actor_id=new.id)
    return len(followers)


# Moving out: our resident's other accounts (`alsoKnownAs`), and their move elsewhere.

ALIASES_MAX = 10
# As Mastodon: an account moves at most once every 30 days.
MOVE_COOLDOWN = timedelta(days=30)


async def _me(conn: AsyncConnection, account: Account) -> Actor:
    me = await actor_store.get_actor(conn, account.actor_id)
    if me is None:
        raise NotFound("no such account")
    return me


async def add_alias(ctx: ServiceContext, account: Account, target: str) -> Actor:
    """Declare `target` (`@name@host` found through WebFinger, or an actor URL) as another
    account of the resident's: published as `alsoKnownAs`, so that the other account may
    move here. Followers' servers are told (an `Update` of the actor)."""
    other = await follows.resolve_target(ctx, target)
    async with ctx.db.write() as conn:
        me = await _me(conn, account)
        if other.id == me.id:
            raise InvalidInput("this is your own account", field="alias")
        if other.uri in me.also_known_as:
            return other
        if len(me.also_known_as) >= ALIASES_MAX:
            raise InvalidInput("at most %(max)s other accounts", max=ALIASES_MAX, field="alias")
        await resident_store.set_moving(conn, me.id, also_known_as=(*me.also_known_as, other.uri))
        await _tell_profile(ctx, conn, me.id)
    ctx.outbox.wake()
    return other


async def remove_alias(ctx: ServiceContext, account: Account, uri: str) -> None:
    async with ctx.db.write() as conn:
        me = await _me(conn, account)
        if uri not in me.also_known_as:
            raise NotFound("this account is not among your other accounts")
        kept = tuple(u for u in me.also_known_as if u != uri)
        await resident_store.set_moving(conn, me.id, also_known_as=kept)
        await _tell_profile(ctx, conn, me.id)
    ctx.outbox.wake()


async def _tell_profile(ctx: ServiceContext, conn: AsyncConnection, actor_id: int) -> Actor:
    updated = await actor_store.get_actor(conn, actor_id)
    assert updated is not None
    await ctx.outbox.send(conn, outgoing.ProfileUpdated(updated))
    return updated


async def move_out(ctx: ServiceContext, account: Account, target: str) -> Actor:
    """The resident moves house to `target`, which must name this account in its
    `alsoKnownAs` (fetched afresh): the account shows `movedTo`, its followers' servers get
    a `Move` (and our residents who followed it follow the new account), and it no longer
    publishes. Once every 30 days, as Mastodon."""
    new = await follows.resolve_target(ctx, target)
    async with ctx.db.read() as conn:
        me = await _me(conn, account)
    if new.id == me.id:
        raise InvalidInput("this is your own account", field="target")
    if me.moved_at is not None and utcnow() - me.moved_at < MOVE_COOLDOWN:
        raise Conflict(
            "you moved less than %(days)s days ago", days=MOVE_COOLDOWN.days, field="target"
        )
    if new.is_local:
        aliases = list(new.also_known_as)
    else:
        aliases = also_known_as(await ctx.remote.fetch_document(new.uri))
    if me.uri not in aliases:
        raise InvalidInput(
            "%(account)s does not name this account among its other accounts: add it there first",
            account=f"@{new.handle}",
            field="target",
        )
    async with ctx.db.write() as conn:
        await resident_store.set_moving(conn, me.id, moved_to=new.uri, moved_at=utcnow())
        moved = await _tell_profile(ctx, conn, me.id)
        await ctx.outbox.send(conn, outgoing.Moved(moved, new.uri))
        # Our own residents who followed the account hear of it here, not by a Move.
        await receive_move(ctx, conn, moved, new)
    ctx.outbox.wake()
    return new


async def refuse_if_moved(conn: AsyncConnection, author: Actor) -> None:
    """An account that moved house publishes no more (as on Mastodon)."""
    if author.role != "resident":
        return
    current = await actor_store.get_actor(conn, author.id)
    if current is not None and current.moved_to:
        raise Forbidden("this account has moved: it no longer publishes here")
