"""Someone is interested in one of our offers or requests: FEP-0837 says it with an
`Offer` activity of an `Agreement` (the verb's name; our offers are "listings"). The same
`Offer` on one of our rides books seats on it (services/rides.py), and on one of our group
purchases commits a quantity (services/group_purchases.py)."""

from __future__ import annotations

from ...services import group_purchases as purchase_service
from ...services import interest as interest_service
from ...services import rides as ride_service
from ..from_as import agreement_offer, booking_day, booking_seats
from ..from_as.group_purchases import commitment_offer
from .context import Ignored, InboxContext


async def apply(ctx: InboxContext, conn, prepared) -> None:
    # A commitment to one of our group purchases (the same FEP-0837 shape, with a
    # quantity that counts) is the group purchase's business.
    commitment = commitment_offer(ctx.activity)
    if commitment is not None and await purchase_service.receive_commitment(
        ctx.services,
        conn,
        ctx.actor,
        commitment.purchase_uri,
        commitment.quantity,
        ctx.activity_id,
        commitment.published,
    ):
        return
    proposal = agreement_offer(ctx.activity)
    if proposal is None:
        raise Ignored("an Offer that is not a FEP-0837 agreement")
    offer_uri = ctx.activity_id
    listing_uri, _quantity = proposal
    if await ride_service.receive_booking_offer(
        ctx.services,
        conn,
        ctx.actor,
        listing_uri,
        offer_uri,
        seats=booking_seats(ctx.activity),
        on=booking_day(ctx.activity),
    ):
        return
    if not await interest_service.receive_agreement_offer(conn, ctx.actor, listing_uri, offer_uri):
        raise Ignored("an Offer for no listing of ours")
