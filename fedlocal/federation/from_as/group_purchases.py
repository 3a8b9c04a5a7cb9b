"""Group purchases from other servers (docs/FEDERATION.md, "Group purchases").

A remote neighbour's commitment to one of our group purchases: a FEP-0837
`Offer{object: Agreement{stipulates: Commitment{satisfies: <purchase>#primary,
resourceQuantity: {hasUnit, hasNumericalValue}}}}`. The quantity is read as written (a
decimal string); the service decides whether it is one the purchase takes.

A group purchase published elsewhere (`groupPurchase: true` on a FEP-0837 proposal): its
terms, so our residents see its total and commit to it; a document whose terms do not
read is an ordinary offer.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal, InvalidOperation
from typing import Any

from activitypub.addressing import as_list, id_of

from ...purchases import MILLI, GroupPurchase, unit_of_code
from .values import first_type, optional_uri, parse_datetime, text

# What a remote purchase may state: as much as ours may (services/group_purchases.py).
MAX_MILLI = 1_000_000 * MILLI
MAX_PRICE_CENTS = 100_000 * 100
STATES = ("open", "confirmed", "cancelled")


@dataclass(frozen=True)
class CommitmentOffer:
    purchase_uri: str
    # The quantity as written, or None when the Commitment states none.
    quantity: str | None
    unit: str | None
    # When the Offer says it was written (`published`), if it says.
    published: datetime | None = None


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
        satisfies.split("#", 1)[0],
        quantity,
        unit if isinstance(unit, str) else None,
        parse_datetime(activity.get("published")),
    )


def answered_quantity(activity: Any) -> str | None:
    """The quantity an `Accept`'s Agreement (its `result`) stipulates, as written."""
    result = activity.get("result") if isinstance(activity, dict) else None
    if not isinstance(result, dict):
        return None
    commitment = next((c for c in as_list(result.get("stipulates")) if isinstance(c, dict)), None)
    measure = commitment.get("resourceQuantity") if commitment else None
    value = measure.get("hasNumericalValue") if isinstance(measure, dict) else None
    return str(value)[:32] if isinstance(value, str | int) and not isinstance(value, bool) else None


def _milli(measure: Any, unit_code: str, *, whole: bool) -> int | None:
    """A `{hasUnit, hasNumericalValue}` in thousandths of `unit_code`, or None."""
    if not isinstance(measure, dict) or measure.get("hasUnit") != unit_code:
        return None
    value = measure.get("hasNumericalValue")
    if not isinstance(value, str | int) or isinstance(value, bool) or len(str(value)) > 32:
        return None
    try:
        milli = Decimal(str(value).strip()) * MILLI
    except InvalidOperation:
        return None
    if not milli.is_finite() or milli < 0 or milli > MAX_MILLI or milli != milli.to_integral():
        return None
    if whole and milli % MILLI:
        return None
    return int(milli)


def _price_cents(document: dict[str, Any]) -> int | None:
    reciprocal = document.get("reciprocal")
    measure = reciprocal.get("resourceQuantity") if isinstance(reciprocal, dict) else None
    if not isinstance(measure, dict) or measure.get("hasUnit") != "EUR":
        return None
    value = measure.get("hasNumericalValue")
    if not isinstance(value, str) or len(value) > 16:
        return None
    try:
        cents = Decimal(value.strip()) * 100
    except InvalidOperation:
        return None
    if not cents.is_finite() or cents < 0 or cents > MAX_PRICE_CENTS:
        return None
    return int(cents) if cents == cents.to_integral() else None


def purchase_terms(document: dict[str, Any]) -> GroupPurchase | None:
    """The terms of a group purchase published elsewhere (post_id 0), or None when the
    document is none or its terms do not read (an unknown unit, no deadline…)."""
    if document.get("groupPurchase") is not True:
        return None
    intent = document.get("publishes")
    measure = intent.get("resourceQuantity") if isinstance(intent, dict) else None
    unit = unit_of_code(measure.get("hasUnit") if isinstance(measure, dict) else None)
    if unit is None or not isinstance(intent, dict):
        return None
    minimum = _milli(intent.get("minimumQuantity"), unit.code, whole=unit.whole)
    maximum_measure = document.get("maximumQuantity")
    maximum = (
        _milli(maximum_measure, unit.code, whole=unit.whole)
        if maximum_measure is not None
        else None
    )
    committed = _milli(document.get("committedQuantity"), unit.code, whole=False)
    price = _price_cents(document)
    deadline = parse_datetime(document.get("commitDeadline"))
    pickup_at = parse_datetime(document.get("pickupTime"))
    place = " ".join(text(document.get("pickupPlace"), 200).split())
    state = document.get("purchaseStatus")
    if (
        minimum is None
        or (maximum_measure is not None and maximum is None)
        or price is None
        or deadline is None
        or pickup_at is None
        or not place
        or state not in STATES
    ):
        return None
    return GroupPurchase(
        post_id=0,
        unit=unit.key,
        whole=unit.whole,
        unit_price_cents=price,
        currency="EUR",
        minimum_milli=minimum,
        maximum_milli=maximum,
        deadline=deadline,
        pickup_at=pickup_at,
        pickup_place=place,
        state=state,
        committed_milli=committed or 0,
    )
