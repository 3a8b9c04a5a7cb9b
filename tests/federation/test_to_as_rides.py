"""A ride as a FEP-0837 listing: a Note Mastodon shows, seats as the intent's quantity,
the contribution as the reciprocal intent, departure and destination as Places, and our
terms expanding to our namespace with no undefined term."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, date, datetime

from activitypub import jsonld
from fedlocal.clock import FakeClock, use_clock
from fedlocal.federation import to_as
from fedlocal.federation.from_as import post_from_as
from fedlocal.models import Actor, Place, Post, RideBooking, RideDetails
from fedlocal.urls import Urls

URLS = Urls("https://parame.example")
WHEN = datetime(2026, 12, 1, 9, 0, tzinfo=UTC)
ANA = Actor(
    id=1,
    uri="https://parame.example/users/ana",
    type="Person",
    role="resident",
    username="ana",
    domain="parame.example",
    display_name="Ana",
    summary="",
    inbox_url="https://parame.example/users/ana/inbox",
    shared_inbox_url="https://parame.example/inbox",
    outbox_url=None,
    followers_url="https://parame.example/users/ana/followers",
    following_url=None,
    url=None,
    manually_approves_followers=False,
    created_at=WHEN,
    updated_at=WHEN,
)
RIDE = RideDetails(
    role="offer",
    origin=Place(name="Paramé", latitude=48.6606, longitude=-1.9892),
    destination=Place(name="Dinan"),
    departs_at=datetime(2026, 12, 10, 7, 0, tzinfo=UTC),
    arrives_at=datetime(2026, 12, 10, 7, 40, tzinfo=UTC),
    seats=2,
    weekly=True,
    until=date(2027, 6, 24),
    contribution_cents=350,
)
POST = Post(
    id=42,
    uri="https://parame.example/objects/42",
    type="Note",
    kind="ride",
    actor_id=1,
    is_local=True,
    visibility="public",
    content="<p>Paramé → Dinan · chaque jeudi 8 h · 2 places · 3,50 € par passager</p>",
    published=WHEN,
    created_at=WHEN,
    name="Paramé → Dinan",
    language="fr",
    category="carpooling",
    place=RIDE.origin,
    ride=RIDE,
    hashtags=("covoiturage",),
)


def test_a_ride_is_a_fep_0837_listing_with_its_places():
    document = to_as.object_document(POST, ANA, URLS)

    assert document["type"] == "Note" and document["purpose"] == "offer"
    assert document["content"].startswith("<p>Paramé → Dinan · chaque jeudi 8 h")
    assert document["publishes"] == {
        "type": "Intent",
        "id": f"{POST.uri}#primary",
        "action": "deliverService",
        "resourceQuantity": {"hasUnit": "one", "hasNumericalValue": "2"},
    }
    assert document["reciprocal"]["resourceQuantity"] == {
        "hasUnit": "EUR",
        "hasNumericalValue": "3.50",
    }
    assert (
        document["origin"]
        == document["location"]
        == {
            "type": "Place",
            "name": "Paramé",
            "latitude": 48.6606,
            "longitude": -1.9892,
        }
    )
    assert document["destination"] == {"type": "Place", "name": "Dinan"}
    assert (document["repeats"], document["repeatsUntil"]) == ("weekly", "2027-06-24")
    assert document["startTime"] == "2026-12-10T07:00:00Z"


def test_ride_terms_expand_to_our_namespace():
    create = to_as.create(POST, ANA, URLS)

    [expanded] = jsonld.expand(create)
    [obj] = expanded["https://www.w3.org/ns/activitystreams#object"]

    ns, xsd = "https://fedlocal.org/ns#", "http://www.w3.org/2001/XMLSchema#"
    assert obj[ns + "rideStatus"] == [{"@value": "open"}]
    assert obj[ns + "seats"] == [{"@value": 2}]
    assert obj[ns + "repeatsUntil"] == [{"@type": xsd + "date", "@value": "2027-06-24"}]
    [destination] = obj[ns + "destination"]
    assert destination["https://www.w3.org/ns/activitystreams#name"] == [{"@value": "Dinan"}]
    assert "https://joinmobilizon.org/ns#timezone" in obj
    assert not [key for key in obj if not key.startswith(("http", "@"))]


def test_the_drivers_answers():
    booking = RideBooking(
        id=3,
        ride_id=42,
        actor_id=9,
        departs_on=date(2026, 12, 10),
        seats=1,
        state="accepted",
        created_at=WHEN,
        offer_uri="https://nord.example/users/zoe#offers/7",
    )
    accept = to_as.accept_booking(ANA, POST, "https://nord.example/users/zoe", booking)
    reject = to_as.reject_booking(
        ANA, POST.uri, "https://nord.example/users/zoe", booking.offer_uri, "this ride is full"
    )

    assert accept["object"] == booking.offer_uri
    assert accept["result"]["stipulates"]["departsOn"] == "2026-12-10"
    [expanded] = jsonld.expand(accept)
    assert expanded["@type"] == ["https://www.w3.org/ns/activitystreams#Accept"]
    assert (reject["type"], reject["target"], reject["summary"]) == (
        "Reject",
        POST.uri,
        "this ride is full",
    )


def test_a_ride_reads_back_as_a_ride():
    data = post_from_as(to_as.object_document(POST, ANA, URLS))

    assert data.kind == "ride" and data.ride is not None
    assert data.ride.origin == RIDE.origin and data.ride.destination == RIDE.destination
    assert (data.ride.seats, data.ride.weekly, data.ride.until) == (2, True, RIDE.until)
    assert data.ride.contribution_cents == 350 and data.ride.departs_at == RIDE.departs_at
    assert data.content.startswith("<p>Paramé → Dinan")


def test_a_departed_ride_reads_back_departed_and_an_unknown_status_as_open():
    departed = replace(POST, ride=replace(RIDE, status="departed"))
    document = to_as.object_document(departed, ANA, URLS)
    assert document["rideStatus"] == "departed"
    data = post_from_as(document)
    assert data.ride is not None and data.ride.status == "departed"

    data = post_from_as({**document, "rideStatus": "finished"})
    assert data.ride is not None and data.ride.status == "open"


def test_the_seats_left_on_each_date_go_out_and_read_back():
    # Given the weekly ride with both seats of 17 December held, one of the 24th
    held = replace(RIDE, booked=((date(2026, 12, 17), 2), (date(2026, 12, 24), 1)))
    post = replace(POST, ride=held)

    with use_clock(FakeClock(WHEN)):
        document = to_as.object_document(post, ANA, URLS)
        [expanded] = jsonld.expand(to_as.create(post, ANA, URLS))

    # Then its next dates say how many seats are left on each, in our terms
    dates = document["upcomingDates"]
    assert [(d["departsOn"], d["seatsLeft"]) for d in dates[:3]] == [
        ("2026-12-10", 2),
        ("2026-12-17", 0),
        ("2026-12-24", 1),
    ]
    assert dates[0]["startTime"] == "2026-12-10T07:00:00Z"
    # A weekly ride has no one quantity left: FEP-0837's availableQuantity is not said
    assert "availableQuantity" not in document["publishes"]
    [obj] = expanded["https://www.w3.org/ns/activitystreams#object"]
    [listed] = obj["https://fedlocal.org/ns#upcomingDates"]
    assert listed["@list"][1]["https://fedlocal.org/ns#seatsLeft"] == [{"@value": 0}]

    # And a peer reads back the seats held per day
    data = post_from_as(document)
    assert data.ride is not None
    assert data.ride.booked == ((date(2026, 12, 17), 2), (date(2026, 12, 24), 1))


def test_a_one_off_ride_says_its_seats_left_as_available_quantity():
    once = replace(RIDE, weekly=False, until=None, booked=((date(2026, 12, 10), 1),))
    with use_clock(FakeClock(WHEN)):
        document = to_as.object_document(replace(POST, ride=once), ANA, URLS)

    assert document["publishes"]["availableQuantity"] == {
        "hasUnit": "one",
        "hasNumericalValue": "1",
    }
    assert [d["seatsLeft"] for d in document["upcomingDates"]] == [1]


def test_seats_left_that_make_no_sense_are_left_out():
    with use_clock(FakeClock(WHEN)):
        document = to_as.object_document(POST, ANA, URLS)
    document["upcomingDates"] = [
        {"departsOn": "2026-12-10", "seatsLeft": -1},
        {"departsOn": "2026-12-17", "seatsLeft": 9},
        {"departsOn": "not a day", "seatsLeft": 0},
        {"departsOn": "2026-12-24", "seatsLeft": True},
        "junk",
        {"departsOn": "2026-12-31", "seatsLeft": 0},
    ]

    data = post_from_as(document)

    assert data.ride is not None and data.ride.booked == ((date(2026, 12, 31), 2),)
