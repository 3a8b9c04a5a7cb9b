"""Offers, requests and events arriving at the inbox: who may change what, status updates
applied in order, a Mastodon `#offre` post read as an offer, a Mobilizon event's life.

A stub server signs and POSTs to a real instance (workers off); the test drives the inbox
worker and the delivery worker one step at a time.
"""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import func, select

from fedlocal.services import events, listings
from fedlocal.services.errors import Conflict
from fedlocal.services.listings import ListingInput
from fedlocal.store import actors as actor_store
from fedlocal.store import notifications as notification_store
from fedlocal.store import participations as participation_store
from fedlocal.store.tables import inbox_queue, received_activities
from tests.services.sharing_support import (
    create_of,
    deliver_and_process,
    last_queued_id,
    post_at,
    resident,
    send_out,
    update_of,
    we_follow,
)
from tests.support.databases import holding
from tests.support.remote_stub import RemoteStub, StubActor, remote_stub


@pytest.fixture
async def ana(inst):
    return await resident(inst.federation, "ana")


@pytest.fixture
def alice(stub) -> StubActor:
    return stub.add_actor("alice")


async def rows(inst, table) -> int:
    async with holding(inst.db, table).read() as conn:
        return (await conn.execute(select(func.count()).select_from(table))).scalar_one()


def fedlocal_offer(actor: StubActor, object_id: str, **patch: Any) -> dict[str, Any]:
    """An offer as another fedlocal instance publishes it (FEP-0837 and our terms)."""
    document = actor.fixture("fedlocal/note-offer.json", object_id=object_id)
    document.update(patch)
    return document


# --- who may update what -------------------------------------------------------------------


@pytest.mark.parametrize("claimed_author", ["alice", "mallory"])
async def test_an_update_of_someone_elses_post_from_the_same_server_changes_nothing(
    inst, stub, ana, alice, claimed_author
):
    # Given we hold alice's offer
    await we_follow(inst, stub, ana, alice)
    offer = fedlocal_offer(alice, "81", updated="2025-11-28T10:00:00.000Z")
    await deliver_and_process(inst, stub, alice, create_of(alice, offer))
    held = await post_at(inst.db, offer["id"])
    assert held is not None and held.listing.status == "open"

    # When mallory, on alice's server, sends an Update of it marking it closed (naming
    # alice as its author, or claiming it as hers)
    mallory = stub.add_actor("mallory")
    forged = {
        **offer,
        "attributedTo": stub.actors[claimed_author].uri,
        "listingStatus": "closed",
        "closedAs": "given",
        "updated": "2025-11-29T10:00:00.000Z",
    }
    await deliver_and_process(inst, stub, mallory, update_of(mallory, forged, "1"))

    # Then our copy is unchanged, and the activity is done with (not left to retry)
    assert await post_at(inst.db, offer["id"]) == held
    assert await rows(inst, inbox_queue) == 0


async def test_an_update_of_a_post_on_another_server_is_refused_at_the_inbox(
    inst, stub, ana, alice
):
    # Given we hold carol's note, carol being on another server
    async with remote_stub() as elsewhere:
        carol = elsewhere.add_actor("carol")
        await we_follow(inst, elsewhere, ana, carol)
        note = carol.note("501")
        await deliver_and_process(inst, elsewhere, carol, create_of(carol, note))
    held = await post_at(inst.db, note["id"])
    assert held is not None
    received = await rows(inst, received_activities)

    # When alice sends an Update of it, claiming it as hers
    forged = {
        **note,
        "attributedTo": alice.uri,
        "content": "<p>Arnaque</p>",
        "updated": "2030-01-01T00:00:00Z",
    }
    response = await stub.deliver(alice, f"{inst.base_url}/inbox", update_of(alice, forged, "2"))

    # Then it is refused with a reason, and nothing is queued or changed
    assert response.status_code == 403
    assert response.json() == {"error": "the object id is not on the actor's host"}
    assert (await rows(inst, inbox_queue), await rows(inst, received_activities)) == (0, received)
    assert await post_at(inst.db, note["id"]) == held


async def test_a_remote_status_change_of_our_residents_offer_is_refused(inst, stub, ana, alice):
    # Given ana's offer, known to alice's server
    offer = await listings.publish_listing(
        inst.services, ana, ListingInput(kind="offer", intent="give", title="Chaise")
    )
    after = await last_queued_id(inst.db)

    # When alice sends an Update of it marking it given
    forged = {
        "id": offer.uri,
        "type": "Note",
        "attributedTo": alice.uri,
        "content": "<p>Chaise</p>",
        "listingStatus": "closed",
        "closedAs": "given",
        "updated": "2030-01-01T00:00:00.000Z",
    }
    response = await stub.deliver(alice, f"{inst.base_url}/inbox", update_of(alice, forged, "3"))

    # Then it is refused, the offer is still open, and nothing is queued
    assert response.status_code == 403
    assert response.json() == {"error": "the object id is not on the actor's host"}
    assert await post_at(inst.db, offer.uri) == offer
    assert await rows(inst, inbox_queue) == 0
    assert await last_queued_id(inst.db) == after


# --- remote offers and requests ------------------------------------------------------------


async def test_a_remote_offers_status_changes_apply_in_order(inst, stub, ana, alice):
    # Given we hold alice's open offer
    await we_follow(inst, stub, ana, alice)
    offer = fedlocal_offer(alice, "82", updated="2025-11-28T10:00:00.000Z")
    await deliver_and_process(inst, stub, alice, create_of(alice, offer))

    async def status() -> tuple[str, str | None, str | None]:
        held = await post_at(inst.db, offer["id"])
        assert held is not None and held.listing is not None
        return held.listing.status, held.listing.reserved_for, held.listing.closed_as

    assert await status() == ("open", None, None)

    # When alice reserves it for ana, then closes it as lent
    reserved = {
        **offer,
        "listingStatus": "reserved",
        "reservedFor": ana.uri,
        "updated": "2025-11-29T10:00:00.000Z",
    }
    await deliver_and_process(inst, stub, alice, update_of(alice, reserved, "1"))
    assert await status() == ("reserved", ana.uri, None)
    closed = {
        **reserved,
        "listingStatus": "closed",
        "closedAs": "lent",
        "updated": "2025-11-30T10:00:00.000Z",
    }
    await deliver_and_process(inst, stub, alice, update_of(alice, closed, "2"))
    assert await status() == ("closed", ana.uri, "lent")

    # When an older Update arrives late (open again, stamped in between)
    stale = {**offer, "listingStatus": "open", "updated": "2025-11-29T12:00:00.000Z"}
    await deliver_and_process(inst, stub, alice, update_of(alice, stale, "0"))

    # Then it is ignored: the offer stays closed
    assert await status() == ("closed", ana.uri, "lent")


@pytest.mark.parametrize(
    ("fixture", "kind", "intent", "category", "title"),
    [
        pytest.param(
            "note-offer.json",
            "offer",
            "lend",
            "diy-gardening",
            "Scie sauteuse à prêter tout le mois de décembre",
            id="offre-pret-bricolage",
        ),
        pytest.param(
            "note-request-en.json",
            "request",
            "help",
            None,
            "Could someone help me carry a sofa up to the third floor on Saturday morning?",
            id="request-in-english",
        ),
    ],
)
async def test_a_tagged_mastodon_post_from_a_followed_account_becomes_a_listing(
    inst, stub, ana, alice, fixture, kind, intent, category, title
):
    # Given ana follows alice, who posts with #offre or #request
    await we_follow(inst, stub, ana, alice)
    note = alice.fixture(f"mastodon/{fixture}", status_id="91")

    # When it arrives
    await deliver_and_process(inst, stub, alice, create_of(alice, note))

    # Then we hold an open offer or request, titled from its first sentence
    held = await post_at(inst.db, note["id"])
    assert held is not None
    assert (held.kind, held.name, held.category) == (kind, title, category)
    assert held.listing is not None
    assert (held.listing.intent, held.listing.status) == (intent, "open")


# --- a Mobilizon event ---------------------------------------------------------------------


def mobilizon(actor: StubActor, fixture: str, **values: str) -> dict[str, Any]:
    """A Mobilizon activity by `actor`, organiser and group alike (Mobilizon's actors live
    at /@name; the stub serves its own at /users/name)."""
    activity = actor.fixture(f"mobilizon/{fixture}", uuid="5a1c", group=actor.username, **values)
    activity["actor"] = activity["object"]["actor"] = actor.uri
    activity["object"]["attributedTo"] = actor.uri
    return activity


async def test_a_mobilizon_event_is_created_joined_updated_and_cancelled(
    inst: Any, stub: RemoteStub, ana, alice
):
    # Given ana follows alice, who organises on Mobilizon
    await we_follow(inst, stub, ana, alice)

    # When alice's event arrives
    create = mobilizon(alice, "create-event.json")
    await deliver_and_process(inst, stub, alice, create)

    # Then we hold it with its date, mode, capacity, place and category
    uri = create["object"]["id"]
    held = await post_at(inst.db, uri)
    assert held is not None and held.kind == "event"
    assert held.name == "Marché des producteurs de Rocabey"
    assert held.event.starts_at.isoformat() == "2026-03-14T08:00:00+00:00"
    assert (held.event.timezone, held.event.join_mode) == ("Europe/Paris", "restricted")
    assert (held.event.capacity, held.event.participant_count) == (40, 0)
    assert held.event.status == "confirmed"
    assert held.place.name == "Halle de Rocabey"
    assert held.place.address_lines == ("14 boulevard de Rocabey", "35400 Saint-Malo")
    assert held.category == "local-shops"

    # When ana joins, alice's server gets the Join; when it accepts, ana is in
    participation = await events.join_event(inst.services, ana, uri, "J'apporte des sacs")
    assert participation.state == "pending"
    await send_out(inst)
    [join] = stub.received_of_type("Join")
    assert join.path == "/users/alice/inbox"
    assert (join.body["actor"], join.body["object"]) == (ana.uri, uri)
    assert join.body["participationMessage"] == "J'apporte des sacs"
    accept = {
        "@context": "https://www.w3.org/ns/activitystreams",
        "id": f"{stub.base_url}/accept/join/1",
        "type": "Accept",
        "actor": alice.uri,
        "object": join.body,
    }
    await deliver_and_process(inst, stub, alice, accept)
    async with inst.db.read() as conn:
        answered = await participation_store.get_by_join_uri(conn, join.body["id"])
        told = await notification_store.list_for(conn, ana.id, types=("rsvp_accepted",))
    assert answered is not None and answered.state == "accepted"
    assert len(told) == 1

    # When alice's server sends the updated count, then the cancellation
    await deliver_and_process(
        inst, stub, alice, mobilizon(alice, "update-event.json", update_id="1")
    )
    held = await post_at(inst.db, uri)
    assert (held.event.participant_count, held.event.remaining_places) == (12, 28)
    await deliver_and_process(
        inst, stub, alice, mobilizon(alice, "update-event-cancelled.json", update_id="2")
    )

    # Then our copy is cancelled, and nobody here can join it any more
    held = await post_at(inst.db, uri)
    assert held.event.status == "cancelled"
    bea = await resident(inst.federation, "bea")
    with pytest.raises(Conflict, match="this event is cancelled"):
        await events.join_event(inst.services, bea, uri)


# --- a group's event sent by its organiser (Mobilizon) ---------------------------------------


def group_event(organiser: StubActor, group: StubActor) -> dict[str, Any]:
    """Mobilizon's shape for a group's event: the organiser sends the Create, the event
    is attributed to the group, and both live on the same server."""
    create = organiser.fixture("mobilizon/create-event.json", uuid="9b2e", group=group.username)
    create["actor"] = create["object"]["actor"] = organiser.uri
    create["object"]["attributedTo"] = group.uri
    return create


async def test_a_groups_event_sent_by_its_organiser_is_the_groups_as_its_origin_says(
    inst, stub, ana, alice
):
    # Given ana follows the market's group on alice's server, which serves the event
    market = stub.add_actor("marche", type="Group")
    await we_follow(inst, stub, ana, market)
    create = group_event(alice, market)
    stub.serve(create["object"])

    # When alice, its organiser, sends the Create
    await deliver_and_process(inst, stub, alice, create)

    # Then we hold the event, authored by the group: the origin was asked
    held = await post_at(inst.db, create["object"]["id"])
    assert held is not None and held.kind == "event"
    async with inst.db.read() as conn:
        author = await actor_store.get_actor(conn, held.actor_id)
    assert author is not None and author.uri == market.uri
    assert stub.gets(create["object"]["id"]) == 1


async def test_a_groups_event_its_origin_does_not_serve_is_not_kept(inst, stub, ana, alice):
    # Given ana follows the group, and mallory on the same server forges an event in its
    # name that the server does not hold
    market = stub.add_actor("marche", type="Group")
    await we_follow(inst, stub, ana, market)
    mallory = stub.add_actor("mallory")
    create = group_event(mallory, market)

    # When mallory sends it
    await deliver_and_process(inst, stub, mallory, create)

    # Then nothing is kept, and the activity is done with
    assert await post_at(inst.db, create["object"]["id"]) is None
    assert await rows(inst, inbox_queue) == 0
