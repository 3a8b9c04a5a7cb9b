"""`location` → Place: AS2/FEP-8a8e Places, Mobilizon's PostalAddress, Gancio's untyped
location with a plain-string address."""

from __future__ import annotations

from typing import Any

from activitypub.addressing import as_list

from ...geo import valid_coordinates
from ...models import Place
from .values import number, short_text

MAX_PLACE_TEXT = 200


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
        return {"street": short_text(value, MAX_PLACE_TEXT)}
    if not isinstance(value, dict):
        return {}
    return {
        "street": short_text(value.get("streetAddress"), MAX_PLACE_TEXT),
        "postal_code": short_text(value.get("postalCode"), MAX_PLACE_TEXT),
        "locality": short_text(value.get("addressLocality"), MAX_PLACE_TEXT),
        "region": short_text(value.get("addressRegion"), MAX_PLACE_TEXT),
        "country": short_text(value.get("addressCountry"), MAX_PLACE_TEXT),
    }
