"""A person's page and their relations: what they published, how many follow them and
whom they follow, the viewer's own follow of them; and a resident's follow page (whom
they follow, who asks to follow them)."""

from __future__ import annotations

from dataclasses import dataclass

from ..boundary.paging import PageQuery
from ..models import Actor, Follow, Post
from ..store import blocks as block_store
from ..store import follows as follow_store
from ..store import posts as post_store
from ..store import timelines as timeline_store
from .context import ServiceContext

# What a profile lists: its owner sees everything but direct messages; others see the
# public posts (the rest is theirs to read in their timelines).
OWN_PROFILE_VISIBILITIES = ("public", "unlisted", "followers", "local")
PROFILE_VISIBILITIES = ("public",)


@dataclass(frozen=True)
class Profile:
    posts: list[Post]
    followers: int
    following: int
    # The viewer's follow of this actor (none on their own profile).
    follow: Follow | None
    # Whether the viewer blocks or mutes this actor, and whether this actor blocks them.
    blocking: bool = False
    muting: bool = False
    blocked_by: bool = False


@dataclass(frozen=True)
class Follows:
    following: list[Actor]
    # Those waiting for the resident to accept them.
    asking: list[Actor]


async def profile(
    ctx: ServiceContext, viewer: Actor | None, actor: Actor, *, limit: int
) -> Profile:
    """`actor`'s newest posts (not replies) and follow counts, as `viewer` sees them."""
    own = viewer is not None and viewer.id == actor.id
    async with ctx.db.read() as conn:
        posts = await post_store.list_actor_posts(
            conn,
            actor.id,
            visibilities=OWN_PROFILE_VISIBILITIES if own else PROFILE_VISIBILITIES,
            limit=limit,
        )
        followers = await follow_store.count_followers(conn, actor.id)
        following = await follow_store.count_following(conn, actor.id)
        follow = (
            await follow_store.get_follow(conn, viewer.id, actor.id)
            if viewer is not None and not own
            else None
        )
        relations = await block_store.relations(
            conn, viewer.id if viewer is not None and not own else 0, [actor.id]
        )
    blocked_by = actor.id in relations.blocked_by
    return Profile(
        # Someone who blocks the viewer shows them none of their posts.
        [] if blocked_by else [post for post in posts if not post.in_reply_to_uri],
        followers,
        following,
        follow,
        blocking=actor.id in relations.blocking,
        muting=actor.id in relations.muting,
        blocked_by=blocked_by,
    )


async def follow_of(ctx: ServiceContext, follower: Actor, followed: Actor) -> Follow | None:
    """`follower`'s follow of `followed`, in whatever state, or None."""
    async with ctx.db.read() as conn:
        return await follow_store.get_follow(conn, follower.id, followed.id)


async def follows(ctx: ServiceContext, resident: Actor, *, limit: int) -> Follows:
    """Whom `resident` follows (people and groups, not instances) and who asks to
    follow them."""
    async with ctx.db.read() as conn:
        following = await follow_store.list_following(conn, resident.id, limit=limit)
        asking = await timeline_store.follows_page(
            conn, resident.id, PageQuery(limit=limit), direction="followers", state="pending"
        )
    return Follows(
        [actor for _follow, actor in following if actor.role != "instance"],
        [actor for _id, actor in asking],
    )
