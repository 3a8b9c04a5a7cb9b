"""Pinned posts (Mastodon's pins, the actor's `featured` collection).

Anyone may pin up to `MAX_PINS` of their own public or unlisted posts on their profile,
as Mastodon allows; the posts verified organisations pin (the town hall's announcements)
also stand at the top of the landing page and of the nearby feeds.
"""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncConnection

from ..models import Actor, Post
from ..store import pins as pin_store
from ..store import posts as post_store
from . import outgoing
from .context import ServiceContext
from .errors import Forbidden, InvalidInput, NotFound

# Mastodon's limit (`StatusPinValidator::PIN_LIMIT`).
MAX_PINS = 5
PINNABLE = ("public", "unlisted")
# How many organisations' pinned posts the landing page and the feeds show at most.
SHOWN_ON_FEEDS = 3


async def pin(ctx: ServiceContext, actor: Actor, post_id: int) -> Post:
    """Pin one of `actor`'s own posts; pinning it again changes nothing."""
    async with ctx.db.write() as conn:
        post = await _own_post(conn, actor, post_id)
        if post.visibility not in PINNABLE:
            raise InvalidInput("only public and unlisted posts can be pinned")
        if post.id in await pin_store.pinned_by_author(conn, [post.id]):
            return post
        if await pin_store.count(conn, actor.id) >= MAX_PINS:
            raise InvalidInput("you can pin at most %(count)s posts", count=MAX_PINS)
        if await pin_store.pin(conn, actor.id, post.id):
            await ctx.outbox.send(conn, outgoing.PostPinned(actor, post))
    ctx.outbox.wake()
    return post


async def unpin(ctx: ServiceContext, actor: Actor, post_id: int) -> Post:
    """Unpin one of `actor`'s posts; unpinning one not pinned changes nothing."""
    async with ctx.db.write() as conn:
        post = await _own_post(conn, actor, post_id)
        if await pin_store.unpin(conn, actor.id, post.id):
            await ctx.outbox.send(conn, outgoing.PostUnpinned(actor, post))
    ctx.outbox.wake()
    return post


async def _own_post(conn: AsyncConnection, actor: Actor, post_id: int) -> Post:
    post = await post_store.get_post(conn, post_id)
    if post is None or post.is_deleted:
        raise NotFound("no such post")
    if post.actor_id != actor.id:
        raise Forbidden("only the author can pin this post")
    return post


async def receive_featured(
    conn: AsyncConnection,
    actor: Actor,
    target: str | None,
    post_uri: str | None,
    *,
    pinned: bool,
) -> bool:
    """A remote actor's `Add` to (or `Remove` from) its featured collection. Kept only
    for a linked neighbour's verified organisation (the only remote actors with an
    organisation type) and a post of its own we hold, so its pinned announcement tops
    our feeds as our town hall's does. False when there is nothing to do."""
    if actor.is_local or actor.organization_type is None or post_uri is None:
        return False
    if target != f"{actor.uri}/collections/featured":
        return False
    post = await post_store.get_post_by_uri(conn, post_uri)
    if post is None or post.actor_id != actor.id or post.is_deleted:
        return False
    if pinned:
        await pin_store.pin(conn, actor.id, post.id)
    else:
        await pin_store.unpin(conn, actor.id, post.id)
    return True


async def pinned_posts(ctx: ServiceContext, actor: Actor) -> list[Post]:
    """The actor's pinned posts, the latest pinned first (what `featured` lists)."""
    async with ctx.db.read() as conn:
        return await pin_store.pinned_posts(conn, actor.id, limit=MAX_PINS * 4)


async def is_pinned(ctx: ServiceContext, post: Post) -> bool:
    """Whether the post's author pinned it."""
    async with ctx.db.read() as conn:
        return post.id in await pin_store.pinned_by_author(conn, [post.id])


async def organization_announcements(ctx: ServiceContext) -> list[tuple[Post, Actor]]:
    """Public posts verified organisations pinned (ours and linked neighbours'), the
    latest pinned first: what tops the landing page and the nearby feeds."""
    async with ctx.db.read() as conn:
        return await pin_store.organization_pins(conn, limit=SHOWN_ON_FEEDS)
