"""A shop's profile (`ShopProfile`) ↔ its place in an actor's `data` JSON column, read
back checked (`extras.py`)."""

from __future__ import annotations

import re
from typing import Any

from ..models import ShopProfile

_CLOCK = re.compile(r"^([01]\d|2[0-3]):[0-5]\d$")


def shop_data(shop: ShopProfile) -> dict[str, Any]:
    return {
        "hours": [[day, opens, closes] for day, opens, closes in shop.hours],
        "address": shop.address,
        "sells": shop.sells,
    }


def shop_from_data(data: Any) -> ShopProfile | None:
    if not isinstance(data, dict):
        return None
    hours = []
    for period in data.get("hours") or ():
        if (
            isinstance(period, list)
            and len(period) == 3
            and isinstance(period[0], int)
            and 0 <= period[0] <= 6
            and all(isinstance(p, str) and _CLOCK.match(p) for p in period[1:])
        ):
            hours.append((period[0], period[1], period[2]))
    address, sells = data.get("address"), data.get("sells")
    return ShopProfile(
        hours=tuple(hours),
        address=address if isinstance(address, str) else "",
        sells=sells if isinstance(sells, str) else "",
    )
