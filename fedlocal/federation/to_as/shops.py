"""A shop's or a producer's hours, address and wares on its actor document: Mastodon's
profile fields (`PropertyValue`s, in French, the language of our quarters) for people,
and our terms (`openingHours` with schema.org's day, opens and closes) for neighbours."""

from __future__ import annotations

from typing import Any

from ...models import ShopProfile

DAYS = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")
_SHORT_FR = ("lun.", "mar.", "mer.", "jeu.", "ven.", "sam.", "dim.")


def shop_fields(shop: ShopProfile) -> dict[str, Any]:
    fields: dict[str, Any] = {
        "openingHours": [
            {"dayOfWeek": DAYS[day], "opens": opens, "closes": closes}
            for day, opens, closes in shop.hours
        ]
    }
    if shop.address:
        fields["shopAddress"] = shop.address
    if shop.sells:
        fields["sells"] = shop.sells
    return fields


def shop_property_values(shop: ShopProfile) -> list[dict[str, str]]:
    values = []
    if shop.hours:
        days = []
        for day in range(7):
            periods = [f"{o}–{c}" for d, o, c in shop.hours if d == day]
            if periods:
                days.append(f"{_SHORT_FR[day]} {', '.join(periods)}")
        values.append({"type": "PropertyValue", "name": "Horaires", "value": " · ".join(days)})
    if shop.address:
        values.append({"type": "PropertyValue", "name": "Adresse", "value": shop.address})
    if shop.sells:
        values.append({"type": "PropertyValue", "name": "Vend", "value": shop.sells[:255]})
    return values
