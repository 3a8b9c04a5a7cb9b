"""Reject: our follow was refused (or an accepted one removed), or one of our residents'
Join was refused by the event's organiser."""

from __future__ import annotations

from .accept import answer
from .context import InboxContext


async def apply(ctx: InboxContext, conn, prepared) -> None:
    await answer(ctx, conn, accepted=False)
