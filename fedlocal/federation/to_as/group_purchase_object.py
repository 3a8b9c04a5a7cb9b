"""A group purchase as its object: the `Note` any reader shows (its content states price,
minimum, deadline and pickup), with FEP-0837's `publishes` Intent carrying the unit, the
quantity on offer and the unit price (`reciprocal`), and our terms for what FEP-0837 lacks
(docs/FEDERATION.md, "Group purchases")."""

from __future__ import annotations

from typing import Any

from ...purchases import GroupPurchase, show_quantity, unit_named
from .common import iso


def _measure(unit: str, milli: int) -> dict[str, str]:
    return {"hasUnit": unit, "hasNumericalValue": show_quantity(milli)}


def with_group_purchase(document: dict[str, Any], purchase: GroupPurchase) -> dict[str, Any]:
    """`document` (the post's Note) with the purchase's terms."""
    found = unit_named(purchase.unit)
    unit = found.code if found else purchase.unit
    offered = purchase.maximum_milli or purchase.minimum_milli
    intent: dict[str, Any] = {
        "type": "Intent",
        "id": f"{document['id']}#primary",
        "action": "transfer",
        "resourceQuantity": _measure(unit, offered),
        "minimumQuantity": _measure(unit, purchase.minimum_milli),
    }
    if purchase.remaining_milli is not None:
        intent["availableQuantity"] = _measure(unit, purchase.remaining_milli)
    document = {
        **document,
        "purpose": "offer",
        "groupPurchase": True,
        "publishes": intent,
        "reciprocal": {
            "type": "Intent",
            "id": f"{document['id']}#reciprocal",
            "action": "transfer",
            "resourceQuantity": {
                "hasUnit": purchase.currency,
                "hasNumericalValue": f"{purchase.unit_price_cents / 100:.2f}",
            },
        },
        "unitBased": True,
        "committedQuantity": _measure(unit, purchase.committed_milli),
        "commitDeadline": iso(purchase.deadline),
        "pickupTime": iso(purchase.pickup_at),
        "pickupPlace": purchase.pickup_place,
        "purchaseStatus": purchase.state,
    }
    if purchase.maximum_milli is not None:
        document["maximumQuantity"] = _measure(unit, purchase.maximum_milli)
    return document
