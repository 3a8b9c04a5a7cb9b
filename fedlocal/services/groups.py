"""Association groups (FEP-1b12): a `Group` actor whose followers are its members.

People on any instance — ours, a neighbour, Mastodon — follow the group to join (the
association may approve each member). Members post to the group by addressing or
mentioning it; the group checks the author is a member and redistributes the post to
every member by Announce. Moderators (the association's residents) remove posts (an
announced Delete) and members (a Reject of their follow). A group also publishes its own
offers, requests and events.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from typing import Any

from sqlalchemy.ext.asyncio import AsyncConnection

from ..models import Actor, Post
from ..store import actors as actor_store
from ..store import announces as announce_store
from ..store import follows as follow_store
from ..store import posts as post_store
from ..store.clock import utcnow
from . import follows, outgoing
from .accounts import validate_username
from .context import ServiceContext
from .errors import Conflict, Forbidden, InvalidInput, NotFound
from .keys import generate_key_pems, store_actor_keys

NAME_MAX = 100
SUMMARY_MAX = 2000


def is_moderator(group: Actor, actor: Actor) -> bool:
    return actor.id in group.moderator_ids


async def create_group(
    ctx: ServiceContext,
    creator: Actor,
    username: str,
    *,
    display_name: str,
    summary: str = "",
    approval_required: bool = False,
) -> Actor:
    """An association creates its group; the creating resident is its first moderator."""
    if creator.role != "resident":
        raise Forbidden("a resident of this instance creates a group")
    name = validate_username(username)
    display_name = " ".join(display_name.split())
    if not display_name or len(display_name) > NAME_MAX:
        raise InvalidInput(
            "a group's name has 1 to %(max)s characters", max=NAME_MAX, field="display_name"
        )
    if len(summary) > SUMMARY_MAX:
        raise InvalidInput(
            "a description has at most %(max)s characters", max=SUMMARY_MAX, field="summary"
        )
    pems = await generate_key_pems()
    async with ctx.db.write() as conn:
        if await actor_store.get_local_actor(conn, name) is not None:
            raise Conflict("the name '%(name)s' is taken", name=name, field="username")
        group = await actor_store.insert_local_actor(
            conn,
            role="group",
            type="Group",
            username=name,
            domain=ctx.config.domain,
            display_name=display_name,
            summary=summary.strip(),
            manually_approves_followers=approval_required,
            moderator_ids=(creator.id,),
            **ctx.urls.actor_endpoints(name),
        )
        await store_actor_keys(conn, ctx.urls, group, pems)
        # The creator is a member from the start.
        await follow_store.upsert_follow(
            conn,
            follower_id=creator.id,
            followed_id=group.id,
            uri=f"{creator.uri}#follows/{uuid.uuid4()}",
            state="accepted",
        )
    return group


async def is_member(conn: AsyncConnection, group: Actor, actor: Actor) -> bool:
    follow = await follow_store.get_follow(conn, actor.id, group.id)
    return follow is not None and follow.state == "accepted"


async def memberships(
    conn: AsyncConnection, actors: Sequence[Actor], groups: Sequence[Actor]
) -> set[tuple[int, int]]:
    """(actor id, group id) for each of `actors` member of each of `groups`: `is_member`
    for many pairs in one query."""
    return await follow_store.accepted_among(
        conn, {actor.id for actor in actors}, {group.id for group in groups}
    )


async def addressed_groups(conn: AsyncConnection, uris: list[str]) -> list[Actor]:
    """Our groups among the addressed or mentioned actors of a post."""
    return [a for a in await actor_store.local_actors_by_uris(conn, uris) if a.role == "group"]


async def redistribute(
    ctx: ServiceContext,
    conn: AsyncConnection,
    group: Actor,
    post: Post,
    activity: dict[str, Any] | None,
) -> bool:
    """The group announces a member's post to its members (once per post). `activity` is
    the member's Create as received; None for one of our residents' posts."""
    if post.visibility not in ("public", "unlisted"):
        return False  # a group only redistributes what everyone may see
    announce = await announce_store.insert_announce(
        conn,
        uri=f"{group.uri}/announces/{post.id}",
        actor_id=group.id,
        object_uri=post.uri,
        object_id=post.id,
        published=utcnow(),
    )
    if announce is None:
        return False
    await ctx.outbox.send(conn, outgoing.GroupShared(group, post, announce, activity))
    return True


async def groups_sharing(conn: AsyncConnection, post_uri: str) -> list[Actor]:
    """Our groups that redistributed the post."""
    sharing = []
    for group_id in await announce_store.group_ids_sharing(conn, post_uri):
        group = await actor_store.get_actor(conn, group_id)
        if group is not None:
            sharing.append(group)
    return sharing


async def pass_on_change(
    ctx: ServiceContext, conn: AsyncConnection, post_uri: str, activity: dict[str, Any]
) -> None:
    """A remote member edited or deleted a post our groups shared: each group announces
    the member's Update or Delete to its members, who hold the post through the group
    (FEP-1b12)."""
    for group in await groups_sharing(conn, post_uri):
        await ctx.outbox.send(conn, outgoing.GroupPassedOn(group, activity))


async def remove_post(ctx: ServiceContext, moderator: Actor, group: Actor, post_uri: str) -> None:
    """A moderator takes a post out of the group: its Announce is withdrawn and members'
    servers are told by an announced Delete."""
    if not is_moderator(group, moderator):
        raise Forbidden("only the group's moderators remove posts")
    async with ctx.db.write() as conn:
        announce = await announce_store.get_announce(conn, group.id, post_uri)
        if announce is None:
            raise NotFound("the group never shared this post")
        await announce_store.delete_announce(conn, announce.id)
        post = await post_store.get_post_by_uri(conn, post_uri)
        if post is not None and not post.is_local:
            await post_store.tombstone_post(conn, post.id)
        await ctx.outbox.send(conn, outgoing.GroupRemoved(group, moderator, post_uri))
    ctx.outbox.wake()


async def approve_member(
    ctx: ServiceContext, moderator: Actor, group: Actor, member_uri: str
) -> None:
    """A moderator lets in someone who asked to join a group that approves its members."""
    if not is_moderator(group, moderator):
        raise Forbidden("only the group's moderators approve members")
    await follows.approve_follower(ctx, group, member_uri)


async def remove_member(
    ctx: ServiceContext, moderator: Actor, group: Actor, member_uri: str
) -> None:
    """A moderator removes a member, or turns down a request to join: their follow of the
    group ends (Reject, as Mastodon does to remove a follower)."""
    if not is_moderator(group, moderator):
        raise Forbidden("only the group's moderators remove members")
    await follows.reject_follower(ctx, group, member_uri, missing="not a member of this group")
