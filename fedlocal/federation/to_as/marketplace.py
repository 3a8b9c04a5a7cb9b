"""FEP-0837 responses to an offer or a request (interop.md §5): the interested party's
`Offer(Agreement)` and the author's `Accept` carrying the agreement."""

from __future__ import annotations

import uuid
from typing import Any

from ...models import Actor
from .vocabulary import MARKETPLACE_CONTEXT


def _quantity(quantity: int) -> dict[str, str]:
    # FEP-0837 writes the numeric value as a string.
    return {"hasUnit": "one", "hasNumericalValue": str(quantity)}


def _fragment(uri: str, name: str) -> str:
    # Our agreement ids may already carry a fragment; a second `#` would not be an IRI.
    return f"{uri}/{name}" if "#" in uri else f"{uri}#{name}"


def offer_agreement(
    actor: Actor, listing_uri: str, author_uri: str, offer_uri: str, quantity: int = 1
) -> dict[str, Any]:
    """`actor` proposes an agreement on the listing's primary intent to its author."""
    return {
        "@context": MARKETPLACE_CONTEXT,
        "id": offer_uri,
        "type": "Offer",
        "actor": actor.uri,
        "to": [author_uri],
        "object": {
            "type": "Agreement",
            "stipulates": {
                "type": "Commitment",
                "satisfies": f"{listing_uri}#primary",
                "resourceQuantity": _quantity(quantity),
            },
        },
    }


def accept_offer(
    author: Actor,
    offer_uri: str,
    interested_uri: str,
    agreement_uri: str,
    listing_uri: str,
    quantity: int = 1,
) -> dict[str, Any]:
    """The listing's author accepts an Offer; the `result` is the agreement, with its id."""
    return {
        "@context": MARKETPLACE_CONTEXT,
        "id": f"{author.uri}#accepts/{uuid.uuid4()}",
        "type": "Accept",
        "actor": author.uri,
        "to": [interested_uri],
        "object": offer_uri,
        "result": {
            "type": "Agreement",
            "id": agreement_uri,
            "attributedTo": author.uri,
            "stipulates": {
                "id": _fragment(agreement_uri, "primary"),
                "type": "Commitment",
                "satisfies": f"{listing_uri}#primary",
                "resourceQuantity": _quantity(quantity),
            },
        },
    }
