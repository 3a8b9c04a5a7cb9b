"""Rides from other servers (docs/FEDERATION.md, "Carpooling"): a ride listing's details,
and what a FEP-0837 `Offer` booking seats on one of ours says beyond the listing: the
seats and the day (our `departsOn`, for a weekly ride)."""

from __future__ import annotations

from datetime import date
from decimal import Decimal, InvalidOperation
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from activitypub.addressing import as_list

from ...models import RideDetails, RideStatus
from .places import place_from_as
from .values import parse_date, parse_datetime


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


def ride_from_as(document: dict[str, Any]) -> RideDetails | None:
    """A ride's details from a FEP-0837 listing carrying our `destination` (see
    docs/FEDERATION.md, "Carpooling"), or None when the document is no ride."""
    purpose = document.get("purpose")
    if purpose not in ("offer", "request"):
        return None
    destination = place_from_as(document.get("destination"), with_address=False)
    origin = place_from_as(document.get("origin") or document.get("location"), with_address=False)
    departs_at = parse_datetime(document.get("startTime"))
    if destination is None or origin is None or departs_at is None:
        return None
    seats = document.get("seats")
    if not (isinstance(seats, int) and not isinstance(seats, bool) and 1 <= seats <= 99):
        return None
    zone = document.get("timezone")
    try:
        ZoneInfo(zone) if isinstance(zone, str) else None
    except (ZoneInfoNotFoundError, ValueError):
        zone = None
    arrives_at = parse_datetime(document.get("endTime"))
    until = document.get("repeatsUntil")
    return RideDetails(
        role="offer" if purpose == "offer" else "request",
        origin=origin,
        destination=destination,
        departs_at=departs_at,
        arrives_at=arrives_at if arrives_at and arrives_at > departs_at else None,
        timezone=zone if isinstance(zone, str) else "UTC",
        seats=seats,
        weekly=document.get("repeats") == "weekly",
        until=parse_date(until) if isinstance(until, str) else None,
        contribution_cents=_cents(document.get("reciprocal")),
        status=_status(document.get("rideStatus")),
        booked=_booked(document.get("upcomingDates"), seats),
    )


# More dates than any page shows are of no use and only cost memory.
MAX_DATES = 60


def _booked(dates: Any, seats: int) -> tuple[tuple[date, int], ...]:
    """Seats held per day from the peer's `upcomingDates` (`seatsLeft` on each): an entry
    with no day or a count that is not between 0 and the seats is left out (that date
    counts as free as the ride says, never as more than its seats)."""
    held: dict[date, int] = {}
    for entry in as_list(dates)[:MAX_DATES]:
        if not isinstance(entry, dict):
            continue
        day = entry.get("departsOn")
        left = entry.get("seatsLeft")
        parsed = parse_date(day) if isinstance(day, str) else None
        if parsed is None or not isinstance(left, int) or isinstance(left, bool):
            continue
        if 0 <= left < seats:
            held[parsed] = seats - left
    return tuple(sorted(held.items()))


def _status(value: Any) -> RideStatus:
    if value == "cancelled" or value == "departed":
        return value
    return "open"


def _cents(reciprocal: Any) -> int | None:
    measure = reciprocal.get("resourceQuantity") if isinstance(reciprocal, dict) else None
    value = measure.get("hasNumericalValue") if isinstance(measure, dict) else None
    if not isinstance(value, str) or len(value) > 12:
        return None
    try:
        amount = Decimal(value)
    except InvalidOperation:
        return None
    if not amount.is_finite() or not 0 <= amount <= 1000:
        return None
    return int(amount * 100)
