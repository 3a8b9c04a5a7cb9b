"""Following: our residents following others, and others following our actors."""

from __future__ import annotations

import uuid

from sqlalchemy.ext.asyncio import AsyncConnection

from ..models import Actor, Follow
from ..store import actors as actor_store
from ..store import follows as follow_store
from ..store import lists as list_store
from ..store import moderation as moderation_store
from ..store import notifications as notification_store
from ..store.clock import utcnow
from . import blocks, neighbours, outgoing
from .context import ServiceContext
from .errors import Conflict, InvalidInput, NotFound


async def resolve_target(ctx: ServiceContext, target: str) -> Actor:
    """An actor from a handle (`@ana@host`, `ana@host`, `ana` for a local one) or a URL."""
    target = target.strip()
    if target.startswith(("http://", "https://")):
        async with ctx.db.read() as conn:
            known = await actor_store.get_actor_by_uri(conn, target)
        return known if known is not None and known.is_local else await ctx.remote.actor(target)
    handle = target.lstrip("@")
    if "@" not in handle or handle.rsplit("@", 1)[1].lower() == ctx.config.domain:
        username = handle.split("@", 1)[0]
        async with ctx.db.read() as conn:
            local = await actor_store.get_local_actor(conn, username)
        if local is None:
            raise NotFound("no local account named '%(name)s'", name=username)
        return local
    return await ctx.remote.actor_by_handle(handle)


async def follow(ctx: ServiceContext, follower: Actor, target: str) -> Follow:
    """`follower` (one of ours) follows `target`. Local follows are immediate; remote ones
    stay pending until the other server accepts."""
    followed = await resolve_target(ctx, target)
    if followed.id == follower.id:
        raise InvalidInput("you cannot follow yourself")
    async with ctx.db.write() as conn:
        await blocks.refuse_if_blocked(conn, follower, followed)
        existing = await follow_store.get_follow(conn, follower.id, followed.id)
        if existing is not None and existing.state == "accepted":
            return existing
        uri = existing.uri if existing else f"{follower.uri}#follows/{uuid.uuid4()}"
        if followed.is_local:
            needs_approval = followed.manually_approves_followers or await _is_limited(
                ctx, conn, follower
            )
            state = "pending" if needs_approval else "accepted"
            follow_row = await follow_store.upsert_follow(
                conn, follower_id=follower.id, followed_id=followed.id, uri=uri, state=state
            )
            if existing is None:
                await _notify_follow(conn, follower, followed, follow_row)
        else:
            follow_row = await follow_store.upsert_follow(
                conn, follower_id=follower.id, followed_id=followed.id, uri=uri, state="pending"
            )
            await ctx.outbox.send(conn, outgoing.FollowSent(follower, followed, follow_row))
    ctx.outbox.wake()
    return follow_row


async def unfollow(ctx: ServiceContext, follower: Actor, target: str) -> None:
    """Stop following; a remote actor is sent `Undo(Follow)`."""
    followed = await resolve_target(ctx, target)
    async with ctx.db.write() as conn:
        existing = await follow_store.get_follow(conn, follower.id, followed.id)
        if existing is None:
            raise Conflict("you do not follow this account")
        await follow_store.delete_follow(conn, existing.id)
        # As Mastodon: an account one stops following leaves one's lists.
        await list_store.remove_from_owner_lists(conn, follower.id, followed.id)
        if not followed.is_local:
            await ctx.outbox.send(conn, outgoing.FollowUndone(follower, followed, existing))
    ctx.outbox.wake()


# Inbound side: called by the inbox handlers inside their transaction.


async def receive_follow(
    ctx: ServiceContext, conn: AsyncConnection, follower: Actor, followed: Actor, follow_uri: str
) -> Follow:
    """A remote actor asks to follow one of ours: accept at once unless approval is needed.

    A follow of our instance actor is a neighbour-link request: it waits for an admin
    unless the neighbours policy approves it (see services.neighbours)."""
    needs_approval = followed.manually_approves_followers
    if followed.role == "instance" and await neighbours.should_auto_accept(conn, ctx, follower):
        needs_approval = False
    if followed.role == "resident" and await _is_limited(ctx, conn, follower):
        needs_approval = True
    state = "pending" if needs_approval else "accepted"
    if await blocks.blocked_either_way(conn, follower, followed):
        # Refused, as Mastodon does: a Reject, nothing kept.
        refused = Follow(0, follower.id, followed.id, follow_uri, "pending", utcnow())
        await ctx.outbox.send(conn, outgoing.FollowRejected(followed, follower, refused))
        return refused
    existing = await follow_store.get_follow(conn, follower.id, followed.id)
    follow_row = await follow_store.upsert_follow(
        conn, follower_id=follower.id, followed_id=followed.id, uri=follow_uri, state=state
    )
    if existing is None:
        await _notify_follow(conn, follower, followed, follow_row)
    if follow_row.state == "accepted":
        await ctx.outbox.send(conn, outgoing.FollowAccepted(followed, follower, follow_row))
    return follow_row


async def _is_limited(ctx: ServiceContext, conn: AsyncConnection, follower: Actor) -> bool:
    """A limited account's follows wait for approval (services/moderation_actions.py)."""
    if not follower.is_local and await ctx.domains.is_silenced(follower.domain):
        return True
    return await moderation_store.is_limited(conn, follower.id)


async def _notify_follow(
    conn: AsyncConnection, follower: Actor, followed: Actor, follow_row: Follow
) -> None:
    """A resident hears of a new follower, or of a request to approve."""
    if followed.role == "resident":
        kind = "follow" if follow_row.state == "accepted" else "follow_request"
        await notification_store.add(
            conn, recipient_id=followed.id, type=kind, actor_id=follower.id
        )


async def approve_follower(ctx: ServiceContext, followed: Actor, follower_uri: str) -> Follow:
    """Accept a pending follow request of one of our actors."""
    async with ctx.db.write() as conn:
        follower = await actor_store.get_actor_by_uri(conn, follower_uri)
        follow_row = (
            await follow_store.get_follow(conn, follower.id, followed.id) if follower else None
        )
        if follower is None or follow_row is None:
            raise NotFound("no such follow request")
        await follow_store.set_follow_state(conn, follow_row.id, "accepted")
        if not follower.is_local:
            await ctx.outbox.send(conn, outgoing.FollowAccepted(followed, follower, follow_row))
    ctx.outbox.wake()
    return follow_row


async def reject_follower(
    ctx: ServiceContext, followed: Actor, follower_uri: str, *, missing: str = "no such follower"
) -> None:
    """Turn down a follow request of one of our actors, or remove a follower: the follow
    ends and a remote follower's server gets a Reject of it (how Mastodon does both)."""
    async with ctx.db.write() as conn:
        follower = await actor_store.get_actor_by_uri(conn, follower_uri)
        follow_row = (
            await follow_store.get_follow(conn, follower.id, followed.id) if follower else None
        )
        if follower is None or follow_row is None:
            raise NotFound(missing)
        await follow_store.delete_follow(conn, follow_row.id)
        if not follower.is_local:
            await ctx.outbox.send(conn, outgoing.FollowRejected(followed, follower, follow_row))
    ctx.outbox.wake()


async def receive_accept(conn: AsyncConnection, follow_row: Follow) -> None:
    await follow_store.set_follow_state(conn, follow_row.id, "accepted")


async def receive_reject(conn: AsyncConnection, follow_row: Follow) -> None:
    """Our follow was refused, or an accepted follow was removed by the other side."""
    await follow_store.delete_follow(conn, follow_row.id)


async def receive_undo_follow(conn: AsyncConnection, follow_row: Follow) -> None:
    await follow_store.delete_follow(conn, follow_row.id)


async def find_answered_follow(
    conn: AsyncConnection,
    *,
    follow_uri: str | None,
    follower_uri: str | None,
    followed_uri: str | None,
) -> Follow | None:
    """The follow an Accept, Reject or Undo refers to: by the Follow's id, else by its two
    sides; and only when those sides are the ones given (an answer comes from the
    followed actor, an Undo from the follower)."""
    follow_row = None
    if follow_uri is not None:
        follow_row = await follow_store.get_follow_by_uri(conn, follow_uri)
    if follow_row is None and follower_uri and followed_uri:
        follower = await actor_store.get_actor_by_uri(conn, follower_uri)
        followed = await actor_store.get_actor_by_uri(conn, followed_uri)
        if follower and followed:
            follow_row = await follow_store.get_follow(conn, follower.id, followed.id)
    if follow_row is None:
        return None
    for side_id, expected in (
        (follow_row.follower_id, follower_uri),
        (follow_row.followed_id, followed_uri),
    ):
        if expected is not None:
            side = await actor_store.get_actor(conn, side_id)
            if side is None or side.uri != expected:
                return None
    return follow_row


async def receive_follow_of(
    ctx: ServiceContext, conn: AsyncConnection, follower: Actor, target_uri: str, follow_uri: str
) -> Follow | None:
    """A Follow of `target_uri` arrived: `receive_follow` when it is one of our actors,
    None when it names nobody here."""
    followed = await actor_store.get_actor_by_uri(conn, target_uri)
    if followed is None or not followed.is_local:
        return None
    return await receive_follow(ctx, conn, follower, followed, follow_uri)
