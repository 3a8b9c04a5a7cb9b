"""Reject: our follow was refused (or an accepted one removed), one of our residents'
Join was refused by the event's organiser, or their booking of seats on a ride elsewhere
was declined or could not be held."""

from __future__ import annotations

from .accept import answer
from .context import InboxContext


async def apply(ctx: InboxContext, conn, prepared) -> None:
    await answer(ctx, conn, accepted=False)
