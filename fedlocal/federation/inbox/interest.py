"""Someone is interested in one of our offers or requests: FEP-0837 says it with an
`Offer` activity of an `Agreement` (the verb's name; our offers are "listings")."""

from __future__ import annotations

from ...services import interest as interest_service
from ..from_as import agreement_offer
from .context import Ignored, InboxContext


async def apply(ctx: InboxContext, conn, prepared) -> None:
    proposal = agreement_offer(ctx.activity)
    if proposal is None:
        raise Ignored("an Offer that is not a FEP-0837 agreement")
    offer_uri = ctx.activity_id
    listing_uri, _quantity = proposal
    if not await interest_service.receive_agreement_offer(conn, ctx.actor, listing_uri, offer_uri):
        raise Ignored("an Offer for no listing of ours")
