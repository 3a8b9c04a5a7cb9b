"""Create: a new post from a remote actor."""

from __future__ import annotations

from typing import Any

from ...models import RemotePostData
from ...services import inbound
from ...store import posts as post_store
from ..from_as import InvalidDocument, post_from_as
from .context import Ignored, InboxContext
from .fetch import object_document


async def prepare(ctx: InboxContext) -> RemotePostData:
    document = await object_document(ctx, ctx.activity.get("object"))
    try:
        data = post_from_as(document, categories=ctx.services.categories)
    except InvalidDocument as exc:
        raise Ignored(f"Create of an unusable object: {exc}") from exc
    if data.attributed_to != ctx.actor.uri:
        raise Ignored("Create of an object attributed to someone else")
    return data


async def apply(ctx: InboxContext, conn, prepared: Any) -> None:
    known = await post_store.get_post_by_uri(conn, prepared.uri)
    post = await inbound.store_remote_post(conn, ctx.actor, prepared)
    if post is None:
        raise Ignored("a post unrelated to anyone here")
    if known is None:
        await inbound.notify_addressees(conn, ctx.actor, post)
