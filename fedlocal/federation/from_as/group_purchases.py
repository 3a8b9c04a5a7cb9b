"""A remote neighbour's commitment to one of our group purchases: a FEP-0837
`Offer{object: Agreement{stipulates: Commitment{satisfies: <purchase>#primary,
resourceQuantity: {hasUnit, hasNumericalValue}}}}` (docs/FEDERATION.md, "Group
purchases"). The quantity is read as written (a decimal string); the service decides
whether it is one the purchase takes."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from activitypub.addressing import as_list, id_of

from .values import first_type, optional_uri


@dataclass(frozen=True)
class CommitmentOffer:
    purchase_uri: str
    # The quantity as written, or None when the Commitment states none.
    quantity: str | None
    unit: str | None


def commitment_offer(activity: Any) -> CommitmentOffer | None:
    if not isinstance(activity, dict) or first_type(activity, frozenset({"Offer"})) is None:
        return None
    agreement = activity.get("object")
    if not isinstance(agreement, dict) or first_type(agreement, frozenset({"Agreement"})) is None:
        return None
    commitment = next(
        (c for c in as_list(agreement.get("stipulates")) if isinstance(c, dict)), None
    )
    if commitment is None:
        return None
    satisfies = optional_uri(id_of(commitment.get("satisfies")))
    if satisfies is None:
        return None
    measure = commitment.get("resourceQuantity")
    value = measure.get("hasNumericalValue") if isinstance(measure, dict) else None
    unit = measure.get("hasUnit") if isinstance(measure, dict) else None
    quantity = str(value)[:32] if isinstance(value, str | int | float) else None
    return CommitmentOffer(
        satisfies.split("#", 1)[0], quantity, unit if isinstance(unit, str) else None
    )
