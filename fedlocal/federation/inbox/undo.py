"""Undo: of a Follow (unfollow), an Announce (un-boost), a Like, a Block (unblock), or of
the FEP-0837 Offer booking seats on one of our rides (the passenger cancels)."""

from __future__ import annotations

from activitypub.addressing import id_of

from ...services import blocks, favourites, follows, inbound, rides
from .context import Ignored, InboxContext, object_type
from .follow_lookup import find_follow


async def apply(ctx: InboxContext, conn, prepared) -> None:
    inner = ctx.activity.get("object")
    inner_type = object_type(inner)
    inner_id = id_of(inner)
    if inner_type in (None, "Follow"):
        follow_row = await find_follow(conn, inner, follower_uri=ctx.actor.uri, followed_uri=None)
        if follow_row is not None:
            await follows.receive_undo_follow(conn, follow_row)
            return
    if (
        inner_type in (None, "Announce")
        and isinstance(inner_id, str)
        and await inbound.undo_announce(conn, ctx.actor, inner_id)
    ):
        return
    if (
        inner_type in (None, "Like")
        and isinstance(inner_id, str)
        and await favourites.receive_undo_like(conn, ctx.actor, inner_id)
    ):
        return
    if (
        inner_type in (None, "Offer")
        and isinstance(inner_id, str)
        and await rides.receive_booking_withdrawn(ctx.services, conn, ctx.actor, inner_id)
    ):
        return
    if inner_type in (None, "Block") and await blocks.receive_undo_block(
        conn,
        ctx.actor,
        inner_id if isinstance(inner_id, str) else None,
        _target_of(inner) if inner_type == "Block" else None,
    ):
        return
    raise Ignored(f"Undo of {inner_type or inner_id!r}: nothing to undo here")


def _target_of(inner) -> str | None:
    target = id_of(inner.get("object")) if isinstance(inner, dict) else None
    return target if isinstance(target, str) else None
