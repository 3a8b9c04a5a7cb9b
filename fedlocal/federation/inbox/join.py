"""Join: someone RSVPs to one of our events (Mobilizon's shape: object = the event id)."""

from __future__ import annotations

from activitypub.addressing import id_of

from ...services import events
from .context import Ignored, InboxContext


async def apply(ctx: InboxContext, conn, prepared) -> None:
    event_uri = id_of(ctx.activity.get("object"))
    if not isinstance(event_uri, str):
        raise Ignored("a Join needs an event")
    join_uri = ctx.activity_id
    message = ctx.activity.get("participationMessage")
    outcome = await events.receive_join(
        ctx.services,
        conn,
        ctx.actor,
        event_uri,
        join_uri,
        message if isinstance(message, str) else None,
    )
    if outcome == "ignored":
        raise Ignored("Join of no event of ours")
