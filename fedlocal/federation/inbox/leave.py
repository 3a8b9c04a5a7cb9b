"""Leave: someone withdraws their RSVP to one of our events."""

from __future__ import annotations

from activitypub.addressing import id_of

from ...services import events
from .context import Ignored, InboxContext


async def apply(ctx: InboxContext, conn, prepared) -> None:
    event_uri = id_of(ctx.activity.get("object"))
    if not isinstance(event_uri, str) or not await events.receive_leave(
        ctx.services, conn, ctx.actor, event_uri
    ):
        raise Ignored("Leave of an event they had not joined")
