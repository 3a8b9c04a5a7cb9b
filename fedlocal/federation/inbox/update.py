"""Update: an edited post, or a changed actor profile (possibly a rotated key)."""

from __future__ import annotations

from typing import Any

from activitypub.addressing import id_of

from ...services import groups, inbound, listing_steps
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
    before = await inbound.post_by_uri(conn, prepared.data.uri)
    kept = await inbound.update_remote_post(conn, prepared.author, prepared.data)
    if not kept.changed:
        raise Ignored(kept.reason)
    await _tell_step(ctx, conn, prepared, before, kept.post)
    await groups.pass_on_change(ctx.services, conn, prepared.data.uri, ctx.activity)


async def _tell_step(ctx: InboxContext, conn, prepared: Authored, before, copy) -> None:
    """An Update telling a step of a listing (`listingStep`: reserved, lent, reminder…)
    that concerns one of our residents (whom it is, or was, reserved for): they hear."""
    obj = ctx.activity.get("object")
    step = listing_steps.step_named(obj.get("listingStep") if isinstance(obj, dict) else None)
    if step is None or copy is None or copy.listing is None:
        return
    was_for = before.listing.reserved_for if before is not None and before.listing else None
    uris = tuple(uri for uri in (copy.listing.reserved_for, was_for) if uri)
    await listing_steps.receive(conn, prepared.author, copy, step, uris)
