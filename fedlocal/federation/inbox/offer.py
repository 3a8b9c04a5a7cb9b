"""Offer: a FEP-0837 Offer(Agreement) for one of our offers or requests — interest, in
the marketplace vocabulary."""

from __future__ import annotations

from ...services import interest
from ..from_as import agreement_offer
from .context import Ignored, InboxContext


async def apply(ctx: InboxContext, conn, prepared) -> None:
    proposal = agreement_offer(ctx.activity)
    if proposal is None:
        raise Ignored("an Offer that is not a FEP-0837 agreement")
    offer_uri = ctx.activity_id
    listing_uri, _quantity = proposal
    if not await interest.receive_agreement_offer(conn, ctx.actor, listing_uri, offer_uri):
        raise Ignored("an Offer for no listing of ours")
