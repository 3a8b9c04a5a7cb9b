"""FEP-0837 commitments to group purchases, both ways (docs/FEDERATION.md, "Group
purchases"): our resident's `Offer` of a `Commitment` with the quantity to a purchase
elsewhere and its `Undo` (withdrawal); our answer to a remote neighbour's commitment to
one of ours, an `Accept` whose `result` is the `Agreement` (with the quantity counted), or
a `Reject` naming their `Offer` with a plain reason in `content`."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from ...clock import utcnow
from ...models import Actor
from ...purchases import show_quantity, unit_named
from .common import iso_precise
from .vocabulary import MARKETPLACE_CONTEXT


def _measure(unit: str, milli: int) -> dict[str, str]:
    found = unit_named(unit)
    # FEP-0837 writes the numeric value as a string; the unit as UN/CEFACT's code.
    return {"hasUnit": found.code if found else unit, "hasNumericalValue": show_quantity(milli)}


def accept_commitment(
    organiser: Actor,
    neighbour_uri: str,
    offer_uri: str,
    purchase_uri: str,
    unit: str,
    milli: int,
) -> dict[str, Any]:
    agreement_uri = f"{purchase_uri}#agreements/{uuid.uuid4()}"
    return {
        "@context": MARKETPLACE_CONTEXT,
        "id": f"{organiser.uri}#accepts/{uuid.uuid4()}",
        "type": "Accept",
        "actor": organiser.uri,
        # When it was counted: an Update of the purchase written since already has it.
        "published": iso_precise(utcnow()),
        "to": [neighbour_uri],
        "object": offer_uri,
        "result": {
            "type": "Agreement",
            "id": agreement_uri,
            "attributedTo": organiser.uri,
            "stipulates": {
                "id": f"{agreement_uri}/primary",
                "type": "Commitment",
                "satisfies": f"{purchase_uri}#primary",
                "resourceQuantity": _measure(unit, milli),
            },
        },
    }


def reject_commitment(
    organiser: Actor, neighbour_uri: str, offer_uri: str, reason: str
) -> dict[str, Any]:
    return {
        "@context": MARKETPLACE_CONTEXT,
        "id": f"{organiser.uri}#rejects/{uuid.uuid4()}",
        "type": "Reject",
        "actor": organiser.uri,
        "to": [neighbour_uri],
        "object": offer_uri,
        "content": reason,
    }


def offer_commitment(
    neighbour: Actor,
    organiser_uri: str,
    purchase_uri: str,
    offer_uri: str,
    unit: str,
    milli: int,
    offered_at: datetime | None = None,
) -> dict[str, Any]:
    """Our resident commits `milli` of `unit` to a group purchase elsewhere (or changes
    their quantity to it: a new Offer replaces the previous one). `published`, to the
    millisecond, lets the organiser's server keep the newest of two Offers arriving out
    of order."""
    offer: dict[str, Any] = {
        "@context": MARKETPLACE_CONTEXT,
        "id": offer_uri,
        "type": "Offer",
        "actor": neighbour.uri,
        "to": [organiser_uri],
    }
    if offered_at is not None:
        offer["published"] = iso_precise(offered_at)
    return {
        **offer,
        "object": {
            "type": "Agreement",
            "stipulates": {
                "type": "Commitment",
                "satisfies": f"{purchase_uri}#primary",
                "resourceQuantity": _measure(unit, milli),
            },
        },
    }


def withdraw_commitment(
    neighbour: Actor,
    organiser_uri: str,
    purchase_uri: str,
    offer_uri: str,
    unit: str,
    milli: int,
    offered_at: datetime | None = None,
) -> dict[str, Any]:
    """Our resident withdraws: `Undo` of their last Offer, embedded (with its
    `published`, so a late copy of that Offer is not counted after it)."""
    offer = offer_commitment(
        neighbour, organiser_uri, purchase_uri, offer_uri, unit, milli, offered_at
    )
    del offer["@context"]
    return {
        "@context": MARKETPLACE_CONTEXT,
        "id": f"{offer_uri}/undo",
        "type": "Undo",
        "actor": neighbour.uri,
        "to": [organiser_uri],
        "object": offer,
    }
