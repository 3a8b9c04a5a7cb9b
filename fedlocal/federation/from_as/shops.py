"""A shop's or a producer's hours, address and wares from its actor document (our
`openingHours`, `shopAddress` and `sells`; see docs/FEDERATION.md)."""

from __future__ import annotations

import re
from typing import Any

from activitypub.addressing import as_list

from ...models import ShopProfile

DAYS = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")
_CLOCK = re.compile(r"^([01]\d|2[0-3]):[0-5]\d$")
MAX_PERIODS = 28


def shop_from_as(document: dict[str, Any]) -> ShopProfile | None:
    periods = document.get("openingHours")
    if periods is None:
        return None
    hours = []
    for period in as_list(periods)[:MAX_PERIODS]:
        if not isinstance(period, dict) or period.get("dayOfWeek") not in DAYS:
            continue
        opens, closes = period.get("opens"), period.get("closes")
        if (
            isinstance(opens, str)
            and isinstance(closes, str)
            and _CLOCK.match(opens)
            and _CLOCK.match(closes)
            and opens < closes
        ):
            hours.append((DAYS.index(period["dayOfWeek"]), opens, closes))
    address, sells = document.get("shopAddress"), document.get("sells")
    return ShopProfile(
        hours=tuple(hours),
        address=address[:200] if isinstance(address, str) else "",
        sells=sells[:500] if isinstance(sells, str) else "",
    )
