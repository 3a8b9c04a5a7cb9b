"""Accept: of one of our follows, of one of our residents' Join (RSVP), or of a FEP-0837
Offer one of our residents made (interest in a listing, seats booked on a ride, or a
commitment to a group purchase elsewhere)."""

from __future__ import annotations

from activitypub.addressing import id_of

from ...services import events, follows, interest, rides
from ...services import group_purchases as purchases
from ..from_as.group_purchases import answered_quantity
from ..from_as.values import parse_datetime
from .context import Ignored, InboxContext, object_type
from .follow_lookup import find_follow


async def apply(ctx: InboxContext, conn, prepared) -> None:
    await answer(ctx, conn, accepted=True)


async def answer(ctx: InboxContext, conn, *, accepted: bool) -> None:
    """Shared by Accept and Reject: find what is answered, then apply the answer."""
    obj = ctx.activity.get("object")
    inner_type = object_type(obj)
    object_id = id_of(obj)
    if inner_type in (None, "Follow"):
        # The answering actor must be the one we asked to follow.
        follow_row = await find_follow(conn, obj, follower_uri=None, followed_uri=ctx.actor.uri)
        if follow_row is not None:
            if accepted:
                await follows.receive_accept(conn, follow_row)
            else:
                await follows.receive_reject(conn, follow_row)
            return
    if (
        inner_type in (None, "Join")
        and isinstance(object_id, str)
        and await events.receive_join_decision(conn, ctx.actor, object_id, accepted)
    ):
        return
    if (
        inner_type in (None, "Offer")
        and isinstance(object_id, str)
        and await purchases.receive_commitment_answer(
            conn,
            ctx.actor,
            object_id,
            accepted=accepted,
            quantity=answered_quantity(ctx.activity) if accepted else None,
            reason=None if accepted else _reason(ctx.activity),
            answered_at=parse_datetime(ctx.activity.get("published")),
        )
    ):
        return
    if (
        inner_type in (None, "Offer")
        and isinstance(object_id, str)
        and await rides.receive_booking_answer(conn, ctx.actor, object_id, accepted=accepted)
    ):
        return
    if (
        inner_type in (None, "Offer")
        and isinstance(object_id, str)
        and accepted
        and await interest.receive_offer_accepted(conn, ctx.actor, object_id)
    ):
        return
    verb = "Accept" if accepted else "Reject"
    raise Ignored(f"{verb} of nothing we asked for")


def _reason(activity) -> str | None:
    """A Reject's words: its `content` (as we write it for a commitment), else its
    `summary` (as we write it for a ride), if any."""
    if not isinstance(activity, dict):
        return None
    for name in ("content", "summary"):
        if isinstance(activity.get(name), str):
            return activity[name]
    return None
