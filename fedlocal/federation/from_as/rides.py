"""What a FEP-0837 `Offer` says beyond the listing and the quantity when it books a seat
on one of our rides: the day (our `departsOn`, for a weekly ride)."""

from __future__ import annotations

from datetime import date
from typing import Any

from activitypub.addressing import as_list

from .values import parse_date


def booking_day(activity: Any) -> date | None:
    """The `departsOn` of the Offer's commitment, or None (the ride's only day)."""
    if not isinstance(activity, dict) or not isinstance(activity.get("object"), dict):
        return None
    for commitment in as_list(activity["object"].get("stipulates")):
        if isinstance(commitment, dict) and isinstance(commitment.get("departsOn"), str):
            return parse_date(commitment["departsOn"])
    return None


def booking_seats(activity: Any) -> int:
    """The seats the Offer's commitment asks for, as written (the service refuses zero,
    negative or too many); 1 when it says none. Junk counts as 0, so it is refused."""
    if not isinstance(activity, dict) or not isinstance(activity.get("object"), dict):
        return 0
    for commitment in as_list(activity["object"].get("stipulates")):
        if not isinstance(commitment, dict):
            continue
        measure = commitment.get("resourceQuantity")
        if measure is None:
            return 1
        value = measure.get("hasNumericalValue") if isinstance(measure, dict) else None
        if isinstance(value, int) and not isinstance(value, bool):
            return value
        text = value.strip() if isinstance(value, str) else ""
        digits = text[1:] if text.startswith("-") else text
        if digits.isdigit() and len(digits) <= 6:
            return int(text)
        return 0
    return 0
