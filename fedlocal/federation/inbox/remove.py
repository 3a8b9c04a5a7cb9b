"""Remove: a linked neighbour's verified organisation unpins a post (a `Remove` from its
`featured` collection)."""

from __future__ import annotations

from activitypub.addressing import id_of

from ...services import pins
from .context import Ignored, InboxContext


async def apply(ctx: InboxContext, conn, prepared) -> None:
    if not await pins.receive_featured(
        conn,
        ctx.actor,
        id_of(ctx.activity.get("target")),
        id_of(ctx.activity.get("object")),
        pinned=False,
    ):
        raise Ignored("Remove of something other than a neighbour organisation's pinned post")
