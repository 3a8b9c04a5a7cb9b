"""Like: someone likes one of our posts (a favourite, in Mastodon's words)."""

from __future__ import annotations

from activitypub.addressing import id_of

from ...services import favourites
from .context import Ignored, InboxContext


async def apply(ctx: InboxContext, conn, prepared) -> None:
    object_id = id_of(ctx.activity.get("object"))
    if not isinstance(object_id, str) or not await favourites.receive_like(
        conn, ctx.actor, object_id, ctx.activity_id
    ):
        raise Ignored("Like of something that is not one of our posts")
