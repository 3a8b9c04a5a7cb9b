"""Follow: someone asks to follow one of our actors."""

from __future__ import annotations

from activitypub.addressing import id_of

from ...services import follows
from ...store import actors as actor_store
from .context import Ignored, InboxContext


async def apply(ctx: InboxContext, conn, prepared) -> None:
    target_uri = id_of(ctx.activity.get("object"))
    followed = await actor_store.get_actor_by_uri(conn, target_uri) if target_uri else None
    if followed is None or not followed.is_local:
        raise Ignored("Follow of an actor that is not ours")
    await follows.receive_follow(ctx.services, conn, ctx.actor, followed, ctx.activity_id)
