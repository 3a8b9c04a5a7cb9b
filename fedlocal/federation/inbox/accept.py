"""Accept: of one of our follows, of one of our residents' Join (RSVP), or of a FEP-0837
Offer one of our residents made."""

from __future__ import annotations

from activitypub.addressing import id_of

from ...services import events, follows
from ...store import actors as actor_store
from ...store import notifications as notification_store
from ...store import participations as participation_store
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
        and await participation_store.get_by_join_uri(conn, object_id) is not None
        and await events.receive_join_decision(conn, ctx.actor, object_id, accepted)
    ):
        return
    if inner_type in (None, "Offer") and isinstance(object_id, str) and accepted:
        # FEP-0837: the author accepted one of our residents' offers; they hear of it.
        recipient = await _offer_sender(conn, object_id)
        if recipient is not None:
            await notification_store.add(
                conn, recipient_id=recipient, type="agreement", actor_id=ctx.actor.id
            )
            return
    verb = "Accept" if accepted else "Reject"
    raise Ignored(f"{verb} of nothing we asked for")


async def _offer_sender(conn, offer_uri: str) -> int | None:
    """Our resident who sent the FEP-0837 Offer `offer_uri` (its id starts with theirs)."""
    actor_uri = offer_uri.split("#", 1)[0]
    actor = await actor_store.get_actor_by_uri(conn, actor_uri)
    return actor.id if actor is not None and actor.is_local else None
