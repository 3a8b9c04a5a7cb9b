"""Rides on the web: a driver publishes one, a neighbour books a seat, the driver accepts,
seats left are shown, the booked ride is in the passenger's calendar; wrong input is
refused beside its field, in the visitor's language, with nothing stored."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import func, select

from fedlocal.services import rides
from fedlocal.services.rides import RideInput
from fedlocal.store import posts as post_store
from fedlocal.store.extras import POST_EXTRAS
from fedlocal.store.tables import objects, ride_bookings

from .conftest import make_resident
from .web_client import WebClient, notice


def _day(days: int) -> str:
    return (datetime.now(UTC) + timedelta(days=days)).date().isoformat()


def ride_form(**changes: str) -> dict[str, str]:
    return {
        "role": "offer",
        "origin": "Paramé",
        "destination": "Dinan",
        "departs_on": _day(10),
        "departs_time": "08:00",
        "arrives_time": "08:40",
        "repeat": "once",
        "seats": "2",
        "contribution": "3,50",
        "notes": "Un panier par personne.",
        "visibility": "public",
        **changes,
    }


async def _count(inst, table) -> int:
    async with inst.db.read() as conn:
        return (await conn.execute(select(func.count()).select_from(table))).scalar_one()


async def test_a_neighbour_books_a_seat_and_the_driver_accepts(inst, alice, alice_web):
    # Given Alice's ride to Dinan
    published = await alice_web.submit("/new/ride", "/new/ride", ride_form())
    assert published.status_code == 303, published.text[:2000]
    page = published.headers["location"]
    shown = await alice_web.get(page)
    assert "Paramé" in shown.text and "Dinan" in shown.text and "3.5" in shown.text
    assert "2 seats left" in shown.text
    await make_resident(inst, "bob")
    async with WebClient(inst.base_url) as bob:
        await bob.log_in("bob")

        # When Bob books one seat
        booked = await bob.submit(page, f"{page}/book", {"seats": "1"})

        # Then one seat is left, and Alice answers
        assert booked.status_code == 303 and notice(booked) == "ride-booked"
        seen = await bob.get(page)
        assert "1 seat left" in seen.text and "waiting for the driver" in seen.text
        driver_view = await alice_web.get(page)
        booking_id = driver_view.text.split('name="booking" value="', 1)[1].split('"', 1)[0]
        answered = await alice_web.submit(
            page, f"{page}/ride-answer", {"booking": booking_id, "decision": "accept"}
        )
        assert answered.status_code == 303
        assert "accepted by the driver" in (await bob.get(page)).text
        calendar = await bob.get("/rides.ics")
        assert calendar.status_code == 200
        assert calendar.headers["content-type"].startswith("text/calendar")
        assert "SUMMARY:Paramé → Dinan" in calendar.text
        assert "STATUS:CONFIRMED" in calendar.text

        # And booking more than is left is refused plainly
        await make_resident(inst, "carl")
    async with WebClient(inst.base_url, language="fr") as carl:
        await carl.log_in("carl")
        refused = await carl.submit(page, f"{page}/book", {"seats": "3"})
        assert refused.status_code == 409
        assert "Il ne reste que 1 places sur ce trajet" in refused.text
    assert await _count(inst, ride_bookings) == 1


async def test_the_driver_cancels_an_accepted_booking_and_the_passenger_sees_it(
    inst, alice, alice_web
):
    # Given Bob's seat on Alice's ride, accepted
    published = await alice_web.submit("/new/ride", "/new/ride", ride_form())
    page = published.headers["location"]
    await make_resident(inst, "bob")
    async with WebClient(inst.base_url) as bob:
        await bob.log_in("bob")
        await bob.submit(page, f"{page}/book", {"seats": "2"})
        assert "full" in (await bob.get(page)).text
        driver_view = await alice_web.get(page)
        booking_id = driver_view.text.split('name="booking" value="', 1)[1].split('"', 1)[0]
        await alice_web.submit(
            page, f"{page}/ride-answer", {"booking": booking_id, "decision": "accept"}
        )

        # When Alice cancels it from the passengers' list
        driver_view = await alice_web.get(page)
        assert "Cancel this booking" in driver_view.text
        form = {"booking": booking_id, "by": "driver"}
        asked = await alice_web.submit(page, f"{page}/cancel-booking", form, confirmed=False)
        assert asked.status_code == 200 and "Cancel this passenger" in asked.text
        assert "2 seats left" not in (await bob.get(page)).text  # asking changed nothing
        cancelled = await alice_web.submit(page, f"{page}/cancel-booking", form)
        assert cancelled.status_code == 303

        # Then Bob's page shows his booking cancelled (nothing left to cancel) and the
        # seats free again
        seen = await bob.get(page)
        assert "cancelled" in seen.text and "Cancel my booking" not in seen.text
        assert "2 seats left" in seen.text


RIDE_ERRORS = [
    pytest.param({"departs_on": _day(-2)}, "departs_on", "cannot leave in the past", id="past"),
    pytest.param({"arrives_time": "07:00"}, "arrives_time", "must arrive after", id="arrives"),
    pytest.param({"seats": "0"}, "seats", "from 1 to 8", id="no-seats"),
    pytest.param({"seats": "-3"}, "seats", "from 1 to 8", id="negative-seats"),
    pytest.param({"contribution": "lots"}, "contribution", "amount in euros", id="amount"),
]


@pytest.mark.parametrize(("changes", "field", "words"), RIDE_ERRORS)
async def test_a_wrong_ride_is_refused_beside_its_field(
    inst, alice, alice_web, changes, field, words
):
    before = await _count(inst, objects)

    response = await alice_web.submit("/new/ride", "/new/ride", ride_form(**changes))

    assert response.status_code == 422
    error = response.text.split(f'id="f-{field}-error"', 1)[1].split("</p>", 1)[0]
    assert words in error, error
    assert await _count(inst, objects) == before


async def test_a_ride_shows_on_the_landing_page_and_in_the_feeds_what_filter(
    inst, alice, alice_web
):
    await alice_web.submit("/new/ride", "/new/ride", ride_form(repeat="weekly"))

    async with WebClient(inst.base_url) as visitor:
        landing = await visitor.get("/")
        feed = await visitor.get("/feed?kind=ride")
        offers = await visitor.get("/feed?kind=offer")

    assert "Paramé → Dinan" in landing.text and "Every week from" in landing.text
    assert '<option value="ride" selected>Rides</option>' in feed.text
    assert "Paramé → Dinan" in feed.text
    assert "Paramé → Dinan" not in offers.text


async def test_a_ride_that_has_left_is_no_longer_on_the_landing_page(inst, alice):
    # Given a ride that left yesterday (stored as it was)
    _, ana = await make_resident(inst, "ana")
    soon = datetime.now(UTC) + timedelta(hours=2)
    post = await rides.publish_ride(
        inst.services, ana, RideInput(origin="Paramé", destination="Cancale", departs_at=soon)
    )
    async with inst.db.write() as conn:
        extras = {name: getattr(post, name) for name in POST_EXTRAS}
        extras["ride"] = replace(post.ride, departs_at=soon - timedelta(days=1))
        await post_store.update_post(conn, post.id, **extras)

    async with WebClient(inst.base_url) as visitor:
        landing = await visitor.get("/")

    assert "Paramé → Cancale" not in landing.text
