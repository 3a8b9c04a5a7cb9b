"""Favourites (Likes): our residents liking posts, and remote people liking ours.

A like of a remote post is sent to its author as a `Like` (and taken back with
`Undo(Like)`); a like of one of our residents' posts notifies them.
"""

from __future__ import annotations

import uuid

from sqlalchemy.ext.asyncio import AsyncConnection

from ..models import Actor, Post
from ..store import actors as actor_store
from ..store import favourites as favourite_store
from ..store import notifications as notification_store
from ..store import posts as post_store
from . import outgoing
from .context import ServiceContext
from .visibility import visible, visible_post


async def favourite(ctx: ServiceContext, actor: Actor, post_id: int) -> Post:
    """`actor` (one of ours) likes a post; liking twice changes nothing."""
    async with ctx.db.write() as conn:
        post, author = await visible_post(ctx, actor, post_id, conn=conn)
        like_uri = f"{actor.uri}#likes/{uuid.uuid4()}"
        if await favourite_store.add(conn, actor_id=actor.id, post_id=post.id, uri=like_uri):
            if not author.is_local:
                await ctx.outbox.send(conn, outgoing.Liked(actor, post, author, like_uri))
            elif author.role == "resident" and author.id != actor.id:
                await notification_store.add(
                    conn,
                    recipient_id=author.id,
                    type="favourite",
                    actor_id=actor.id,
                    post_id=post.id,
                )
    ctx.outbox.wake()
    return post


async def unfavourite(ctx: ServiceContext, actor: Actor, post_id: int) -> Post:
    """Take a like back (nothing happens when there was none)."""
    async with ctx.db.write() as conn:
        post, author = await visible_post(ctx, actor, post_id, conn=conn)
        like_uri = await favourite_store.get_uri(conn, actor.id, post.id)
        if like_uri is not None:
            await favourite_store.remove(conn, actor.id, post.id)
            if not author.is_local:
                await ctx.outbox.send(conn, outgoing.LikeUndone(actor, post, author, like_uri))
    ctx.outbox.wake()
    return post


# Inbound: called by the inbox handlers inside their transaction.


async def receive_like(conn: AsyncConnection, liker: Actor, post_uri: str, like_uri: str) -> bool:
    """A remote actor likes one of our posts: recorded once, and its author hears of it."""
    post = await post_store.get_post_by_uri(conn, post_uri)
    if post is None or not post.is_local or post.is_deleted:
        return False
    if not await visible(conn, liker, [post]):
        return False
    if await favourite_store.add(conn, actor_id=liker.id, post_id=post.id, uri=like_uri):
        author = await actor_store.get_actor(conn, post.actor_id)
        if author is not None and author.role == "resident":
            await notification_store.add(
                conn, recipient_id=author.id, type="favourite", actor_id=liker.id, post_id=post.id
            )
    return True


async def receive_undo_like(conn: AsyncConnection, liker: Actor, like_uri: str) -> bool:
    return await favourite_store.remove_by_uri(conn, liker.id, like_uri)
