"""Rides between two instances over loopback HTTP: Bruno on B books a seat on Ana's ride
on A and hears her answer; Carl on A and Bruno on B race for the last seat, and one only
gets it; B's copy shows the seats left per date; Bruno cancelling on B frees the seat on
A, and Ana cancelling his booking on A cancels it on B."""

from __future__ import annotations

import asyncio

import pytest

from fedlocal.services import rides, views
from fedlocal.services.accounts import create_account
from fedlocal.services.errors import Conflict
from fedlocal.store import notifications as notification_store
from fedlocal.store import posts as post_store
from fedlocal.store import ride_bookings as booking_store
from tests.services.test_rides import THURSDAY, market
from tests.support.federation_steps import follow_across
from tests.support.instance import instance_on_database, running_instance
from tests.support.waiting import wait_for

pytestmark = pytest.mark.e2e


@pytest.fixture
async def pair(tmp_path):
    async with (
        running_instance(tmp_path / "a") as a,
        running_instance(tmp_path / "b") as b,
    ):
        yield a, b


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
async def pair_on_each_database(request, tmp_path):
    """Two instances on SQLite files, then two on PostgreSQL schemas."""
    async with (
        instance_on_database(request.param, tmp_path / "a") as a,
        instance_on_database(request.param, tmp_path / "b") as b,
    ):
        yield a, b


async def _copy(instance, uri):
    async with instance.db.read() as conn:
        return await post_store.get_post_by_uri(conn, uri)


async def _bookings(instance, ride_id):
    async with instance.db.read() as conn:
        return await booking_store.list_for_ride(
            conn, ride_id, states=("pending", "accepted", "declined", "cancelled")
        )


async def _types(instance, actor):
    async with instance.db.read() as conn:
        return [n.type for n in await notification_store.list_for(conn, actor.id)]


async def test_a_passenger_on_b_books_a_seat_on_a_ride_of_a(pair):
    a, b = pair
    _, ana = await create_account(a.services, "ana", "secret-ana-1")
    _, bruno = await create_account(b.services, "bruno", "secret-bruno-1")
    await follow_across(b, bruno, f"@ana@{a.config.domain}")

    # Given Ana's ride, which reaches B as a ride
    ride = await rides.publish_ride(a.services, ana, market())
    copy = await wait_for(lambda: _copy(b, ride.uri), message="the ride to reach B")
    assert copy.kind == "ride" and copy.ride.seats == 2
    assert copy.ride.destination.name == "Dinan"

    # When Bruno books a seat from B
    mine = await rides.book_seats(b.services, bruno, copy.id)
    assert mine.state == "pending"

    # Then A holds it for Ana to answer
    held = await wait_for(lambda: _bookings(a, ride.id), message="bruno's Offer on A")
    [(booking, passenger)] = held
    assert passenger.uri == bruno.uri and booking.offer_uri == mine.offer_uri
    assert "ride_booking" in await _types(a, ana)

    # When Ana accepts, Bruno's booking on B is accepted and he is told
    await rides.answer_booking(a.services, ana, booking.id, accept=True)

    async def accepted_on_b():
        [(found, _)] = await _bookings(b, copy.id)
        return found.state == "accepted"

    await wait_for(accepted_on_b, message="B to hear Ana's Accept")
    assert "ride_accepted" in await _types(b, bruno)


async def test_a_race_for_the_last_seat_from_a_and_b(pair_on_each_database):
    a, b = pair_on_each_database
    _, ana = await create_account(a.services, "ana", "secret-ana-1")
    _, carl = await create_account(a.services, "carl", "secret-carl-1")
    _, bruno = await create_account(b.services, "bruno", "secret-bruno-1")
    await follow_across(b, bruno, f"@ana@{a.config.domain}")
    ride = await rides.publish_ride(a.services, ana, market(seats=1))
    copy = await wait_for(lambda: _copy(b, ride.uri), message="the ride to reach B")

    # When Carl on A and Bruno on B book the one seat at the same time
    await asyncio.gather(
        rides.book_seats(a.services, carl, ride.id),
        rides.book_seats(b.services, bruno, copy.id),
        return_exceptions=True,
    )

    # Then A decides once Bruno's Offer arrives: one seat held, never two
    async def settled():
        on_b = await _bookings(b, copy.id)
        on_a = await _bookings(a, ride.id)
        bruno_on_a = [x for x, who in on_a if who.uri == bruno.uri]
        bruno_declined = [x for x, _ in on_b if x.state == "declined"]
        return bruno_on_a or bruno_declined

    await wait_for(settled, message="A to answer Bruno's Offer")
    async with a.db.read() as conn:
        assert await booking_store.seats_held(conn, ride.id, THURSDAY.date()) == 1
    holders = [who.uri for x, who in await _bookings(a, ride.id) if x.state == "pending"]
    assert len(holders) == 1
    if holders == [bruno.uri]:
        return

    # Carl won: Bruno's server got a Reject, his booking is declined and he is told
    async def declined_on_b():
        [(found, _)] = await _bookings(b, copy.id)
        return found.state == "declined"

    await wait_for(declined_on_b, message="B to hear the Reject")
    assert "ride_declined" in await _types(b, bruno)


async def _state_on(instance, ride_id, uri):
    found = [x for x, who in await _bookings(instance, ride_id) if who.uri == uri]
    return found[0].state if found else None


async def _accepted_booking(a, b, *, seats):
    """Ana's ride on A (`seats` seats) and Bruno's booking of one from B, accepted by Ana
    and known accepted on B: (ana, bruno, ride, B's copy, B's booking, A's booking)."""
    _, ana = await create_account(a.services, "ana", "secret-ana-1")
    _, bruno = await create_account(b.services, "bruno", "secret-bruno-1")
    await follow_across(b, bruno, f"@ana@{a.config.domain}")
    ride = await rides.publish_ride(a.services, ana, market(seats=seats))
    copy = await wait_for(lambda: _copy(b, ride.uri), message="the ride to reach B")
    mine = await rides.book_seats(b.services, bruno, copy.id)
    [(held, _)] = await wait_for(lambda: _bookings(a, ride.id), message="bruno's Offer on A")
    await rides.answer_booking(a.services, ana, held.id, accept=True)

    async def accepted_on_b():
        return await _state_on(b, copy.id, bruno.uri) == "accepted"

    await wait_for(accepted_on_b, message="B to hear Ana's Accept")
    return ana, bruno, ride, copy, mine, held


async def test_a_passenger_on_b_cancels_and_a_frees_the_seat(pair):
    a, b = pair
    # Given Bruno's seat, accepted by Ana
    ana, bruno, ride, copy, mine, _held = await _accepted_booking(a, b, seats=1)

    # And B's copy of the ride shows that day full (the ride's Update with its seats left)
    async def full_on_b():
        found = await _copy(b, ride.uri)
        return [d for d in await rides.upcoming_dates(b.services, found) if d.is_full]

    await wait_for(full_on_b, message="B's copy to show the date full")
    # (an Update of its seats alone: apps on B do not show the ride as edited)
    async with b.db.read() as conn:
        view = await views.post(conn, bruno, await _copy(b, ride.uri))
    assert view is not None and view.unedited_copy
    # and a neighbour of Bruno's cannot book it there (nothing is sent)
    _, carla = await create_account(b.services, "carla", "secret-carla-1")
    found = await _copy(b, ride.uri)
    with pytest.raises(Conflict, match="full"):
        await rides.book_seats(b.services, carla, found.id)

    # When Bruno cancels on B
    await rides.cancel_booking(b.services, bruno, mine.id)

    # Then A frees the seat, and Ana is told
    async def cancelled_on_a():
        return await _state_on(a, ride.id, bruno.uri) == "cancelled"

    await wait_for(cancelled_on_a, message="A to hear Bruno's Undo")
    async with a.db.read() as conn:
        assert await booking_store.seats_held(conn, ride.id, THURSDAY.date()) == 0
    assert "ride_booking_cancelled" in await _types(a, ana)

    # And B's copy shows the seat free again
    async def free_on_b():
        found = await _copy(b, ride.uri)
        dates = await rides.upcoming_dates(b.services, found)
        return dates and dates[0].seats_left == 1

    await wait_for(free_on_b, message="B's copy to show the seat free")


async def test_the_driver_on_a_cancels_a_booking_from_b(pair):
    a, b = pair
    # Given Bruno's accepted booking
    ana, bruno, ride, copy, _mine, held = await _accepted_booking(a, b, seats=2)

    # When Ana cancels it on A
    await rides.cancel_booking(a.services, ana, held.id)

    # Then B shows Bruno's booking cancelled, and Bruno is told
    async def cancelled_on_b():
        return await _state_on(b, copy.id, bruno.uri) == "cancelled"

    await wait_for(cancelled_on_b, message="B to hear Ana's Reject")
    assert "ride_booking_cancelled" in await _types(b, bruno)
    async with a.db.read() as conn:
        assert await booking_store.seats_held(conn, ride.id, THURSDAY.date()) == 0
