"""Boosts by our residents: an `Announce` of the post to their followers (and to its
author), taken back with `Undo(Announce)`; boosts of our residents' posts notify them."""

from __future__ import annotations

import uuid

from sqlalchemy.ext.asyncio import AsyncConnection

from ..models import Actor, Announce, Post
from ..store import actors as actor_store
from ..store import announces as announce_store
from ..store import notifications as notification_store
from ..store import timelines as timeline_store
from ..store.clock import utcnow
from . import outgoing
from .context import ServiceContext
from .errors import Forbidden
from .visibility import visible_post

BOOSTABLE = ("public", "unlisted")


async def _boostable(
    ctx: ServiceContext, conn: AsyncConnection, actor: Actor, post_id: int
) -> Post:
    post, _author = await visible_post(ctx, actor, post_id, conn=conn)
    if post.visibility not in BOOSTABLE:
        raise Forbidden("This action is not allowed")
    return post


async def reblog(ctx: ServiceContext, actor: Actor, post_id: int) -> tuple[Announce, Post]:
    """`actor` boosts a post; boosting twice returns the first boost."""
    async with ctx.db.write() as conn:
        post = await _boostable(ctx, conn, actor, post_id)
        announce = await announce_store.insert_announce(
            conn,
            uri=f"{actor.uri}#announces/{uuid.uuid4()}",
            actor_id=actor.id,
            object_uri=post.uri,
            object_id=post.id,
            published=utcnow(),
        )
        if announce is None:
            existing = await announce_store.get_announce(conn, actor.id, post.uri)
            assert existing is not None
            return existing, post
        await ctx.outbox.send(conn, outgoing.Boosted(actor, post, announce))
        await notify_boost(conn, actor, post)
    ctx.outbox.wake()
    return announce, post


async def unreblog(ctx: ServiceContext, actor: Actor, post_id: int) -> Post:
    async with ctx.db.write() as conn:
        post, _author = await visible_post(ctx, actor, post_id, conn=conn)
        announce = await announce_store.get_announce(conn, actor.id, post.uri)
        if announce is not None:
            await announce_store.delete_announce(conn, announce.id)
            await ctx.outbox.send(conn, outgoing.BoostUndone(actor, post, announce))
    ctx.outbox.wake()
    return post


async def notify_boost(conn: AsyncConnection, booster: Actor, post: Post) -> None:
    """The author of a post of ours hears that someone boosted it (not of the automatic
    shares by our community and groups, nor of their own)."""
    if not post.is_local or booster.role in announce_store.SHARING_ROLES:
        return
    author = await actor_store.get_actor(conn, post.actor_id)
    if author is not None and author.role == "resident" and author.id != booster.id:
        await notification_store.add(
            conn, recipient_id=author.id, type="reblog", actor_id=booster.id, post_id=post.id
        )


async def notify_boosters(conn: AsyncConnection, post: Post) -> None:
    """Our residents who boosted `post` hear it was edited (Mastodon's `update`)."""
    found = await announce_store.boosters_of(conn, post.id, limit=200)
    people = await timeline_store.actors_by_ids(conn, [actor_id for _a, actor_id in found])
    for actor in people.values():
        if actor.role == "resident" and actor.id != post.actor_id:
            await notification_store.add(
                conn, recipient_id=actor.id, type="update", actor_id=post.actor_id, post_id=post.id
            )
