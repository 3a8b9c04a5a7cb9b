"""Offers and events between two instances over loopback HTTP.

A resident of B follows a resident of A. A's offer reaches B with its kind, category,
status and place; B's interest reaches its author on A as a direct message; reserving and
closing on A update B's copy. An event on A gets B's RSVP, accepted and counted, and once
its capacity is reached the next RSVP is refused.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from fedlocal.services import events, interest, listings
from fedlocal.services.accounts import create_account
from fedlocal.services.errors import Conflict
from fedlocal.services.events import EventInput
from fedlocal.services.listings import ListingInput
from fedlocal.store import interests as interest_store
from fedlocal.store import notifications as notification_store
from fedlocal.store import participations as participation_store
from fedlocal.store import posts as post_store
from tests.support.federation_steps import follow_across
from tests.support.instance import running_instance
from tests.support.waiting import wait_for

pytestmark = pytest.mark.e2e

QUARTERS = [{"name": "Intra-Muros", "latitude": 48.6493, "longitude": -2.0257}]


async def _post_at(instance, uri):
    async with instance.db.read() as conn:
        return await post_store.get_post_by_uri(conn, uri)


async def _participation(instance, event_uri, actor):
    async with instance.db.read() as conn:
        event = await post_store.get_post_by_uri(conn, event_uri)
        if event is None:
            return None
        return await participation_store.get(conn, event.id, actor.id)


@pytest.fixture
async def pair(tmp_path):
    async with (
        running_instance(tmp_path / "a", area={"quarters": QUARTERS}) as a,
        running_instance(tmp_path / "b") as b,
    ):
        yield a, b


async def test_offers_interest_and_events_travel_between_instances(pair):
    a, b = pair
    # Given ana on A, followed by bruno on B; carole on B follows nobody
    _, ana = await create_account(a.services, "ana", "secret-ana-1")
    _, bruno = await create_account(b.services, "bruno", "secret-bruno-1")
    _, carole = await create_account(b.services, "carole", "secret-carole-1")
    await follow_across(b, bruno, f"@ana@{a.config.domain}")

    # When ana offers a drill to lend in Intra-Muros
    offer = await listings.publish_listing(
        a.services,
        ana,
        ListingInput(
            kind="offer",
            intent="lend",
            title="Perceuse à prêter",
            description="Perceuse-visseuse **avec** forets, pour le week-end.",
            category="diy-gardening",
            quarter="intra-muros",
        ),
    )

    # Then B holds it as an open offer with its category and approximate place
    copy = await wait_for(lambda: _post_at(b, offer.uri), message="the offer to reach B")
    assert copy.kind == "offer"
    assert copy.name == "Perceuse à prêter"
    assert copy.category == "diy-gardening"
    assert copy.listing is not None and copy.listing.status == "open"
    assert copy.listing.intent == "lend"
    assert copy.place is not None and copy.place.name == "Intra-Muros"
    assert (copy.place.latitude, copy.place.longitude) == (48.649, -2.026)

    # When bruno says he is interested
    message = await interest.express_interest(b.services, bruno, offer.uri, "Samedi ça irait ?")

    # Then ana receives a direct message in reply to her offer, and an interest notification
    dm = await wait_for(lambda: _post_at(a, message.uri), message="the interest message on A")
    assert dm.visibility == "direct"
    assert dm.in_reply_to_uri == offer.uri
    assert "Samedi ça irait ?" in dm.content

    async def ana_notified():
        async with a.db.read() as conn:
            found = await notification_store.list_for(conn, ana.id, types=("interest",))
            listed = await interest_store.list_for_post(conn, offer.id)
        return found and [actor.uri for _i, actor in listed] == [bruno.uri]

    await wait_for(ana_notified, message="ana's interest notification")

    # When ana reserves the drill for bruno, then closes it as lent
    await listings.reserve(a.services, ana, offer.id, bruno.uri)

    async def reserved_on_b():
        post = await _post_at(b, offer.uri)
        return post.listing.status == "reserved" and post.listing.reserved_for == bruno.uri

    await wait_for(reserved_on_b, message="B to see the offer reserved for bruno")
    await listings.close(a.services, ana, offer.id)

    async def closed_on_b():
        post = await _post_at(b, offer.uri)
        return post.listing.status == "closed" and post.listing.closed_as == "lent"

    await wait_for(closed_on_b, message="B to see the offer closed as lent")

    # When ana publishes an event with one place, and bruno joins it from B
    starts = datetime.now(UTC).replace(microsecond=0) + timedelta(days=7)
    event = await events.publish_event(
        a.services,
        ana,
        EventInput(
            title="Atelier réparation de vélos",
            starts_at=starts,
            ends_at=starts + timedelta(hours=3),
            timezone="Europe/Paris",
            venue="Cour de l'école",
            street="12 rue de Dinan",
            postal_code="35400",
            locality="Saint-Malo",
            quarter="Intra-Muros",
            capacity=1,
            category="neighbourhood-life",
        ),
    )
    await wait_for(lambda: _post_at(b, event.uri), message="the event to reach B")

    # When bruno and carole both join from B before B knows of any participant
    await events.join_event(b.services, bruno, event.uri)
    await events.join_event(b.services, carole, event.uri, "Je peux apporter des rustines")

    # Then A accepts the first Join and counts it, and Rejects the second: the event is full
    async def decided_on_b():
        states = [await _participation(b, event.uri, person) for person in (bruno, carole)]
        return all(p is not None and p.state != "pending" for p in states) and states

    states = sorted(p.state for p in await wait_for(decided_on_b, message="both RSVPs decided"))
    assert states == ["accepted", "rejected"]
    async with a.db.read() as conn:
        event_on_a = await post_store.get_post_by_uri(conn, event.uri)
        on_a = await participation_store.list_for_event(conn, event_on_a.id)
    assert event_on_a.event.participant_count == 1
    assert len(on_a) == 1 and on_a[0][1].domain == b.config.domain

    # And B learns the count through the event's Update
    async def full_on_b():
        post = await _post_at(b, event.uri)
        return post.event.participant_count == 1 and post.event.remaining_places == 0

    await wait_for(full_on_b, message="B to see the event full")

    # When someone else on B tries now, B already knows the event is full
    _, dave = await create_account(b.services, "dave", "secret-dave-1")
    with pytest.raises(Conflict, match="full"):
        await events.join_event(b.services, dave, event.uri)
