"""Rides and other servers: a remote passenger books with a FEP-0837 `Offer` and gets the
driver's `Accept` (with the agreement) or `Reject`; an Offer beyond the seats left, for a
cancelled ride or from a blocked actor is rejected and nothing is counted."""

from __future__ import annotations

import pytest

from fedlocal.services import blocks, rides
from fedlocal.store import ride_bookings as booking_store
from tests.services.sharing_support import (
    AREA,
    actor_at,
    deliver_and_process,
    follows_us,
    resident,
    send_out,
)
from tests.services.test_rides import THURSDAY, market
from tests.support.instance import running_instance


@pytest.fixture
async def inst(tmp_path, stub):
    async with running_instance(tmp_path, run_workers=False, area=AREA) as instance:
        yield instance


@pytest.fixture
async def driver(inst):
    return await resident(inst.federation, "ana")


def booking_offer(actor, ride, driver, *, seats="1", offer_id="1", day=None) -> dict:
    commitment = {
        "type": "Commitment",
        "satisfies": f"{ride.uri}#primary",
        "resourceQuantity": {"hasUnit": "one", "hasNumericalValue": seats},
    }
    if day is not None:
        commitment["departsOn"] = day
    return {
        "@context": "https://www.w3.org/ns/activitystreams",
        "id": f"{actor.uri}#offers/{offer_id}",
        "type": "Offer",
        "actor": actor.uri,
        "to": [driver.uri],
        "object": {"type": "Agreement", "stipulates": commitment},
    }


async def held(inst, ride) -> int:
    async with inst.db.read() as conn:
        return await booking_store.seats_held(conn, ride.id, THURSDAY.date())


async def test_a_remote_passenger_books_and_gets_the_drivers_accept(inst, stub, driver):
    # Given Ana's ride with two seats
    ride = await rides.publish_ride(inst.services, driver, market())
    zoe = stub.add_actor("zoe")
    stub.received.clear()

    # When Zoé's server offers to take one seat
    offer = booking_offer(zoe, ride, driver)
    await deliver_and_process(inst, stub, zoe, offer)

    # Then the seat is held, waiting for Ana
    assert await held(inst, ride) == 1
    async with inst.db.read() as conn:
        [(booking, passenger)] = await booking_store.list_for_ride(conn, ride.id)
    assert passenger.uri == zoe.uri and booking.offer_uri == offer["id"]

    # When Ana accepts, Zoé's server gets the Accept with the agreement for that day
    await rides.answer_booking(inst.services, driver, booking.id, accept=True)
    await send_out(inst)
    [accept] = stub.received_of_type("Accept")
    assert accept.path == "/users/zoe/inbox"
    assert accept.body["object"] == offer["id"]
    commitment = accept.body["result"]["stipulates"]
    assert commitment["satisfies"] == f"{ride.uri}#primary"
    assert commitment["resourceQuantity"] == {"hasUnit": "one", "hasNumericalValue": "1"}
    assert commitment["departsOn"] == THURSDAY.date().isoformat()


@pytest.mark.parametrize("why", ["too-many", "zero", "cancelled", "blocked"])
async def test_a_remote_offer_that_cannot_be_held_is_rejected_and_not_counted(
    inst, stub, driver, why
):
    ride = await rides.publish_ride(inst.services, driver, market())
    zoe = stub.add_actor("zoe")
    seats = {"too-many": "3", "zero": "0"}.get(why, "1")
    if why == "cancelled":
        await rides.cancel_ride(inst.services, driver, ride.id)
    if why == "blocked":
        await follows_us(inst, stub, zoe, driver)
        known = await actor_at(inst.db, zoe.uri)
        await blocks.block(inst.services, driver, known.id)
    await send_out(inst)
    stub.received.clear()

    await deliver_and_process(inst, stub, zoe, booking_offer(zoe, ride, driver, seats=seats))

    assert await held(inst, ride) == 0
    await send_out(inst)
    [reject] = stub.received_of_type("Reject")
    assert reject.body["object"] == f"{zoe.uri}#offers/1"
    assert reject.body["target"] == ride.uri


async def test_the_last_seat_goes_to_one_passenger_only(inst, stub, driver):
    # Given a ride with one seat, booked here by Bea while Zoé's Offer arrives
    ride = await rides.publish_ride(inst.services, driver, market(seats=1))
    bea = await resident(inst.federation, "bea")
    zoe = stub.add_actor("zoe")
    await rides.book_seats(inst.services, bea, ride.id)
    stub.received.clear()

    await deliver_and_process(inst, stub, zoe, booking_offer(zoe, ride, driver))

    assert await held(inst, ride) == 1
    await send_out(inst)
    [reject] = stub.received_of_type("Reject")
    assert "full" in reject.body["summary"]
