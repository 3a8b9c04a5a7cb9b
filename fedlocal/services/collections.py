"""What our actors publish for other servers to page through: their keys, their outbox
(a person's public posts, or the community's shares of them) and who follows them and
whom they follow. Each page is read in a fixed number of queries."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from ..models import Actor, ActorKey, Announce, Follow, Post
from ..store import actors as actor_store
from ..store import announces as announce_store
from ..store import follows as follow_store
from ..store import posts as post_store
from ..store import timelines as timeline_store
from .context import ServiceContext

# Only public posts leave through the outbox (unlisted ones reach followers by delivery).
OUTBOX_VISIBILITIES = ("public",)

Direction = Literal["followers", "following"]


@dataclass(frozen=True)
class OutboxPage:
    # What a person published, newest first.
    posts: list[Post]
    # What the community shared (the announce, the post and its author), newest first.
    shared: list[tuple[Announce, Post, Actor]]
    # Where the next (older) page starts, when there may be one.
    next_max_id: int | None


def _shares(actor: Actor) -> bool:
    """The community actor's outbox is what it shared, not what it wrote."""
    return actor.role == "community"


async def keys(ctx: ServiceContext, actor: Actor) -> list[ActorKey]:
    """The public keys `actor`'s document lists (RSA and Ed25519)."""
    async with ctx.db.read() as conn:
        return await actor_store.keys_of(conn, actor.id)


async def outbox_size(ctx: ServiceContext, actor: Actor) -> int:
    """How many items `actor`'s outbox holds, as its collection announces."""
    async with ctx.db.read() as conn:
        if _shares(actor):
            return await announce_store.count_actor_announces(conn, actor.id)
        return await post_store.count_actor_posts(conn, actor.id, OUTBOX_VISIBILITIES)


async def outbox_page(
    ctx: ServiceContext, actor: Actor, *, max_id: int | None, limit: int
) -> OutboxPage:
    """A page of `actor`'s outbox, newest first, older than `max_id`."""
    async with ctx.db.read() as conn:
        if not _shares(actor):
            posts = await post_store.list_actor_posts(
                conn, actor.id, visibilities=OUTBOX_VISIBILITIES, max_id=max_id, limit=limit
            )
            return OutboxPage(posts, [], posts[-1].id if len(posts) == limit else None)
        announces = await announce_store.list_actor_announces(
            conn, actor.id, max_id=max_id, limit=limit
        )
        found = await timeline_store.posts_by_ids(
            conn, [a.object_id for a in announces if a.object_id]
        )
        authors = await timeline_store.actors_by_ids(conn, [p.actor_id for p in found.values()])
    shared = [
        (a, post, authors[post.actor_id])
        for a in announces
        if (post := found.get(a.object_id or 0)) is not None
        and not post.is_deleted
        and post.actor_id in authors
    ]
    return OutboxPage([], shared, announces[-1].id if len(announces) == limit else None)


async def follow_count(ctx: ServiceContext, actor: Actor, direction: Direction) -> int:
    """How many accepted followers `actor` has, or how many it follows."""
    count = (
        follow_store.count_followers if direction == "followers" else follow_store.count_following
    )
    async with ctx.db.read() as conn:
        return await count(conn, actor.id)


async def follow_page(
    ctx: ServiceContext, actor: Actor, direction: Direction, *, after: int | None, limit: int
) -> list[tuple[Follow, Actor]]:
    """Accepted follows of or by `actor`, oldest first, after the follow id `after`."""
    listing = (
        follow_store.list_followers if direction == "followers" else follow_store.list_following
    )
    async with ctx.db.read() as conn:
        return await listing(conn, actor.id, after_id=after, limit=limit)
