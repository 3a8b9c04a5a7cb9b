"""Follow: someone asks to follow one of our actors."""

from __future__ import annotations

from activitypub.addressing import id_of

from ...services import follows
from .context import Ignored, InboxContext


async def apply(ctx: InboxContext, conn, prepared) -> None:
    target_uri = id_of(ctx.activity.get("object"))
    if not isinstance(target_uri, str) or (
        await follows.receive_follow_of(ctx.services, conn, ctx.actor, target_uri, ctx.activity_id)
        is None
    ):
        raise Ignored("Follow of an actor that is not ours")
