"""Who may read a post: the one rule the web app, the client API, the federation object
URLs and the services acting on a post all apply."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy.ext.asyncio import AsyncConnection

from ..models import Actor, Post
from ..store import actors as actor_store
from ..store import blocks as block_store
from ..store import posts as post_store
from ..store import timelines as timeline_store
from .context import ServiceContext
from .errors import NotFound

# Visibilities anyone (even without logging in) may read. Local-only posts are for our
# residents: logged in, not visitors, nor other servers (see `may_see`).
OPEN_VISIBILITIES = ("public", "unlisted")


def is_our_resident(viewer: Actor | None) -> bool:
    """Whether `viewer` may read local-only posts: one of our residents."""
    return viewer is not None and viewer.role == "resident"


def may_see(
    viewer: Actor | None, post: Post, follows_author: bool, *, tombstone: bool = False
) -> bool:
    """Mastodon's rule: public and unlisted for everyone, followers-only for the author's
    followers, direct for the people it addresses; and always for the author. Local-only
    posts (Hometown's rule) for our logged-in residents. `viewer` None is a visitor or
    another server.

    A deleted post is seen by nobody. Its tombstone (that it existed and is gone) is, with
    `tombstone`, for anyone who may have heard of it: everyone for a post that left this
    instance, our residents for a local-only one."""
    if post.is_deleted:
        return tombstone and (not post.is_local_only or is_our_resident(viewer))
    if post.visibility in OPEN_VISIBILITIES:
        return True
    if viewer is None:
        return False
    if post.actor_id == viewer.id:
        return True
    if post.visibility == "local":
        return is_our_resident(viewer)
    addressed = viewer.uri in post.recipients or any(m.href == viewer.uri for m in post.mentions)
    if post.visibility == "followers":
        return follows_author or addressed
    return addressed


async def visible(
    conn: AsyncConnection,
    viewer: Actor | None,
    posts: Sequence[Post],
    *,
    tombstone: bool = False,
    listing: bool = False,
) -> list[Post]:
    """The posts `viewer` may see, in order (one query for the follows it depends on, one
    for blocks). Never those of an author who blocks the viewer (Mastodon's rule); in a
    `listing` (a timeline, a feed, a thread's replies, search) not those of the accounts
    the viewer blocks or mutes or whose domain they block either (services/blocks.py)."""
    authors = [p.actor_id for p in posts if p.visibility not in OPEN_VISIBILITIES]
    states = (
        await timeline_store.follow_states(conn, viewer.id, list(set(authors)))
        if viewer is not None and authors
        else {}
    )
    hidden: set[int] = set()
    if viewer is not None:
        others = [p.actor_id for p in posts if p.actor_id != viewer.id]
        if listing:
            hidden = await block_store.hidden_among(conn, viewer.id, others)
        else:
            hidden = await block_store.blockers_among(conn, viewer.id, others)
    return [
        p
        for p in posts
        if p.actor_id not in hidden
        and may_see(viewer, p, states.get(p.actor_id) == "accepted", tombstone=tombstone)
    ]


async def visible_post(
    ctx: ServiceContext,
    viewer: Actor | None,
    post_id: int,
    *,
    tombstone: bool = False,
    conn: AsyncConnection | None = None,
) -> tuple[Post, Actor]:
    """The post `post_id` and its author if `viewer` may see it (a deleted one too, for
    its tombstone, with `tombstone`), else NotFound. Reads inside `conn` when given (a
    service acting on the post in its own transaction), else in a read of its own."""
    if conn is None:
        async with ctx.db.read() as own:
            return await visible_post(ctx, viewer, post_id, tombstone=tombstone, conn=own)
    post = await post_store.get_post(conn, post_id)
    if post is None or not await visible(conn, viewer, [post], tombstone=tombstone):
        raise NotFound("no such post")
    author = await actor_store.get_actor(conn, post.actor_id)
    if author is None:
        raise NotFound("no such post")
    return post, author
