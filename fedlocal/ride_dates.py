"""A ride's dates and the seats left on each: pure, so the web page, the client API and
the federated object count them the same way (services/rides.py books; the post keeps the
seats held per day in `RideDetails.booked`)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from .clock import utcnow
from .models import RideDetails

# How many of a weekly ride's next dates a page, the API and the federated object show.
SHOWN_DATES = 6


@dataclass(frozen=True)
class RideDate:
    """One departure of a ride and its seats left."""

    departs_at: datetime
    seats_left: int

    @property
    def day(self) -> date:
        return self.departs_at.date()

    @property
    def is_full(self) -> bool:
        return self.seats_left <= 0


def departure_on(ride: RideDetails, day: date) -> datetime:
    """The ride's departure on `day`, at its usual local time."""
    zone = ZoneInfo(ride.timezone)
    local: time = ride.departs_at.astimezone(zone).timetz().replace(tzinfo=None)
    return datetime.combine(day, local, tzinfo=zone)


def first_day(ride: RideDetails) -> date:
    """The ride's first (or only) day, in its own zone."""
    return ride.departs_at.astimezone(ZoneInfo(ride.timezone)).date()


def is_a_date_of(ride: RideDetails, day: date) -> bool:
    first = first_day(ride)
    if not ride.weekly:
        return day == first
    if day < first or (day - first).days % 7:
        return False
    return ride.until is None or day <= ride.until


def next_departures(
    ride: RideDetails, *, after: datetime | None = None, count: int = SHOWN_DATES
) -> list[datetime]:
    """The ride's next departures after `after` (now): one, or a weekly ride's next few."""
    after = after or utcnow()
    zone = ZoneInfo(ride.timezone)
    first = first_day(ride)
    if not ride.weekly:
        # In the ride's zone, so its `date()` is the booked day.
        only = departure_on(ride, first)
        return [only] if only > after else []
    today = after.astimezone(zone).date()
    weeks = max(0, (today - first).days // 7)
    found: list[datetime] = []
    day = first + timedelta(weeks=weeks)
    while len(found) < count and (ride.until is None or day <= ride.until):
        departure = departure_on(ride, day)
        if departure > after:
            found.append(departure)
        day += timedelta(weeks=1)
    return found


def held_on(ride: RideDetails, day: date) -> int:
    """The seats held on `day` as the ride itself says (ours: counted from the bookings;
    a peer's: as its server sent them)."""
    return dict(ride.booked).get(day, 0)


def seat_dates(
    ride: RideDetails,
    held: dict[date, int] | None = None,
    *,
    after: datetime | None = None,
    count: int = SHOWN_DATES,
) -> list[RideDate]:
    """The ride's next departures with their seats left. `held` adds what this server
    counts besides (our residents' bookings on a peer's ride): the larger count wins, so
    a seat is never shown free twice."""
    held = held or {}
    booked = dict(ride.booked)
    return [
        RideDate(
            departs_at=d,
            seats_left=max(ride.seats - max(booked.get(d.date(), 0), held.get(d.date(), 0)), 0),
        )
        for d in next_departures(ride, after=after, count=count)
    ]
