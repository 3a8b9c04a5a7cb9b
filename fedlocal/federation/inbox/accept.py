"""Accept: a remote actor accepted one of our follows."""

from __future__ import annotations

from ...services import follows
from .context import Ignored, InboxContext
from .follow_lookup import find_follow


async def apply(ctx: InboxContext, conn, prepared) -> None:
    # The accepting actor must be the one we asked to follow.
    follow_row = await find_follow(
        conn, ctx.activity.get("object"), follower_uri=None, followed_uri=ctx.actor.uri
    )
    if follow_row is None:
        raise Ignored("Accept of no follow of ours")
    await follows.receive_accept(conn, follow_row)
