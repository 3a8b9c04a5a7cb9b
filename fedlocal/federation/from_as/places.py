"""`location` → Place: AS2/FEP-8a8e Places, Mobilizon's PostalAddress, Gancio's untyped
location with a plain-string address."""

from __future__ import annotations

import re
from typing import Any

from activitypub.addressing import as_list

from ...geo import valid_coordinates
from ...models import Place
from .values import number, short_text

MAX_PLACE_TEXT = 200
# "35400 Saint-Malo", "1000 Bruxelles", "F-35400 Saint-Malo": a postal code, then the town.
_CODE_AND_TOWN = re.compile(r"^(?:[A-Z]{1,2}-)?(?P<code>\d{4,5})\s+(?P<town>\D.*)$")


def place_from_as(location: Any, *, with_address: bool) -> Place | None:
    """The first physical place in `location` (a hybrid event lists virtual ones too), or
    None. Offers and requests read no address: we never keep an exact one for them."""
    for candidate in as_list(location):
        if isinstance(candidate, dict) and candidate.get("type", "Place") == "Place":
            place = _place(candidate, with_address)
            if place != Place():
                return place
    return None


def _place(document: dict[str, Any], with_address: bool) -> Place:
    latitude, longitude = number(document.get("latitude")), number(document.get("longitude"))
    # A point off the globe is junk; half a point is no point.
    if latitude is None or longitude is None or not valid_coordinates(latitude, longitude):
        latitude = longitude = None
    address = _address(document.get("address")) if with_address else {}
    return Place(
        name=short_text(document.get("name"), MAX_PLACE_TEXT),
        latitude=latitude,
        longitude=longitude,
        **address,
    )


def _address(value: Any) -> dict[str, str | None]:
    if isinstance(value, str):
        return _address_text(value)
    if not isinstance(value, dict):
        return {}
    return {
        "street": short_text(value.get("streetAddress"), MAX_PLACE_TEXT),
        "postal_code": short_text(value.get("postalCode"), MAX_PLACE_TEXT),
        "locality": short_text(value.get("addressLocality"), MAX_PLACE_TEXT),
        "region": short_text(value.get("addressRegion"), MAX_PLACE_TEXT),
        "country": short_text(value.get("addressCountry"), MAX_PLACE_TEXT),
    }


def _address_text(value: str) -> dict[str, str | None]:
    """An address written as one line (Gancio: "Place Saint-Pierre, 35400 Saint-Malo"), in
    PostalAddress's fields: the street, then "code town" (then a region and a country, or
    a country), or a town alone; a line we cannot split stays the street."""
    parts = [part.strip() for part in value.split(",") if part.strip()]
    fields: dict[str, str | None] = {}
    for index in range(len(parts) - 1, -1, -1):
        found, tail = _CODE_AND_TOWN.match(parts[index]), parts[index + 1 :]
        if found and len(tail) <= 2 and not any(c.isdigit() for c in "".join(tail)):
            fields = {"postal_code": found["code"], "locality": found["town"]}
            fields.update(zip(("region", "country")[2 - len(tail) :], tail, strict=True))
            parts = parts[:index]
            break
    else:
        if len(parts) >= 2 and not any(c.isdigit() for c in parts[-1]):
            fields, parts = {"locality": parts[-1]}, parts[:-1]
    fields["street"] = ", ".join(parts) if parts else None
    return {key: short_text(text, MAX_PLACE_TEXT) for key, text in fields.items()}
