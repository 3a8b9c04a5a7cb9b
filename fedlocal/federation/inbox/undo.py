"""Undo: of a Follow (unfollow), an Announce (un-boost), a Like, a Block (unblock), of
the FEP-0837 Offer booking seats on one of our rides (the passenger cancels), or of an
Offer committing to one of our group purchases (withdrawal)."""

from __future__ import annotations

from activitypub.addressing import id_of

from ...services import blocks, favourites, follows, inbound, rides
from ...services import group_purchases as purchases
from ..from_as.group_purchases import commitment_offer
from ..from_as.values import parse_datetime
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
    if inner_type in (None, "Offer"):
        offer = commitment_offer(inner)
        if await purchases.receive_withdrawal(
            ctx.services,
            conn,
            ctx.actor,
            offer.purchase_uri if offer else None,
            inner_id if isinstance(inner_id, str) else None,
            # When the Offer undone was written, else when the Undo was.
            (offer.published if offer else None) or parse_datetime(ctx.activity.get("published")),
        ):
            return
    raise Ignored(f"Undo of {inner_type or inner_id!r}: nothing to undo here")


def _target_of(inner) -> str | None:
    target = id_of(inner.get("object")) if isinstance(inner, dict) else None
    return target if isinstance(target, str) else None
