"""Announce: a boost, or a community or group redistributing a post."""

from __future__ import annotations

from dataclasses import dataclass

from activitypub.addressing import host_of, id_of

from ...models import Actor, Post, RemotePostData
from ...services import inbound
from ...services.errors import Forbidden, RemoteFailure
from ...store import follows as follow_store
from ...store import posts as post_store
from ..from_as import InvalidDocument, post_from_as
from .context import Ignored, InboxContext
from .fetch import fetch_document, fetch_failure


@dataclass(frozen=True)
class Announced:
    author: Actor
    data: RemotePostData | None
    known: Post | None


async def prepare(ctx: InboxContext) -> Announced:
    object_uri = id_of(ctx.activity.get("object"))
    if not isinstance(object_uri, str):
        raise Ignored("Announce without an object")
    async with ctx.federation.db.read() as conn:
        if not await follow_store.has_local_follower(conn, ctx.actor.id):
            raise Ignored("Announce from an actor nobody here follows")
        known = await post_store.get_post_by_uri(conn, object_uri)
    if known is not None:
        return Announced(author=ctx.actor, data=None, known=known)
    # Never trust an embedded copy of someone else's post: fetch it from its origin.
    document = await fetch_document(ctx, object_uri)
    try:
        data = post_from_as(document, categories=ctx.services.categories)
    except InvalidDocument as exc:
        raise Ignored(f"Announce of an unusable object: {exc}") from exc
    try:
        author = await ctx.federation.remote.actor(data.attributed_to)
    except Forbidden as exc:
        raise Ignored(str(exc)) from exc
    except RemoteFailure as exc:
        raise fetch_failure(exc) from exc
    if author.domain != host_of(data.uri):
        raise Ignored("announced object is not on its author's host")
    return Announced(author=author, data=data, known=None)


async def apply(ctx: InboxContext, conn, prepared: Announced) -> None:
    post = prepared.known
    if post is None:
        assert prepared.data is not None
        post = await inbound.store_remote_post(conn, prepared.author, prepared.data, solicited=True)
        if post is None:
            raise Ignored("announced post was deleted")
    await inbound.receive_announce(conn, ctx.actor, ctx.activity["id"], post)
