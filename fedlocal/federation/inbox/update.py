"""Update: an edited post, or a changed actor profile (possibly a rotated key)."""

from __future__ import annotations

from typing import Any

from activitypub.addressing import id_of

from ...services import groups, inbound
from .authored import Authored, authored_post
from .context import Ignored, InboxContext
from .fetch import remote_actor


async def prepare(ctx: InboxContext) -> Any:
    obj = ctx.activity.get("object")
    if id_of(obj) == ctx.actor.uri:
        # A profile update: refetch from the origin rather than trust the embedded copy.
        await remote_actor(ctx, ctx.actor.uri, refresh=True)
        ctx.federation.verifier.forget_actor(ctx.actor.uri)
        return None
    return await authored_post(ctx, obj, "Update")


async def apply(ctx: InboxContext, conn, prepared: Authored | None) -> None:
    if prepared is None:
        return
    kept = await inbound.update_remote_post(conn, prepared.author, prepared.data)
    if not kept.changed:
        raise Ignored(kept.reason)
    await groups.pass_on_change(ctx.services, conn, prepared.data.uri, ctx.activity)
