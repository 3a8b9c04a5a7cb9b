"""Blocks and mutes of our residents, and the Blocks other servers' people send.

A block ends the follows between the two accounts both ways, clears the notifications the
blocked account caused, and from then on: neither may follow the other, the blocked one
cannot write to the blocker, show interest in their offers and requests or join their
events, nor read their posts here; the blocker's timelines, feeds and notifications no
longer show the blocked one. A blocked account elsewhere is sent a Block (Mastodon's
shape), an unblock its Undo. A mute only hides: the muted account's posts leave the
muter's timelines and feeds (their notifications too with `notifications`), for a while
with a duration; nothing is sent. A resident's domain block hides that domain's accounts
as a block would, and removes the followers they had there (as Mastodon does).

Every read path asks the store's one question (`store.hidden.hidden_actors`): through
`visibility.visible` for posts, `notification_shown` for notifications.
"""

from __future__ import annotations

import re
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import timedelta

from sqlalchemy.ext.asyncio import AsyncConnection

from ..boundary.paging import PageQuery
from ..models import Actor, Mute
from ..store import actors as actor_store
from ..store import blocks as block_store
from ..store import follows as follow_store
from ..store.clock import utcnow
from . import outgoing, views
from .context import ServiceContext
from .errors import Forbidden, InvalidInput, NotFound
from .views import AccountView

# Mastodon's longest mute duration is whatever the app sends; ours is bounded (a year).
MAX_MUTE_SECONDS = 366 * 24 * 3600
DOMAIN = re.compile(
    r"^(?=.{1,253}$)[a-z0-9](?:[a-z0-9-]{0,62}[a-z0-9])?(?:\.[a-z0-9](?:[a-z0-9-]{0,62}[a-z0-9])?)*(?::\d{1,5})?$"
)


async def _target(conn: AsyncConnection, actor: Actor, target_id: int, *, mute: bool) -> Actor:
    target = await actor_store.get_actor(conn, target_id)
    if target is None or target.role == "instance" or target.gone_at is not None:
        raise NotFound("Record not found")
    if target.id == actor.id:
        if mute:
            raise InvalidInput("you cannot mute yourself")
        raise InvalidInput("you cannot block yourself")
    return target


def _check_resident(actor: Actor) -> None:
    if actor.role != "resident":
        raise Forbidden("only residents can block or mute")


async def _end_follows(
    ctx: ServiceContext, conn: AsyncConnection, one: Actor, other: Actor
) -> None:
    """The follows between `one` (ours) and `other` end, both ways and in any state; a
    remote `other` is told: an Undo of our follow, a Reject of theirs."""
    mine = await follow_store.get_follow(conn, one.id, other.id)
    if mine is not None:
        await follow_store.delete_follow(conn, mine.id)
        if not other.is_local:
            await ctx.outbox.send(conn, outgoing.FollowUndone(one, other, mine))
    theirs = await follow_store.get_follow(conn, other.id, one.id)
    if theirs is not None:
        await follow_store.delete_follow(conn, theirs.id)
        if not other.is_local:
            await ctx.outbox.send(conn, outgoing.FollowRejected(one, other, theirs))


async def block(ctx: ServiceContext, blocker: Actor, target_id: int) -> Actor:
    """`blocker` (one of our residents) blocks the account `target_id`. Blocking again
    changes nothing. Returns the blocked actor."""
    _check_resident(blocker)
    async with ctx.db.write() as conn:
        target = await _target(conn, blocker, target_id, mute=False)
        if await block_store.get_block(conn, blocker.id, target.id) is None:
            await _end_follows(ctx, conn, blocker, target)
            await block_store.delete_notifications_from(conn, blocker.id, target.id)
            row = await block_store.add_block(
                conn, blocker.id, target.id, f"{blocker.uri}#blocks/{uuid.uuid4()}"
            )
            if not target.is_local:
                await ctx.outbox.send(conn, outgoing.Blocked(blocker, target, row))
    ctx.outbox.wake()
    return target


async def unblock(ctx: ServiceContext, blocker: Actor, target_id: int) -> Actor:
    """Lift `blocker`'s block of `target_id` (none: nothing to do); a remote account's
    server gets the Block's Undo."""
    async with ctx.db.write() as conn:
        target = await _target(conn, blocker, target_id, mute=False)
        row = await block_store.get_block(conn, blocker.id, target.id)
        if row is not None:
            await block_store.delete_block(conn, row.id)
            if not target.is_local:
                await ctx.outbox.send(conn, outgoing.BlockUndone(blocker, target, row))
    ctx.outbox.wake()
    return target


async def mute(
    ctx: ServiceContext,
    muter: Actor,
    target_id: int,
    *,
    notifications: bool = True,
    duration: int | None = None,
) -> Actor:
    """`muter` mutes `target_id` (their notifications too unless `notifications` is
    False), for `duration` seconds when it is more than 0, else until unmuted. Muting
    again changes the terms."""
    _check_resident(muter)
    if duration is not None and not 0 <= duration <= MAX_MUTE_SECONDS:
        raise InvalidInput(
            "a mute lasts from 0 (no end) to %(max)s seconds",
            max=MAX_MUTE_SECONDS,
            field="duration",
        )
    expires_at = utcnow() + timedelta(seconds=duration) if duration else None
    async with ctx.db.write() as conn:
        target = await _target(conn, muter, target_id, mute=True)
        await block_store.set_mute(
            conn, muter.id, target.id, notifications=notifications, expires_at=expires_at
        )
    return target


async def unmute(ctx: ServiceContext, muter: Actor, target_id: int) -> Actor:
    async with ctx.db.write() as conn:
        target = await _target(conn, muter, target_id, mute=True)
        await block_store.delete_mute(conn, muter.id, target.id)
    return target


def checked_domain(ctx: ServiceContext, domain: str) -> str:
    """A domain as a resident types it (`Example.org`, `https://example.org/`), made
    plain; ours, or anything that is not a domain, is refused."""
    plain = domain.strip().lower().removeprefix("https://").removeprefix("http://").rstrip("/")
    if not DOMAIN.match(plain):
        raise InvalidInput("'%(domain)s' is not a domain", domain=domain[:100], field="domain")
    if plain == ctx.config.domain:
        raise InvalidInput("you cannot block your own server", field="domain")
    return plain


async def block_domain(ctx: ServiceContext, resident: Actor, domain: str) -> str:
    """`resident` hides everything from `domain`; their followers there are removed (each
    server told with a Reject). Returns the domain as kept."""
    _check_resident(resident)
    plain = checked_domain(ctx, domain)
    async with ctx.db.write() as conn:
        if await block_store.add_domain_block(conn, resident.id, plain):
            for follower in await follow_store.followers_on_domain(conn, resident.id, plain):
                theirs = await follow_store.get_follow(conn, follower.id, resident.id)
                if theirs is not None:
                    await follow_store.delete_follow(conn, theirs.id)
                    await ctx.outbox.send(conn, outgoing.FollowRejected(resident, follower, theirs))
    ctx.outbox.wake()
    return plain


async def unblock_domain(ctx: ServiceContext, resident: Actor, domain: str) -> None:
    plain = checked_domain(ctx, domain)
    async with ctx.db.write() as conn:
        await block_store.delete_domain_block(conn, resident.id, plain)


# Lists


async def blocked(
    ctx: ServiceContext, viewer: Actor, page: PageQuery
) -> list[tuple[int, AccountView]]:
    """(block id, account) of whom `viewer` blocks, newest first."""
    async with ctx.db.read() as conn:
        pairs = await block_store.blocks_page(conn, viewer.id, page)
        found = await views.accounts(conn, [actor for _id, actor in pairs])
    return [(row_id, view) for (row_id, _a), view in zip(pairs, found, strict=True)]


@dataclass(frozen=True)
class Muted:
    mute: Mute
    account: AccountView


async def muted(ctx: ServiceContext, viewer: Actor, page: PageQuery) -> list[Muted]:
    """Whom `viewer` mutes (mutes in force), newest first."""
    async with ctx.db.read() as conn:
        pairs = await block_store.mutes_page(conn, viewer.id, page)
        found = await views.accounts(conn, [actor for _m, actor in pairs])
    return [Muted(row, view) for (row, _a), view in zip(pairs, found, strict=True)]


async def blocked_domains(
    ctx: ServiceContext, viewer: Actor, page: PageQuery
) -> list[tuple[int, str]]:
    async with ctx.db.read() as conn:
        return await block_store.domain_blocks_page(conn, viewer.id, page)


# What the other services ask


async def refuse_if_blocked(conn: AsyncConnection, actor: Actor, other: Actor) -> None:
    """Forbidden when a block stands between `actor` (who acts) and `other`: the reason
    said to `actor` in plain words."""
    if await block_store.get_block(conn, actor.id, other.id) is not None:
        raise Forbidden("you have blocked this account: unblock it first")
    if await block_store.get_block(conn, other.id, actor.id) is not None:
        raise Forbidden("this account has blocked you")


async def blocked_either_way(conn: AsyncConnection, one: Actor, other: Actor) -> bool:
    return await block_store.blocked_either_way(conn, one.id, other.id)


async def blocked_by_id(conn: AsyncConnection, one: Actor, other_id: int) -> bool:
    return await block_store.blocked_either_way(conn, one.id, other_id)


async def separates_from_all(
    conn: AsyncConnection, author: Actor, addressees: Sequence[Actor]
) -> bool:
    """Whether a block stands between `author` and every one of `addressees` (at least
    one): a direct message from elsewhere to them is then dropped."""
    if not addressees:
        return False
    for addressee in addressees:
        if not await block_store.blocked_either_way(conn, author.id, addressee.id):
            return False
    return True


async def hidden_authors(
    conn: AsyncConnection, viewer: Actor | None, author_ids: Sequence[int]
) -> set[int]:
    """Which of `author_ids` a list shown to `viewer` leaves out (see the module)."""
    if viewer is None:
        return set()
    return await block_store.hidden_among(conn, viewer.id, author_ids)


# Inbound: a Block from another server, inside the inbox worker's transaction.


async def receive_block(
    conn: AsyncConnection, blocker: Actor, target_uri: str, block_uri: str
) -> bool:
    """Someone elsewhere blocks one of ours: the follows between them end both ways (the
    blocker's server has ended them on its side already), and the block is kept so the
    client API says `blocked_by`. False when the target is not ours."""
    target = await actor_store.get_actor_by_uri(conn, target_uri)
    if target is None or not target.is_local or target.id == blocker.id:
        return False
    for follower, followed in ((blocker, target), (target, blocker)):
        row = await follow_store.get_follow(conn, follower.id, followed.id)
        if row is not None:
            await follow_store.delete_follow(conn, row.id)
    await block_store.add_block(conn, blocker.id, target.id, block_uri)
    return True


async def receive_undo_block(
    conn: AsyncConnection, blocker: Actor, block_uri: str | None, target_uri: str | None
) -> bool:
    """The Undo of a Block `blocker` sent: found by its id, else by its target."""
    row = await block_store.get_block_by_uri(conn, block_uri) if block_uri else None
    if row is None and target_uri:
        target = await actor_store.get_actor_by_uri(conn, target_uri)
        row = await block_store.get_block(conn, blocker.id, target.id) if target else None
    if row is None or row.account_id != blocker.id:
        return False
    await block_store.delete_block(conn, row.id)
    return True
