"""Announce: a boost, a neighbour's community sharing its quarter's posts, or a group
redistributing a member's post.

Welcome from actors someone here follows (a group we joined, a relay we follow) and from
linked neighbour instances; a boost of one of our public or unlisted posts is welcome
from anyone (its author is told, as on Mastodon). The object is always fetched from its
origin, never taken from an embedded copy. A group's Announce may carry the member's
activity itself (FEP-1b12): a Create or Update is read for its object's id; a Delete is
the group's moderators taking a post out.
"""

from __future__ import annotations

from dataclasses import dataclass

from activitypub.addressing import host_of, id_of

from ...models import Actor, Post, RemotePostData
from ...services import inbound
from .authored import with_pictures
from .context import Ignored, InboxContext, object_type
from .fetch import fetch_document, parse_post, remote_actor

_WRAPPED_OBJECTS = frozenset({"Create", "Update"})


@dataclass(frozen=True)
class Announced:
    author: Actor | None = None
    data: RemotePostData | None = None
    known: Post | None = None
    removal: str | None = None


def _announced_uri(obj) -> tuple[str | None, str | None]:
    """(id of the announced post, id of a post taken out by a moderator)."""
    inner_type = object_type(obj)
    if inner_type in _WRAPPED_OBJECTS:
        return id_of(obj.get("object")), None
    if inner_type == "Delete":
        return None, id_of(obj.get("object"))
    if inner_type in ("Like", "Undo", "Add", "Remove", "Follow", "Announce", "Block"):
        raise Ignored(f"an announced {inner_type} has no effect here")
    return id_of(obj), None


async def prepare(ctx: InboxContext) -> Announced:
    object_uri, removal = _announced_uri(ctx.activity.get("object"))
    if not isinstance(object_uri, str) and not isinstance(removal, str):
        raise Ignored("Announce without an object")
    async with ctx.federation.db.read() as conn:
        known = await inbound.post_by_uri(conn, object_uri) if object_uri else None
        if known is not None and known.is_local and removal is None:
            # A boost of one of our posts, from anyone: its author hears of it.
            if not inbound.boostable(known):
                raise Ignored("an Announce of a post of ours that cannot be boosted")
            return Announced(known=known)
        if not await inbound.accepts_announces_from(conn, ctx.actor):
            raise Ignored("Announce from an actor nobody here follows")
        if removal is not None:
            return Announced(removal=removal)
        assert isinstance(object_uri, str)  # one of the two, checked above
    if known is not None:
        return Announced(known=known)
    # Never trust an embedded copy of someone else's post: fetch it from its origin.
    data = parse_post(ctx, await fetch_document(ctx, object_uri), "Announce")
    author = await remote_actor(ctx, data.attributed_to)
    if author.domain != host_of(data.uri):
        raise Ignored("announced object is not on its author's host")
    copied = await with_pictures(ctx, data, author)
    return Announced(author=copied.author, data=copied.data)


async def apply(ctx: InboxContext, conn, prepared: Announced) -> None:
    if prepared.removal is not None:
        if not await inbound.withdraw_announced(conn, ctx.actor, prepared.removal):
            raise Ignored("a removal of a post this actor never shared")
        return
    post = prepared.known
    if post is None:
        assert prepared.data is not None and prepared.author is not None
        # Stored meanwhile (a Create in the same batch)? The store's rule keeps the
        # author we hold: a fetched copy claiming another author never replaces it.
        kept = await inbound.keep_remote_post(conn, prepared.author, prepared.data, solicited=True)
        if kept.post is None:
            raise Ignored(f"announced post not kept: {kept.reason}")
        post = kept.post
    await inbound.receive_announce(conn, ctx.actor, ctx.activity_id, post)
