"""A ride through the client API: a Mastodon app reads a plain summary in `content`, and
one that knows fedlocal reads the places, times and seats in `fedlocal.ride`."""

from __future__ import annotations

from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

from fedlocal.services import rides
from fedlocal.services.rides import RideInput

PARIS = ZoneInfo("Europe/Paris")


def _next_thursday_8() -> datetime:
    day = (datetime.now(PARIS) + timedelta(days=7)).date()
    day += timedelta(days=(3 - day.weekday()) % 7)
    return datetime.combine(day, time(8), tzinfo=PARIS)


async def dinan_ride(inst, driver):
    """`driver`'s weekly ride to the Thursday market in Dinan: two seats, 3 € each."""
    return await rides.publish_ride(
        inst.services,
        driver,
        RideInput(
            origin="Paramé",
            destination="Dinan",
            departs_at=_next_thursday_8(),
            weekly=True,
            seats=2,
            contribution="3",
            language="fr",
        ),
    )


async def test_a_ride_reads_plainly_and_in_detail(inst, http, ana, bob):
    # Given Ana's weekly ride to the Dinan market
    post = await dinan_ride(inst, ana.actor)
    departs = post.ride.departs_at

    # When Bob's Mastodon app reads it
    status = (await http.get(f"/api/v1/statuses/{post.id}", headers=bob.headers)).json()

    # Then the content says it in one line, and `fedlocal.ride` in detail
    assert "Paramé → Dinan · chaque jeudi 8 h · 2 places · 3 € par passager" in status["content"]
    ride = status["fedlocal"]["ride"]
    assert status["fedlocal"]["kind"] == "ride"
    assert ride["origin"]["name"] == "Paramé"
    assert ride["destination"] == {"name": "Dinan", "latitude": None, "longitude": None}
    assert ride["seats"] == 2 and ride["weekly"] is True and ride["status"] == "open"
    assert ride["contribution"] == {"amount": "3.00", "currency": "EUR"}
    assert ride["departs_at"].startswith(departs.astimezone(ZoneInfo("UTC")).date().isoformat())

    # And each coming Thursday with its seats left; a date fully booked is full
    dates = ride["dates"]
    assert len(dates) == 6 and dates[0]["date"] == departs.date().isoformat()
    assert all(d["seats_left"] == 2 and not d["full"] for d in dates)
    await rides.book_seats(inst.services, bob.actor, post.id, seats=2)
    status = (await http.get(f"/api/v1/statuses/{post.id}", headers=bob.headers)).json()
    dates = status["fedlocal"]["ride"]["dates"]
    assert (dates[0]["seats_left"], dates[0]["full"]) == (0, True)
    assert (dates[1]["seats_left"], dates[1]["full"]) == (2, False)

    # And once cancelled, the content says so
    await rides.cancel_ride(inst.services, ana.actor, post.id)
    status = (await http.get(f"/api/v1/statuses/{post.id}", headers=bob.headers)).json()
    assert "annulé" in status["content"]
    assert status["fedlocal"]["ride"]["status"] == "cancelled"
    assert status["fedlocal"]["ride"]["dates"] == []
