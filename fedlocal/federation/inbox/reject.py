"""Reject: our follow was refused, or a remote actor removed one of ours as a follower."""

from __future__ import annotations

from ...services import follows
from .context import Ignored, InboxContext
from .follow_lookup import find_follow


async def apply(ctx: InboxContext, conn, prepared) -> None:
    follow_row = await find_follow(
        conn, ctx.activity.get("object"), follower_uri=None, followed_uri=ctx.actor.uri
    )
    if follow_row is None:
        raise Ignored("Reject of no follow of ours")
    await follows.receive_reject(conn, follow_row)
