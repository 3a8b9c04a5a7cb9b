"""Events: what an organiser may publish, RSVPs from here and from other servers, the
organiser's decisions, capacity, leaving and cancelling.

The service half runs on a local world (no HTTP); the inbound half on a running instance
that a Mobilizon-shaped stub sends `Join` and `Leave` to, and whose answers (Accept,
Reject, Update) the stub records.
"""

from __future__ import annotations

from datetime import UTC, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest

from activitypub.addressing import PUBLIC
from fedlocal.federation.inbox_worker import InboxWorker
from fedlocal.services import events
from fedlocal.services import posts as post_service
from fedlocal.services.errors import Conflict, Forbidden, InvalidInput, NotFound
from fedlocal.services.events import EventInput
from fedlocal.store import notifications as notification_store
from fedlocal.store import participations as participation_store
from tests.services.sharing_support import (
    AREA,
    actor_at,
    deliver,
    deliver_and_process,
    effects,
    follows_us,
    fresh,
    last_queued_id,
    queued,
    remote_person,
    resident,
    send_out,
    stored,
)
from tests.support.instance import running_instance

PARIS = ZoneInfo("Europe/Paris")


def _saturday_afternoon() -> datetime:
    """A Saturday at 14:00 in Paris, about two months ahead: events start from now to two
    years ahead, so a test's event is dated from today."""
    day = (datetime.now(PARIS) + timedelta(days=60)).date()
    day += timedelta(days=(5 - day.weekday()) % 7)
    return datetime.combine(day, time(14), tzinfo=PARIS)


START = _saturday_afternoon()


def workshop(**changes) -> EventInput:
    """Ana's bicycle repair workshop, three hours on a Saturday afternoon."""
    fields = {
        "title": "Atelier réparation de vélos",
        "starts_at": START,
        "ends_at": START + timedelta(hours=3),
        "timezone": "Europe/Paris",
        "description": "Apportez vos vélos, on fournit les outils.",
        "venue": "Cour de l'école",
        "street": "12 rue de Dinan",
        "postal_code": "35400",
        "locality": "Saint-Malo",
        "quarter": "Intra-Muros",
    }
    return EventInput(**{**fields, **changes})


async def publish(services, organiser, **changes):
    return await events.publish_event(services, organiser, workshop(**changes))


async def participants(db, event) -> list[tuple[str, str]]:
    """(actor URI, state) of every pending or accepted participation."""
    async with db.read() as conn:
        found = await participation_store.list_for_event(
            conn, event.id, states=("pending", "accepted", "rejected")
        )
    return [(actor.uri, participation.state) for participation, actor in found]


async def notifications_of(db, actor, kind: str = "rsvp"):
    async with db.read() as conn:
        return await notification_store.list_for(conn, actor.id, types=(kind,))


# --- validation ----------------------------------------------------------------------------

REFUSED_INPUT = [
    pytest.param({"title": " "}, "title", "a title is required", id="title-blank"),
    pytest.param({"title": "é" * 121}, "title", "at most 120 characters", id="title-long"),
    pytest.param(
        {"ends_at": START - timedelta(minutes=1)},
        "ends_at",
        "the event must end after it starts",
        id="end-before-start",
    ),
    pytest.param(
        {"ends_at": START}, "ends_at", "the event must end after it starts", id="end-at-start"
    ),
    pytest.param(
        {"starts_at": datetime.now(UTC) - timedelta(hours=1), "ends_at": None},
        "starts_at",
        "the event cannot start in the past",
        id="start-in-the-past",
    ),
    pytest.param(
        {"starts_at": datetime(9999, 12, 31, 20, tzinfo=UTC), "ends_at": None},
        "starts_at",
        "the event must start within the next two years",
        id="year-9999",
    ),
    pytest.param(
        {"starts_at": datetime.now(UTC) + timedelta(days=2 * 366 + 1), "ends_at": None},
        "starts_at",
        "the event must start within the next two years",
        id="beyond-two-years",
    ),
    pytest.param(
        {"ends_at": START + timedelta(days=32)},
        "ends_at",
        "an event lasts at most 31 days",
        id="too-long",
    ),
    pytest.param(
        {"starts_at": START.replace(tzinfo=None), "ends_at": None},
        "starts_at",
        "dates need a time zone",
        id="naive-start",
    ),
    pytest.param(
        {"ends_at": START.replace(tzinfo=None, hour=17)},
        "ends_at",
        "dates need a time zone",
        id="naive-end",
    ),
    pytest.param({"capacity": 0}, "capacity", "a positive number of places", id="capacity-0"),
    pytest.param(
        {"capacity": -5}, "capacity", "a positive number of places", id="capacity-negative"
    ),
    pytest.param(
        {"capacity": 100_001}, "capacity", "a positive number of places", id="capacity-huge"
    ),
    pytest.param(
        {"timezone": "Mars/Olympus_Mons"},
        "timezone",
        "unknown time zone 'Mars/Olympus_Mons'",
        id="time-zone",
    ),
    pytest.param(
        {"join_mode": "invite"}, "join_mode", "join mode is one of free, restricted", id="mode"
    ),
    pytest.param(
        {"join_mode": "external"},
        "external_url",
        "external participation needs its URL",
        id="external-without-url",
    ),
    pytest.param(
        {"join_mode": "external", "external_url": "   "},
        "external_url",
        "external participation needs its URL",
        id="external-blank-url",
    ),
    pytest.param(
        {"join_mode": "external", "external_url": "javascript:alert(1)"},
        "external_url",
        "the participation link must be an http(s) URL",
        id="external-script-url",
    ),
    pytest.param({"category": "rave"}, "category", "unknown category 'rave'", id="category"),
    pytest.param(
        {"description": "x" * 5001}, "description", "at most 5000 characters", id="description"
    ),
    pytest.param({"visibility": "direct"}, "visibility", "visibility must be one of", id="dm"),
    pytest.param({"venue": "v" * 201}, "venue", "at most 200 characters", id="venue-long"),
    pytest.param({"quarter": "Atlantis"}, "quarter", "unknown quarter 'Atlantis'", id="quarter"),
]


@pytest.mark.parametrize(("changes", "field", "words"), REFUSED_INPUT)
async def test_bad_input_is_refused_naming_the_field_and_stores_nothing(
    world, ana, changes, field, words
):
    before = await effects(world.db)

    with pytest.raises(InvalidInput) as refused:
        await publish(world.services, ana, **changes)

    assert refused.value.field == field
    assert words in refused.value.message
    assert await effects(world.db) == before


async def test_an_event_starting_minutes_ago_is_still_published(world, ana):
    # A form filled in slowly: the start it gave has just gone by.
    starts = datetime.now(UTC).replace(microsecond=0) - timedelta(minutes=5)

    event = await publish(world.services, ana, starts_at=starts, ends_at=None)

    assert event.event is not None and event.event.starts_at == starts


async def test_only_our_residents_and_groups_organise(world):
    stranger = await remote_person(world.federation, "mallory")
    before = await effects(world.db)

    for organiser in (stranger, world.federation.actors.instance):
        with pytest.raises(Forbidden, match="only residents and groups organise events here"):
            await publish(world.services, organiser)

    assert await effects(world.db) == before


async def test_a_published_event_keeps_its_venue_and_goes_out_for_mobilizon(world, ana):
    after = await last_queued_id(world.db)

    event = await publish(
        world.services,
        ana,
        description="Réparez **vous-mêmes** <script>alert(1)</script>",
        capacity=12,
        category="neighbourhood-life",
    )

    # The venue's address is public (it is an event), the map point is the quarter's
    assert event.place is not None
    assert event.place.name == "Cour de l'école"
    assert event.place.address_lines == ("12 rue de Dinan", "35400 Saint-Malo")
    assert (event.place.latitude, event.place.longitude) == (48.649, -2.026)
    assert list(event.hashtags) == ["evenement", "viedequartier"]
    assert "<strong>vous-mêmes</strong>" in event.content and "<script" not in event.content
    # And the Create carries what Mobilizon reads
    create, boost = await queued(world.db, after=after)
    document = create.body["object"]
    assert (create.type, document["type"], document["to"]) == ("Create", "Event", [PUBLIC])
    assert document["startTime"] == START.isoformat(timespec="seconds")
    assert document["timezone"] == "Europe/Paris"
    assert (document["joinMode"], document["maximumAttendeeCapacity"]) == ("free", 12)
    assert (document["participantCount"], document["remainingAttendeeCapacity"]) == (0, 12)
    assert "<script" not in document["content"]
    assert boost.type == "Announce"


async def test_the_venue_is_placed_at_its_own_point_with_its_postal_address(world, ana):
    after = await last_queued_id(world.db)

    # When ana places her event at the school's courtyard, a few hundred metres from the
    # centre of Intra-Muros
    event = await publish(world.services, ana, latitude=48.651234, longitude=-2.024567)

    # Then the event keeps the venue's own point (to about a metre), named by its quarter
    assert event.place is not None
    assert (event.place.latitude, event.place.longitude) == (48.65123, -2.02457)
    # And its Create carries a whole PostalAddress, as Mobilizon sends one
    create, _boost = await queued(world.db, after=after)
    location = create.body["object"]["location"]
    assert location == {
        "type": "Place",
        "name": "Cour de l'école",
        "address": {
            "type": "PostalAddress",
            "streetAddress": "12 rue de Dinan",
            "postalCode": "35400",
            "addressLocality": "Saint-Malo",
        },
        "latitude": 48.65123,
        "longitude": -2.02457,
    }


async def test_without_a_point_or_quarter_a_locality_the_gazetteer_knows_places_it(world, ana):
    event = await publish(world.services, ana, quarter=None, locality="Paramé")

    assert event.place is not None
    assert event.place.locality == "Paramé"
    assert (event.place.latitude, event.place.longitude) == (48.661, -1.989)


# --- local RSVPs ---------------------------------------------------------------------------


async def test_a_free_event_accepts_a_local_join_and_counts_it(world, ana, bea):
    # Given ana's free event with 10 places
    event = await publish(world.services, ana, capacity=10)
    after = await last_queued_id(world.db)

    # When bea joins
    participation = await events.join_event(world.services, bea, event.uri, " J'arrive ! ")

    # Then she is in, the count and the remaining places say so, ana is told
    assert (participation.state, participation.message) == ("accepted", "J'arrive !")
    stored_event = await fresh(world.db, event)
    assert stored_event.event.participant_count == 1
    assert stored_event.event.remaining_places == 9
    [notification] = await notifications_of(world.db, ana)
    assert (notification.actor_id, notification.post_id) == (bea.id, event.id)
    # And one Update tells followers the new count
    [update] = await queued(world.db, after=after)
    assert update.type == "Update" and update.followers_of == ana.id
    assert update.body["object"]["participantCount"] == 1
    assert update.body["object"]["remainingAttendeeCapacity"] == 9


async def test_joining_twice_counts_once(world, ana, bea):
    event = await publish(world.services, ana)
    first = await events.join_event(world.services, bea, event.uri)
    before = await effects(world.db)

    again = await events.join_event(world.services, bea, event.uri)

    assert again == first
    assert await effects(world.db) == before
    assert (await fresh(world.db, event)).event.participant_count == 1


async def test_a_restricted_event_waits_for_the_organisers_decision(world, ana, bea, carl):
    # Given ana's restricted event, and bea's request to join
    event = await publish(world.services, ana, join_mode="restricted")
    after = await last_queued_id(world.db)
    pending = await events.join_event(world.services, bea, event.uri, "Je peux aider")

    # Then it is pending: not counted, nothing sent, ana notified
    assert pending.state == "pending"
    assert (await fresh(world.db, event)).event.participant_count == 0
    assert await queued(world.db, after=after) == []
    assert len(await notifications_of(world.db, ana)) == 1

    # When carl (not the organiser) tries to decide, he is refused and nothing changes
    before = await effects(world.db)
    with pytest.raises(Forbidden, match="only the organiser decides"):
        await events.decide(world.services, carl, pending.id, True)
    assert await effects(world.db) == before

    # When ana accepts
    accepted = await events.decide(world.services, ana, pending.id, True)

    # Then bea is in and counted, and one Update says so
    assert accepted.state == "accepted"
    assert await participants(world.db, event) == [(bea.uri, "accepted")]
    assert (await fresh(world.db, event)).event.participant_count == 1
    [update] = await queued(world.db, after=after)
    assert update.body["object"]["participantCount"] == 1

    # And deciding again is a conflict that changes nothing
    before = await effects(world.db)
    with pytest.raises(Conflict, match="this participation is already accepted"):
        await events.decide(world.services, ana, pending.id, False)
    assert await effects(world.db) == before


async def test_a_rejected_remote_participant_gets_a_reject(world, ana):
    # Given a remote person's pending Join to ana's restricted event
    event = await publish(world.services, ana, join_mode="restricted")
    lea = await remote_person(world.federation, "lea")
    join_uri = "https://mastodon.example/users/lea#join/1"
    async with world.db.write() as conn:
        outcome = await events.receive_join(world.services, conn, lea, event.uri, join_uri, None)
    assert outcome == "pending"
    async with world.db.read() as conn:
        pending = await participation_store.get_by_join_uri(conn, join_uri)
    after = await last_queued_id(world.db)

    # When ana rejects it
    rejected = await events.decide(world.services, ana, pending.id, False)

    # Then it is rejected, not counted, and a Reject of her Join goes to lea alone
    assert rejected.state == "rejected"
    assert await participants(world.db, event) == [(lea.uri, "rejected")]
    assert (await fresh(world.db, event)).event.participant_count == 0
    [reject] = await queued(world.db, after=after)
    assert reject.type == "Reject"
    assert reject.body["object"]["id"] == join_uri
    assert (reject.followers_of, reject.inboxes) == (None, [lea.inbox_url])


async def test_accepting_when_full_is_refused(world, ana, bea, carl):
    # Given one place, and two pending requests
    event = await publish(world.services, ana, join_mode="restricted", capacity=1)
    first = await events.join_event(world.services, bea, event.uri)
    second = await events.join_event(world.services, carl, event.uri)
    await events.decide(world.services, ana, first.id, True)
    before = await effects(world.db)

    # When ana accepts the second
    with pytest.raises(Conflict, match="this event is full") as refused:
        await events.decide(world.services, ana, second.id, True)

    # Then it stays pending, and nothing changed
    assert refused.value.field == "capacity"
    assert await effects(world.db) == before
    assert await participants(world.db, event) == [(bea.uri, "accepted"), (carl.uri, "pending")]


async def test_capacity_counts_accepted_participants_and_refuses_beyond(world, ana, bea, carl):
    # Given two places, both taken
    event = await publish(world.services, ana, capacity=2)
    await events.join_event(world.services, bea, event.uri)
    await events.join_event(world.services, carl, event.uri)
    full = await fresh(world.db, event)
    assert (full.event.participant_count, full.event.remaining_places) == (2, 0)
    assert full.event.is_full
    dora = await resident(world.federation, "dora")
    before = await effects(world.db)

    # When a third resident joins
    with pytest.raises(Conflict, match="this event is full") as refused:
        await events.join_event(world.services, dora, event.uri)

    # Then she is refused and nothing is stored
    assert (refused.value.field, refused.value.status) == ("event", 409)
    assert await effects(world.db) == before


@pytest.mark.parametrize(
    ("changes", "words"),
    [
        ({}, "this event is cancelled"),
        (
            {"join_mode": "external", "external_url": "https://billetterie.example/velo"},
            "participation for this event happens on its own site",
        ),
    ],
    ids=["cancelled", "external"],
)
async def test_joining_where_nobody_can_join_is_a_conflict(world, ana, bea, changes, words):
    event = await publish(world.services, ana, **changes)
    if not changes:
        await events.cancel_event(world.services, ana, event.id)
    before = await effects(world.db)

    with pytest.raises(Conflict, match=words) as refused:
        await events.join_event(world.services, bea, event.uri)

    assert refused.value.field == "event"
    assert await effects(world.db) == before


async def test_joining_needs_a_resident_and_an_event(world, ana, bea):
    event = await publish(world.services, ana)
    note = await post_service.publish_note(world.services, ana, "Pas un événement")
    before = await effects(world.db)

    with pytest.raises(Forbidden, match="only residents take part in events"):
        await events.join_event(world.services, world.community, event.uri)
    for uri in (note.uri, f"{event.uri}0"):
        with pytest.raises(NotFound, match="no such event"):
            await events.join_event(world.services, bea, uri)

    assert await effects(world.db) == before


async def test_leaving_lowers_the_count_and_tells_followers(world, ana, bea):
    # Given bea takes part in ana's event
    event = await publish(world.services, ana, capacity=5)
    await events.join_event(world.services, bea, event.uri)
    after = await last_queued_id(world.db)

    # When she leaves
    await events.leave_event(world.services, bea, event.uri)

    # Then she is no longer counted, and one Update says so
    assert await participants(world.db, event) == []
    assert (await fresh(world.db, event)).event.remaining_places == 5
    [update] = await queued(world.db, after=after)
    assert update.body["object"]["participantCount"] == 0

    # And leaving again is a conflict that changes nothing
    before = await effects(world.db)
    with pytest.raises(Conflict, match="you are not taking part in this event"):
        await events.leave_event(world.services, bea, event.uri)
    assert await effects(world.db) == before


async def test_the_organiser_cannot_leave_their_own_event(world, ana):
    event = await publish(world.services, ana)
    await events.join_event(world.services, ana, event.uri)
    before = await effects(world.db)

    with pytest.raises(InvalidInput, match="the organiser cannot leave their own event"):
        await events.leave_event(world.services, ana, event.uri)

    assert await effects(world.db) == before


# --- cancelling ----------------------------------------------------------------------------


async def test_cancelling_tells_followers_and_remote_participants(world, ana, bea):
    # Given a remote participant and a local one
    event = await publish(world.services, ana)
    lea = await remote_person(world.federation, "lea")
    async with world.db.write() as conn:
        await events.receive_join(
            world.services, conn, lea, event.uri, "https://mastodon.example/j/1", None
        )
    await events.join_event(world.services, bea, event.uri)
    after = await last_queued_id(world.db)

    # When ana cancels
    cancelled = await events.cancel_event(world.services, ana, event.id)

    # Then the event is cancelled, and one Update reaches followers and lea
    assert cancelled.event.status == "cancelled"
    [update] = await queued(world.db, after=after)
    assert update.type == "Update"
    assert update.followers_of == ana.id
    assert set(update.extra_followers_of) == world.boost_audience
    assert update.inboxes == [lea.delivery_inbox]
    document = update.body["object"]
    assert (document["eventStatus"], document["ical:status"]) == ("EventCancelled", "CANCELLED")


async def test_only_the_organiser_cancels_and_only_once(world, ana, bea):
    event = await publish(world.services, ana)
    before = await effects(world.db)

    with pytest.raises(Forbidden, match="only the organiser can cancel this event"):
        await events.cancel_event(world.services, bea, event.id)
    assert await effects(world.db) == before

    await events.cancel_event(world.services, ana, event.id)
    before = await effects(world.db)
    with pytest.raises(Conflict, match="this event is already cancelled"):
        await events.cancel_event(world.services, ana, event.id)
    assert await effects(world.db) == before


# --- RSVPs from other servers --------------------------------------------------------------


@pytest.fixture
async def inst(tmp_path, stub):
    async with running_instance(tmp_path, run_workers=False, area=AREA) as instance:
        yield instance


@pytest.fixture
async def organiser(inst):
    return await resident(inst.federation, "ana")


@pytest.fixture
def maxime(stub):
    """A Mobilizon participant (the stub signs like Mastodon; the payloads are Mobilizon's)."""
    return stub.add_actor("maxime")


def mobilizon_join(actor, event, organiser, join_id: str = "1") -> dict:
    join = actor.fixture(
        "mobilizon/join.json", join_id=join_id, event=event.uri, organiser=organiser.uri
    )
    # Mobilizon's actors live at /@name; the stub serves its own at /users/name.
    join["actor"] = actor.uri
    return join


def leave_of(actor, event, leave_id: str = "1") -> dict:
    return {
        "@context": "https://www.w3.org/ns/activitystreams",
        "id": f"{actor.stub.base_url}/leave/event/{leave_id}",
        "type": "Leave",
        "actor": actor.uri,
        "object": event.uri,
    }


async def test_a_mobilizon_join_of_a_free_event_is_accepted_counted_and_announced(
    inst, stub, organiser, maxime
):
    # Given ana's free event with 10 places, followed by gerda (GoToSocial: a personal inbox)
    event = await publish(inst.services, organiser, capacity=10)
    gerda = stub.add_actor("gerda", software="gotosocial")
    await follows_us(inst, stub, gerda, organiser)
    await send_out(inst)
    stub.received.clear()

    # When maxime's Join arrives
    join = mobilizon_join(maxime, event, organiser)
    await deliver_and_process(inst, stub, maxime, join)

    # Then he is accepted, with his message, and counted
    assert await participants(inst.db, event) == [(maxime.uri, "accepted")]
    held = await fresh(inst.db, event)
    assert (held.event.participant_count, held.event.remaining_places) == (1, 9)
    assert len(await notifications_of(inst.db, organiser)) == 1

    # And his server gets ana's Accept, whose object is his Join
    await send_out(inst)
    [accept] = stub.received_of_type("Accept")
    assert accept.path == "/users/maxime/inbox"
    assert accept.body["actor"] == organiser.uri
    assert accept.body["object"] == {
        "id": join["id"],
        "type": "Join",
        "actor": maxime.uri,
        "object": event.uri,
    }
    assert await stub.signer_of(accept) == organiser.uri
    # And ana's follower gets the Update with the new count
    [update] = [u for u in stub.received_of_type("Update") if u.path == "/users/gerda/inbox"]
    assert update.body["object"]["id"] == event.uri
    assert update.body["object"]["participantCount"] == 1
    assert update.body["object"]["remainingAttendeeCapacity"] == 9


@pytest.mark.parametrize("why", ["full", "cancelled"])
async def test_a_join_of_a_full_or_cancelled_event_is_rejected_and_stores_nothing(
    inst, stub, organiser, maxime, why
):
    # Given ana's event with one place taken by bea, or cancelled
    event = await publish(inst.services, organiser, capacity=1)
    if why == "full":
        bea = await resident(inst.federation, "bea")
        await events.join_event(inst.services, bea, event.uri)
        held = [(bea.uri, "accepted")]
    else:
        await events.cancel_event(inst.services, organiser, event.id)
        held = []
    before = await stored(inst.db)

    # When maxime's Join arrives
    join = mobilizon_join(maxime, event, organiser)
    await deliver_and_process(inst, stub, maxime, join)

    # Then nothing is stored (no participation, no count, no notification)
    assert await stored(inst.db) == before
    assert await participants(inst.db, event) == held

    # And his server gets a Reject of his Join
    await send_out(inst)
    assert stub.received_of_type("Accept") == []
    [reject] = stub.received_of_type("Reject")
    assert reject.path == "/users/maxime/inbox"
    assert reject.body["object"]["id"] == join["id"]
    assert reject.body["object"]["object"] == event.uri


async def test_a_join_of_a_restricted_event_waits_then_the_decision_is_sent(
    inst, stub, organiser, maxime
):
    # Given ana's restricted event
    event = await publish(inst.services, organiser, join_mode="restricted")

    # When maxime's Join arrives
    join = mobilizon_join(maxime, event, organiser)
    await deliver_and_process(inst, stub, maxime, join)

    # Then it waits, uncounted, and ana is notified of it
    assert await participants(inst.db, event) == [(maxime.uri, "pending")]
    assert (await fresh(inst.db, event)).event.participant_count == 0
    [notification] = await notifications_of(inst.db, organiser)
    assert notification.actor_id == (await actor_at(inst.db, maxime.uri)).id
    await send_out(inst)
    assert stub.received_of_type("Accept") == []

    # When ana accepts
    async with inst.db.read() as conn:
        pending = await participation_store.get_by_join_uri(conn, join["id"])
    await events.decide(inst.services, organiser, pending.id, True)

    # Then maxime's server gets the Accept of his Join, and he is counted
    await send_out(inst)
    [accept] = stub.received_of_type("Accept")
    assert accept.body["object"]["id"] == join["id"]
    assert (await fresh(inst.db, event)).event.participant_count == 1


async def test_a_repeated_join_counts_once_and_is_confirmed_again(inst, stub, organiser, maxime):
    # Given maxime's accepted Join
    event = await publish(inst.services, organiser)
    first = mobilizon_join(maxime, event, organiser, "1")
    await deliver_and_process(inst, stub, maxime, first)

    # When the same Join is delivered again: acknowledged, not queued a second time
    await deliver(inst, stub, maxime, first)
    assert await InboxWorker(inst.federation).run_once() == 0

    # When his server sends a new Join (a retry after losing its state)
    second = mobilizon_join(maxime, event, organiser, "2")
    await deliver_and_process(inst, stub, maxime, second)

    # Then he is counted once, and each Join got its own Accept
    assert await participants(inst.db, event) == [(maxime.uri, "accepted")]
    assert (await fresh(inst.db, event)).event.participant_count == 1
    await send_out(inst)
    accepted = [accept.body["object"]["id"] for accept in stub.received_of_type("Accept")]
    assert sorted(accepted) == sorted([first["id"], second["id"]])


async def test_a_leave_lowers_the_count(inst, stub, organiser, maxime):
    # Given maxime takes part in ana's event
    event = await publish(inst.services, organiser, capacity=3)
    await deliver_and_process(inst, stub, maxime, mobilizon_join(maxime, event, organiser))
    after = await last_queued_id(inst.db)

    # When he leaves
    await deliver_and_process(inst, stub, maxime, leave_of(maxime, event))

    # Then he is no longer counted, and the Update with the count goes out
    assert await participants(inst.db, event) == []
    held = await fresh(inst.db, event)
    assert (held.event.participant_count, held.event.remaining_places) == (0, 3)
    [update] = await queued(inst.db, after=after)
    assert update.type == "Update"
    assert update.body["object"]["participantCount"] == 0


async def test_a_join_of_an_event_we_do_not_hold_is_ignored(inst, stub, organiser, maxime):
    # Given a note of ana's (not an event), and an event id nobody published
    note = await post_service.publish_note(inst.services, organiser, "Rien à rejoindre")
    before = await effects(inst.db)

    # When maxime sends a Join for each
    for number, target in enumerate((f"{inst.base_url}/objects/4242", note.uri)):
        join = mobilizon_join(maxime, note, organiser, str(number))
        join["object"] = target
        await deliver_and_process(inst, stub, maxime, join)

    # Then nothing is stored and nothing is answered
    assert await effects(inst.db) == before
