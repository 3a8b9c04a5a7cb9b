"""Rides: what a driver may offer, booking seats (never more than there are, even when two
passengers race for the last one, on SQLite and PostgreSQL), the driver's answer, and
cancelling with everyone concerned told."""

from __future__ import annotations

import asyncio
from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import select

from fedlocal.clock import FakeClock, use_clock
from fedlocal.federation.runtime import start_federation
from fedlocal.ride_dates import SHOWN_DATES
from fedlocal.services import rides
from fedlocal.services.errors import Conflict, Forbidden, InvalidInput, NotFound
from fedlocal.services.maintenance import MaintenanceWorker
from fedlocal.services.ride_wording import ride_summary
from fedlocal.services.rides import RideInput
from fedlocal.store import Database, migrate
from fedlocal.store import notifications as notification_store
from fedlocal.store import ride_bookings as booking_store
from fedlocal.store.tables import objects
from tests.services.sharing_support import resident, stored, world_config
from tests.support.databases import postgres_schema, postgres_url_or_skip

PARIS = ZoneInfo("Europe/Paris")


def _next_thursday_8() -> datetime:
    day = (datetime.now(PARIS) + timedelta(days=7)).date()
    day += timedelta(days=(3 - day.weekday()) % 7)
    return datetime.combine(day, time(8), tzinfo=PARIS)


THURSDAY = _next_thursday_8()


def market(**changes) -> RideInput:
    """Ana drives to the Thursday market in Dinan, two seats, 3 € each."""
    fields = {
        "origin": "Paramé",
        "destination": "Dinan",
        "departs_at": THURSDAY,
        "arrives_at": THURSDAY + timedelta(minutes=40),
        "seats": 2,
        "contribution": "3",
        "notes": "Place pour un panier, pas d'animaux.",
    }
    return RideInput(**{**fields, **changes})


async def test_a_ride_is_published_with_its_places_and_a_plain_summary(world, ana):
    post = await rides.publish_ride(world.services, ana, market())

    assert post.kind == "ride"
    ride = post.ride
    assert ride.origin.name == "Paramé" and ride.origin.latitude is not None
    assert ride.destination.name == "Dinan" and ride.destination.latitude is None
    assert ride.seats == 2 and ride.contribution_cents == 300
    assert post.name == "Paramé → Dinan"
    day = THURSDAY.day
    assert "Paramé → Dinan · jeudi" in post.content and "8 h · 2 places · 3 € par passager" in (
        post.content
    )
    assert str(day) in post.content


async def test_a_weekly_ride_shows_its_next_thursdays(world, ana):
    post = await rides.publish_ride(world.services, ana, market(weekly=True))

    dates = await rides.upcoming_dates(world.services, post)

    assert len(dates) == SHOWN_DATES
    assert all(d.departs_at.astimezone(PARIS).weekday() == 3 for d in dates)
    assert all(d.departs_at.astimezone(PARIS).hour == 8 for d in dates)
    assert dates[1].day - dates[0].day == timedelta(days=7)
    assert ride_summary(post.ride).startswith("Paramé → Dinan · chaque jeudi 8 h")


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"arrives_at": THURSDAY - timedelta(minutes=5)}, "arrives_at"),
        ({"departs_at": datetime.now(PARIS) - timedelta(days=1), "arrives_at": None}, "departs_at"),
        ({"seats": 0}, "seats"),
        ({"seats": -2}, "seats"),
        ({"contribution": "beaucoup"}, "contribution"),
        ({"destination": "  "}, "destination"),
        ({"destination": "paramé"}, "destination"),
        ({"weekly": True, "until": THURSDAY.date() - timedelta(days=1)}, "until"),
    ],
)
async def test_a_wrong_ride_is_refused_and_nothing_is_stored(world, ana, changes, field):
    before = await stored(world.db)

    with pytest.raises(InvalidInput) as refused:
        await rides.publish_ride(world.services, ana, market(**changes))

    assert refused.value.field == field
    assert await stored(world.db) == before


async def test_a_passenger_books_and_the_driver_accepts(world, ana, bea):
    post = await rides.publish_ride(world.services, ana, market())

    booking = await rides.book_seats(world.services, bea, post.id, seats=1)

    assert booking.state == "pending"
    dates = await rides.upcoming_dates(world.services, post)
    assert dates[0].seats_left == 1
    accepted = await rides.answer_booking(world.services, ana, booking.id, accept=True)
    assert accepted.state == "accepted"
    async with world.db.read() as conn:
        to_ana = await notification_store.list_for(conn, ana.id)
        to_bea = await notification_store.list_for(conn, bea.id)
    assert [n.type for n in to_ana] == ["ride_booking"]
    assert [n.type for n in to_bea] == ["ride_accepted"]
    mine = await rides.my_bookings(world.services, bea)
    assert [(b.id, p.id) for b, p in mine] == [(booking.id, post.id)]


async def test_a_declined_booking_frees_its_seats(world, ana, bea, carl):
    post = await rides.publish_ride(world.services, ana, market(seats=1))
    booking = await rides.book_seats(world.services, bea, post.id)
    with pytest.raises(Conflict, match="full"):
        await rides.book_seats(world.services, carl, post.id)

    await rides.answer_booking(world.services, ana, booking.id, accept=False)

    assert (await rides.book_seats(world.services, carl, post.id)).state == "pending"


@pytest.mark.parametrize(
    ("who", "seats", "error", "message"),
    [
        ("ana", 1, Conflict, "your own ride"),
        ("bea", 3, Conflict, "only 2 seats"),
        ("bea", 0, InvalidInput, "between 1"),
        ("bea", -1, InvalidInput, "between 1"),
    ],
)
async def test_wrong_bookings_are_refused(world, ana, bea, who, seats, error, message):
    post = await rides.publish_ride(world.services, ana, market())
    before = await stored(world.db)
    passenger = ana if who == "ana" else bea

    with pytest.raises(error, match=message):
        await rides.book_seats(world.services, passenger, post.id, seats=seats)

    assert await stored(world.db) == before


async def test_one_booking_per_person_and_date(world, ana, bea):
    post = await rides.publish_ride(world.services, ana, market(weekly=True, seats=4))
    await rides.book_seats(world.services, bea, post.id)

    with pytest.raises(Conflict, match="already booked"):
        await rides.book_seats(world.services, bea, post.id)
    next_week = THURSDAY.date() + timedelta(days=7)
    again = await rides.book_seats(world.services, bea, post.id, on=next_week)
    assert again.departs_on == next_week
    with pytest.raises(InvalidInput, match="does not leave"):
        await rides.book_seats(world.services, bea, post.id, on=next_week + timedelta(days=1))


async def test_cancelling_tells_everyone_concerned(world, ana, bea, carl):
    post = await rides.publish_ride(world.services, ana, market())
    bea_booking = await rides.book_seats(world.services, bea, post.id)
    await rides.book_seats(world.services, carl, post.id)

    cancelled = await rides.cancel_booking(world.services, bea, bea_booking.id)
    assert cancelled.state == "cancelled"
    with pytest.raises(Forbidden):
        await rides.cancel_ride(world.services, bea, post.id)
    updated = await rides.cancel_ride(world.services, ana, post.id)

    assert updated.ride.status == "cancelled"
    async with world.db.read() as conn:
        to_ana = [n.type for n in await notification_store.list_for(conn, ana.id)]
        to_carl = [n.type for n in await notification_store.list_for(conn, carl.id)]
        held = await booking_store.seats_held(conn, post.id, THURSDAY.date())
    assert "ride_booking_cancelled" in to_ana
    assert to_carl == ["ride_cancelled"]
    assert held == 0
    with pytest.raises(Conflict, match="cancelled"):
        await rides.book_seats(world.services, bea, post.id)


async def test_no_ride_no_booking(world, bea):
    with pytest.raises(NotFound):
        await rides.book_seats(world.services, bea, 999_999)


async def _race_for_the_last_seat(services, driver, first, second) -> list[object]:
    post = await rides.publish_ride(services, driver, market(seats=1))
    return await asyncio.gather(
        rides.book_seats(services, first, post.id),
        rides.book_seats(services, second, post.id),
        return_exceptions=True,
    ), post


async def test_two_passengers_racing_for_the_last_seat_on_sqlite(world, ana, bea, carl):
    results, post = await _race_for_the_last_seat(world.services, ana, bea, carl)

    assert sorted(type(r).__name__ for r in results) == ["Conflict", "RideBooking"]
    async with world.db.read() as conn:
        assert await booking_store.seats_held(conn, post.id, THURSDAY.date()) == 1


@pytest.mark.postgres
async def test_two_passengers_racing_for_the_last_seat_on_postgresql(tmp_path):
    url = postgres_url_or_skip()
    async with postgres_schema(url) as schema:
        db = Database(url, schema=schema)
        try:
            await migrate(db)
            federation = await start_federation(world_config(tmp_path), db)
            try:
                ana, bea, carl = [await resident(federation, n) for n in ("ana", "bea", "carl")]
                for _ in range(3):
                    results, post = await _race_for_the_last_seat(
                        federation.services, ana, bea, carl
                    )
                    assert sorted(type(r).__name__ for r in results) == [
                        "Conflict",
                        "RideBooking",
                    ]
                    async with db.read() as conn:
                        held = await booking_store.seats_held(conn, post.id, THURSDAY.date())
                    assert held == 1
            finally:
                await federation.close()
        finally:
            await db.dispose()


async def _status_column(world, post_id: int) -> str:
    async with world.db.read() as conn:
        found = await conn.execute(select(objects.c.status).where(objects.c.id == post_id))
        return found.scalar()


async def test_rides_whose_last_date_has_passed_are_closed_by_the_maintenance_round(world, ana):
    # Given a one-off ride and a weekly one that runs two more Thursdays
    once = await rides.publish_ride(world.services, ana, market())
    weekly = await rides.publish_ride(
        world.services, ana, market(weekly=True, until=(THURSDAY + timedelta(days=14)).date())
    )
    worker = MaintenanceWorker(world.services)

    # When the one-off ride has left: it is departed, the weekly one stays open
    after_first = THURSDAY + timedelta(hours=1)
    with use_clock(FakeClock(after_first)):
        await worker.run_once(now=after_first)
    assert (await rides.get_ride(world.services, once.id)).ride.status == "departed"
    assert await _status_column(world, once.id) == "departed"
    assert (await rides.get_ride(world.services, weekly.id)).ride.status == "open"

    # When the weekly ride's last Thursday has passed, it is departed too, once
    after_last = THURSDAY + timedelta(days=14, hours=1)
    with use_clock(FakeClock(after_last)):
        await worker.run_once(now=after_last)
        assert await rides.close_departed(world.services, now=after_last) == 0
    departed = await rides.get_ride(world.services, weekly.id)
    assert departed.ride.status == "departed" and departed.ride.until == weekly.ride.until
    assert departed.content == weekly.content
    assert await _status_column(world, weekly.id) == "departed"
    with pytest.raises(Conflict, match="has left"):
        await rides.cancel_ride(world.services, ana, weekly.id)
