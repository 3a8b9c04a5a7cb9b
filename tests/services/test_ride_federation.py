"""Rides and other servers: a remote passenger books with a FEP-0837 `Offer` and gets the
driver's `Accept` (with the agreement) or `Reject`; an Offer beyond the seats left, for a
cancelled ride or from a blocked actor is rejected and nothing is counted."""

from __future__ import annotations

import pytest

from fedlocal.services import blocks, rides
from fedlocal.store import notifications as notification_store
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


async def _told(inst, actor) -> list[str]:
    async with inst.db.read() as conn:
        return [n.type for n in await notification_store.list_for(conn, actor.id)]


async def test_a_remote_passengers_undo_frees_the_seat_and_the_driver_hears_it(inst, stub, driver):
    # Given Zoé holding one of the two seats
    ride = await rides.publish_ride(inst.services, driver, market())
    zoe = stub.add_actor("zoe")
    offer = booking_offer(zoe, ride, driver)
    await deliver_and_process(inst, stub, zoe, offer)
    assert await held(inst, ride) == 1

    # When her server sends the Undo of her Offer (twice: the second changes nothing)
    undo = {
        "@context": "https://www.w3.org/ns/activitystreams",
        "id": f"{offer['id']}/undo",
        "type": "Undo",
        "actor": zoe.uri,
        "object": offer,
    }
    await deliver_and_process(inst, stub, zoe, undo)
    await deliver_and_process(inst, stub, zoe, {**undo, "id": f"{offer['id']}/undo-again"})

    # Then the seat is free, the booking cancelled and Ana told once
    assert await held(inst, ride) == 0
    async with inst.db.read() as conn:
        [(booking, _)] = await booking_store.list_for_ride(
            conn, ride.id, states=("pending", "accepted", "cancelled")
        )
    assert booking.state == "cancelled"
    assert (await _told(inst, driver)).count("ride_booking_cancelled") == 1


async def test_an_undo_from_someone_else_frees_nothing(inst, stub, driver):
    ride = await rides.publish_ride(inst.services, driver, market())
    zoe, yan = stub.add_actor("zoe"), stub.add_actor("yan")
    offer = booking_offer(zoe, ride, driver)
    await deliver_and_process(inst, stub, zoe, offer)

    undo = {"id": f"{yan.uri}#undo/1", "type": "Undo", "actor": yan.uri, "object": offer["id"]}
    await deliver_and_process(inst, stub, yan, {"@context": offer["@context"], **undo})

    assert await held(inst, ride) == 1


async def test_the_driver_cancelling_a_remote_booking_rejects_the_offer(inst, stub, driver):
    # Given Zoé's accepted booking
    ride = await rides.publish_ride(inst.services, driver, market())
    zoe = stub.add_actor("zoe")
    offer = booking_offer(zoe, ride, driver)
    await deliver_and_process(inst, stub, zoe, offer)
    async with inst.db.read() as conn:
        [(booking, _)] = await booking_store.list_for_ride(conn, ride.id)
    await rides.answer_booking(inst.services, driver, booking.id, accept=True)
    await send_out(inst)
    stub.received.clear()

    # When Ana cancels it
    await rides.cancel_booking(inst.services, driver, booking.id)

    # Then Zoé's server gets a Reject of her Offer, and the seat is free
    await send_out(inst)
    [reject] = stub.received_of_type("Reject")
    assert reject.path == "/users/zoe/inbox"
    assert reject.body["object"] == offer["id"] and reject.body["target"] == ride.uri
    assert await held(inst, ride) == 0


async def test_followers_servers_hear_the_seats_left_on_each_date(inst, stub, driver):
    # Given Zoé following Ana, and Ana's weekly ride with two seats
    zoe = stub.add_actor("zoe")
    await follows_us(inst, stub, zoe, driver)
    ride = await rides.publish_ride(inst.services, driver, market(weekly=True))
    await send_out(inst)
    [create] = stub.received_of_type("Create")
    dates = create.body["object"]["upcomingDates"]
    assert [d["seatsLeft"] for d in dates] == [2] * len(dates)
    assert dates[0]["departsOn"] == THURSDAY.date().isoformat()
    stub.received.clear()

    # When Bea takes both seats of the first Thursday
    bea = await resident(inst.federation, "bea")
    await rides.book_seats(inst.services, bea, ride.id, seats=2)

    # Then Zoé's server gets the ride's Update: that date is full, the next ones are not
    await send_out(inst)
    [update] = stub.received_of_type("Update")
    left = [d["seatsLeft"] for d in update.body["object"]["upcomingDates"]]
    assert left[0] == 0 and set(left[1:]) == {2}
