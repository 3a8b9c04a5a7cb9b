"""Delete: a post or a whole account removed by its author."""

from __future__ import annotations

from activitypub.addressing import id_of

from ...services import groups, inbound
from .context import Ignored, InboxContext


async def apply(ctx: InboxContext, conn, prepared) -> None:
    object_id = id_of(ctx.activity.get("object"))
    if object_id == ctx.actor.uri:
        await inbound.delete_remote_actor(conn, ctx.actor)
        ctx.federation.verifier.forget_actor(ctx.actor.uri)
        return
    if not isinstance(object_id, str) or not await inbound.delete_remote_post(
        conn, ctx.actor, object_id
    ):
        raise Ignored("Delete of something we do not hold")
    await groups.pass_on_change(ctx.services, conn, object_id, ctx.activity)
