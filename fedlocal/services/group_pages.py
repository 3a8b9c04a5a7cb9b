"""A group's page: its members and moderators, the posts it shared with their authors,
the viewer's membership, and for its moderators who waits to join. Read in a fixed
number of queries, however many posts and members it shows."""

from __future__ import annotations

from dataclasses import dataclass

from ..boundary.paging import PageQuery
from ..models import Actor, Follow, Post
from ..store import announces as announce_store
from ..store import follows as follow_store
from ..store import timelines as timeline_store
from .context import ServiceContext
from .groups import is_member, is_moderator


@dataclass(frozen=True)
class GroupPage:
    members: list[Actor]
    moderators: list[Actor]
    # Newest first, with their authors; deleted ones are left out.
    posts: list[tuple[Post, Actor]]
    # The viewer's follow of the group (pending while the moderators decide).
    membership: Follow | None
    # Whether the viewer moderates the group; only then are those waiting to join listed.
    moderating: bool
    waiting: list[Actor]


async def group_page(
    ctx: ServiceContext, viewer: Actor | None, group: Actor, *, members: int, posts: int
) -> GroupPage:
    """What `viewer` sees of `group`: at most `members` members and `posts` posts."""
    moderating = viewer is not None and is_moderator(group, viewer)
    async with ctx.db.read() as conn:
        listed = await follow_store.list_followers(conn, group.id, limit=members)
        membership = await follow_store.get_follow(conn, viewer.id, group.id) if viewer else None
        announces = await announce_store.list_actor_announces(conn, group.id, limit=posts)
        shared = await timeline_store.posts_by_ids(
            conn, [a.object_id for a in announces if a.object_id]
        )
        people = await timeline_store.actors_by_ids(
            conn, [p.actor_id for p in shared.values()] + list(group.moderator_ids)
        )
        waiting = (
            await timeline_store.follows_page(
                conn, group.id, PageQuery(limit=members), direction="followers", state="pending"
            )
            if moderating
            else []
        )
    in_order = [shared[a.object_id] for a in announces if a.object_id in shared]
    return GroupPage(
        members=[actor for _follow, actor in listed],
        moderators=[people[i] for i in group.moderator_ids if i in people],
        posts=[
            (p, people[p.actor_id]) for p in in_order if not p.is_deleted and p.actor_id in people
        ],
        membership=membership,
        moderating=moderating,
        waiting=[actor for _id, actor in waiting],
    )


async def may_post(ctx: ServiceContext, group: Actor, actor: Actor) -> bool:
    """Whether `actor` may post to `group`: one of its (accepted) members."""
    async with ctx.db.read() as conn:
        return await is_member(conn, group, actor)
