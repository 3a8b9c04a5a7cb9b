"""Add: a linked neighbour's verified organisation pins a post (an `Add` to its
`featured` collection, as Mastodon sends a pin). A post we do not hold yet is fetched
from its origin first, so the pin can top our feeds."""

from __future__ import annotations

from activitypub.addressing import host_of, id_of

from ...models import RemotePostData
from ...services import inbound, pins
from .authored import with_pictures
from .context import Ignored, InboxContext
from .fetch import fetch_document, parse_post


async def prepare(ctx: InboxContext) -> RemotePostData | None:
    """The pinned post to keep first, when we do not hold it (None when we do)."""
    if ctx.actor.organization_type is None:
        raise Ignored("Add from an actor that is not a linked neighbour's organisation")
    post_uri = id_of(ctx.activity.get("object"))
    if not isinstance(post_uri, str):
        raise Ignored("Add without an object")
    async with ctx.federation.db.read() as conn:
        if await inbound.post_by_uri(conn, post_uri) is not None:
            return None
    if host_of(post_uri) != ctx.actor.domain:
        raise Ignored("Add of a post on another host")
    data = parse_post(ctx, await fetch_document(ctx, post_uri), "Add")
    if data.attributed_to != ctx.actor.uri:
        raise Ignored("Add of someone else's post")
    return (await with_pictures(ctx, data, ctx.actor)).data


async def apply(ctx: InboxContext, conn, prepared: RemotePostData | None) -> None:
    if prepared is not None:
        await inbound.keep_remote_post(conn, ctx.actor, prepared, solicited=True)
    if not await pins.receive_featured(
        conn,
        ctx.actor,
        id_of(ctx.activity.get("target")),
        id_of(ctx.activity.get("object")),
        pinned=True,
    ):
        raise Ignored("Add of something other than a neighbour organisation's pinned post")
