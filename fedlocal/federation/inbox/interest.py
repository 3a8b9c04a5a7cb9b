"""Someone is interested in one of our offers or requests: FEP-0837 says it with an
`Offer` activity of an `Agreement` (the verb's name; our offers are "listings")."""

from __future__ import annotations

from ...services import group_purchases as purchase_service
from ...services import interest as interest_service
from ..from_as import agreement_offer
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
    ):
        return
    proposal = agreement_offer(ctx.activity)
    if proposal is None:
        raise Ignored("an Offer that is not a FEP-0837 agreement")
    offer_uri = ctx.activity_id
    listing_uri, _quantity = proposal
    if not await interest_service.receive_agreement_offer(conn, ctx.actor, listing_uri, offer_uri):
        raise Ignored("an Offer for no listing of ours")
