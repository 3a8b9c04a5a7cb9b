"""A ride's details (`RideDetails`) ↔ their place in a post's `data` JSON column.

Read back checked, as every extra (`extras.py`): a row that does not hold a whole ride
gives no ride rather than a wrong one.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from ..models import Place, RideDetails


def ride_data(ride: RideDetails) -> dict[str, Any]:
    return {
        "role": ride.role,
        "origin": _place_data(ride.origin),
        "destination": _place_data(ride.destination),
        "departs_at": ride.departs_at.isoformat(),
        "arrives_at": ride.arrives_at.isoformat() if ride.arrives_at else None,
        "timezone": ride.timezone,
        "seats": ride.seats,
        "weekly": ride.weekly,
        "until": ride.until.isoformat() if ride.until else None,
        "contribution_cents": ride.contribution_cents,
        "currency": ride.currency,
        "notes": ride.notes,
        "status": ride.status,
        "booked": {day.isoformat(): held for day, held in ride.booked},
    }


def _place_data(place: Place) -> dict[str, Any]:
    return {"name": place.name, "latitude": place.latitude, "longitude": place.longitude}


def ride_from_data(data: Any) -> RideDetails | None:
    if not isinstance(data, dict):
        return None
    try:
        role, status = data["role"], data["status"]
        if role not in ("offer", "request") or status not in ("open", "cancelled", "departed"):
            return None
        seats = data["seats"]
        contribution = data.get("contribution_cents")
        if not _is_int(seats) or (contribution is not None and not _is_int(contribution)):
            return None
        arrives, until = data.get("arrives_at"), data.get("until")
        return RideDetails(
            role=role,
            origin=_place(data["origin"]),
            destination=_place(data["destination"]),
            departs_at=datetime.fromisoformat(data["departs_at"]),
            arrives_at=datetime.fromisoformat(arrives) if isinstance(arrives, str) else None,
            timezone=str(data.get("timezone") or "Europe/Paris"),
            seats=seats,
            weekly=data.get("weekly") is True,
            until=date.fromisoformat(until) if isinstance(until, str) else None,
            contribution_cents=contribution,
            currency=str(data.get("currency") or "EUR"),
            notes=str(data.get("notes") or ""),
            status=status,
            booked=_booked(data.get("booked")),
        )
    except (KeyError, TypeError, ValueError):
        return None


def _booked(data: Any) -> tuple[tuple[date, int], ...]:
    # Rows written before seats were kept per day hold none: the next booking counts them.
    if not isinstance(data, dict):
        return ()
    return tuple(
        sorted(
            (date.fromisoformat(day), held)
            for day, held in data.items()
            if isinstance(day, str) and _is_int(held) and held > 0
        )
    )


def _place(data: Any) -> Place:
    if not isinstance(data, dict):
        raise TypeError("a place is an object")
    name = data.get("name")
    return Place(
        name=name if isinstance(name, str) else None,
        latitude=_number(data.get("latitude")),
        longitude=_number(data.get("longitude")),
    )


def _is_int(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _number(value: Any) -> float | None:
    if isinstance(value, int | float) and not isinstance(value, bool):
        return float(value)
    return None
