"""Offers and requests: what a resident may publish, how it is shaped (Markdown, place,
hashtags), the status machine, who hears of each change, and expiry.

    open ──reserve──▶ reserved ──close──▶ closed
      │  ◀──release──    │
      └──────cancel──────┴──▶ cancelled

Every refusal is checked twice: the error (its class, field and words) and that nothing
was stored or queued.
"""

from __future__ import annotations

import asyncio
from dataclasses import replace
from datetime import UTC, datetime, timedelta

import pytest

from activitypub.addressing import PUBLIC
from fedlocal.services import interest, listings
from fedlocal.services import posts as post_service
from fedlocal.services.errors import Conflict, Forbidden, InvalidInput, NotFound
from fedlocal.services.listings import ListingInput
from fedlocal.services.maintenance import INTERVAL_SECONDS as MAINTENANCE_INTERVAL
from fedlocal.services.maintenance import MaintenanceWorker
from fedlocal.store import posts as post_store
from tests.services.sharing_support import (
    BASE_URL,
    effects,
    fresh,
    last_queued_id,
    queued,
    remote_person,
)

MAY_FIRST = datetime(2031, 5, 1, 9, 0, tzinfo=UTC)


def drill(**changes) -> ListingInput:
    """Ana's usual offer: a drill to lend in Intra-Muros."""
    fields = {
        "kind": "offer",
        "intent": "lend",
        "title": "Perceuse à prêter",
        "description": "Perceuse-visseuse **avec** forets.",
        "category": "diy-gardening",
        "quarter": "Intra-Muros",
    }
    return ListingInput(**{**fields, **changes})


async def publish(world, author, **changes):
    return await listings.publish_listing(world.services, author, drill(**changes))


# --- validation ----------------------------------------------------------------------------

REFUSED_INPUT = [
    pytest.param({"title": ""}, "title", "a title is required", id="title-missing"),
    pytest.param({"title": " \n\t "}, "title", "a title is required", id="title-blank"),
    pytest.param({"title": "x" * 121}, "title", "at most 120 characters", id="title-long"),
    pytest.param({"kind": "gift"}, "kind", "kind must be offer or request", id="kind"),
    pytest.param({"category": "weapons"}, "category", "unknown category 'weapons'", id="category"),
    pytest.param(
        {"intent": "help"},
        "intent",
        "for an offer, choose one of give, lend, sell, service",
        id="request-intent-on-offer",
    ),
    pytest.param(
        {"kind": "request", "intent": "lend"},
        "intent",
        "for a request, choose one of help, item",
        id="offer-intent-on-request",
    ),
    pytest.param({"quantity": 0}, "quantity", "between 1 and 1000", id="quantity-zero"),
    pytest.param({"quantity": -2}, "quantity", "between 1 and 1000", id="quantity-negative"),
    pytest.param({"quantity": 1001}, "quantity", "between 1 and 1000", id="quantity-huge"),
    pytest.param(
        {"available_from": MAY_FIRST, "available_until": MAY_FIRST - timedelta(hours=1)},
        "available_until",
        "availability ends before it starts",
        id="end-before-start",
    ),
    pytest.param(
        {"available_from": MAY_FIRST, "available_until": MAY_FIRST + timedelta(days=367)},
        "available_until",
        "availability is at most a year",
        id="availability-too-long",
    ),
    pytest.param(
        {"available_from": datetime(2031, 5, 1, 9, 0)},
        "available_from",
        "dates need a time zone",
        id="naive-start",
    ),
    pytest.param(
        {"available_until": datetime(2031, 5, 1, 9, 0)},
        "available_until",
        "dates need a time zone",
        id="naive-end",
    ),
    pytest.param({"price": "5 €"}, "price", "goes with a sale only", id="price-on-a-loan"),
    pytest.param(
        {"intent": "sell", "price": "9" * 41}, "price", "40 characters at most", id="price-long"
    ),
    pytest.param(
        {"visibility": "direct"},
        "visibility",
        "visibility must be one of public, unlisted, followers",
        id="visibility",
    ),
    pytest.param(
        {"description": "x" * 5001}, "description", "at most 5000 characters", id="description"
    ),
    pytest.param({"quarter": "Atlantis"}, "quarter", "unknown quarter 'Atlantis'", id="quarter"),
    pytest.param(
        {"quarter": None, "latitude": 48.64},
        "latitude",
        "give both latitude and longitude",
        id="latitude-alone",
    ),
    pytest.param(
        {"quarter": None, "latitude": 91.0, "longitude": -2.0},
        "latitude",
        "these coordinates are not on Earth",
        id="off-earth",
    ),
]


@pytest.mark.parametrize(("changes", "field", "words"), REFUSED_INPUT)
async def test_bad_input_is_refused_naming_the_field_and_stores_nothing(
    world, ana, changes, field, words
):
    before = await effects(world.db)

    with pytest.raises(InvalidInput) as refused:
        await publish(world, ana, **changes)

    assert refused.value.field == field
    assert words in refused.value.message
    assert refused.value.status == 422
    assert await effects(world.db) == before


async def test_only_residents_and_groups_publish_offers(world):
    before = await effects(world.db)

    refusal = "only residents and groups publish offers and requests here"
    with pytest.raises(Forbidden, match=refusal):
        await publish(world, world.community)

    assert await effects(world.db) == before


async def test_accepted_input_is_normalised(world, ana):
    sale = await publish(
        world,
        ana,
        title="  Vélo   enfant\n16 pouces ",
        intent="sell",
        price=" 20 € ",
        quantity=2,
        available_from=MAY_FIRST,
        available_until=MAY_FIRST + timedelta(days=365),
        visibility="unlisted",
    )

    assert sale.name == "Vélo enfant 16 pouces"
    assert sale.visibility == "unlisted"
    assert sale.listing is not None
    assert (sale.listing.intent, sale.listing.status) == ("sell", "open")
    assert (sale.listing.price, sale.listing.quantity) == ("20 €", 2)
    assert sale.listing.available_until == MAY_FIRST + timedelta(days=365)


async def test_the_first_intent_of_the_kind_is_the_default(world, ana):
    gift = await publish(world, ana, intent=None)
    need = await publish(world, ana, kind="request", intent=None, title="Cherche un escabeau")

    assert gift.listing.intent == "give"
    assert need.listing.intent == "help"


# --- description, place, hashtags ----------------------------------------------------------


async def test_the_description_is_markdown_with_markup_and_scripts_neutralised(world, ana):
    # Given a title and a description with Markdown, raw HTML and a javascript: link
    description = (
        "Perceuse **avec** forets, voir [la notice](https://bosch.example/notice).\n\n"
        "<script>alert('vol')</script>\n\n"
        '[cliquez](javascript:alert(1)) <a href="javascript:steal()">ici</a>'
        " <img src=x onerror=alert(2)>"
    )

    # When ana publishes it
    after = await last_queued_id(world.db)
    offer = await publish(world, ana, title="<b>Perceuse</b>", description=description)

    # Then the Markdown is rendered, and nothing can run, here or in what is sent
    assert "<strong>avec</strong>" in offer.content
    assert (
        '<a href="https://bosch.example/notice" rel="nofollow noopener noreferrer">la notice</a>'
        in offer.content
    )
    create = (await queued(world.db, after=after))[0].body
    for content in (offer.content, create["object"]["content"]):
        assert "<script" not in content
        assert "<img" not in content
        assert '<a href="javascript:' not in content
        assert "&lt;script&gt;" in content  # shown as the text typed, not dropped silently
    # And the source is kept as typed, the title as plain text (escaped where it is HTML)
    assert offer.source == description.strip()
    assert offer.name == "<b>Perceuse</b>"
    assert create["object"]["content"].startswith(
        "<p><strong>&lt;b&gt;Perceuse&lt;/b&gt;</strong></p>"
    )


@pytest.mark.parametrize(
    ("where", "name", "point"),
    [
        pytest.param({"quarter": "intra-muros"}, "Intra-Muros", (48.649, -2.026), id="quarter"),
        pytest.param({"quarter": "PARAME"}, "Paramé", (48.661, -1.989), id="quarter-folded"),
        pytest.param(
            {"quarter": None, "latitude": 48.63712, "longitude": -2.01587},
            "Saint-Servan",
            (48.637, -2.016),
            id="coordinates-in-a-quarter",
        ),
        pytest.param(
            {"quarter": None, "latitude": 48.11734, "longitude": -1.67779},
            None,
            (48.117, -1.678),
            id="coordinates-far-from-any-quarter",
        ),
        pytest.param(
            {"quarter": "Paramé", "latitude": 48.64931, "longitude": -2.02571},
            "Paramé",
            (48.649, -2.026),
            id="named-quarter-wins",
        ),
        pytest.param({"quarter": None}, "Intra-Muros", (48.649, -2.026), id="default"),
    ],
)
async def test_the_place_is_a_rounded_point_named_from_the_gazetteer(
    world, ana, where, name, point
):
    after = await last_queued_id(world.db)

    offer = await publish(world, ana, **where)

    assert offer.place is not None
    assert offer.place.name == name
    assert (offer.place.latitude, offer.place.longitude) == point
    assert offer.place.address_lines == ()
    location = (await queued(world.db, after=after))[0].body["object"]["location"]
    assert "address" not in location
    assert (location["latitude"], location["longitude"]) == point


@pytest.mark.parametrize(
    ("changes", "hashtags"),
    [
        pytest.param({}, ["offre", "pret", "bricolage"], id="offer-to-lend"),
        pytest.param(
            {"intent": "give", "category": "objects"}, ["offre", "don", "objets"], id="gift"
        ),
        pytest.param(
            {"kind": "request", "intent": "help", "category": None},
            ["demande", "entraide"],
            id="request-for-help",
        ),
        pytest.param(
            {"kind": "request", "intent": "item", "category": "carpooling"},
            ["demande", "recherche", "covoiturage"],
            id="request-for-an-item",
        ),
    ],
)
async def test_the_hashtags_say_kind_intent_and_category(world, ana, changes, hashtags):
    after = await last_queued_id(world.db)

    post = await publish(world, ana, **changes)

    assert list(post.hashtags) == hashtags
    create = (await queued(world.db, after=after))[0].body
    assert [tag["name"] for tag in create["object"]["tag"]] == [f"#{h}" for h in hashtags]
    assert all(
        tag["href"] == f"{BASE_URL}/tags/{tag['name'][1:]}" for tag in create["object"]["tag"]
    )


async def test_a_public_offer_is_created_for_followers_and_boosted_by_the_community(world, ana):
    after = await last_queued_id(world.db)

    offer = await publish(world, ana)

    create, boost = await queued(world.db, after=after)
    assert create.type == "Create" and create.followers_of == ana.id
    assert create.body["object"]["id"] == offer.uri
    assert create.body["object"]["to"] == [PUBLIC]
    assert boost.type == "Announce" and boost.followers_of == world.community.id
    assert boost.body["object"] == offer.uri


@pytest.mark.parametrize("visibility", ["unlisted", "followers"])
async def test_a_non_public_offer_is_not_boosted(world, ana, visibility):
    after = await last_queued_id(world.db)

    await publish(world, ana, visibility=visibility)

    assert [item.type for item in await queued(world.db, after=after)] == ["Create"]


# --- the status machine --------------------------------------------------------------------


async def step(world, author, post, action: str, reserved_for: str):
    if action == "reserve":
        return await listings.reserve(world.services, author, post.id, reserved_for)
    return await getattr(listings, action)(world.services, author, post.id)


@pytest.mark.parametrize(
    ("path", "status", "closed_as", "kept_for"),
    [
        pytest.param(["reserve"], "reserved", None, True, id="open-reserved"),
        pytest.param(["reserve", "release"], "open", None, False, id="reserved-open"),
        pytest.param(["close"], "closed", "lent", False, id="open-closed"),
        pytest.param(["reserve", "close"], "closed", "lent", True, id="reserved-closed"),
        pytest.param(["cancel"], "cancelled", None, False, id="open-cancelled"),
        pytest.param(["reserve", "cancel"], "cancelled", None, False, id="reserved-cancelled"),
    ],
)
async def test_allowed_transitions_store_the_status_and_queue_one_update_each(
    world, ana, bea, path, status, closed_as, kept_for
):
    offer = await publish(world, ana)

    for action in path:
        after = await last_queued_id(world.db)
        changed = await step(world, ana, offer, action, bea.uri)
        # Each change: stored, and exactly one Update queued carrying the new status
        [update] = await queued(world.db, after=after)
        assert update.type == "Update"
        assert update.body["actor"] == ana.uri
        assert update.body["object"]["id"] == offer.uri
        assert update.body["object"]["listingStatus"] == changed.listing.status

    stored = await fresh(world.db, offer)
    assert stored.listing.status == status
    assert stored.listing.closed_as == closed_as
    assert stored.listing.reserved_for == (bea.uri if kept_for else None)
    assert stored.edited_at is not None


@pytest.mark.parametrize(
    ("intent", "asked", "outcome"),
    [
        ("give", None, "given"),
        ("lend", None, "lent"),
        ("service", None, "done"),
        ("lend", "given", "given"),
    ],
)
async def test_closing_says_how_it_ended(world, ana, intent, asked, outcome):
    offer = await publish(world, ana, intent=intent)

    closed = await listings.close(world.services, ana, offer.id, asked)

    assert closed.listing.closed_as == outcome
    update = (await queued(world.db))[-1].body
    assert update["object"]["closedAs"] == outcome


async def test_closing_as_something_else_is_refused(world, ana):
    offer = await publish(world, ana)
    before = await effects(world.db)

    with pytest.raises(InvalidInput, match="closed as given, lent or done") as refused:
        await listings.close(world.services, ana, offer.id, "sold")

    assert refused.value.field == "closed_as"
    assert await effects(world.db) == before


@pytest.mark.parametrize(
    ("path", "refused", "status"),
    [
        pytest.param([], "release", "open", id="open-release"),
        pytest.param(["reserve"], "reserve", "reserved", id="reserved-reserve"),
        *[
            pytest.param(["close"], action, "closed", id=f"closed-{action}")
            for action in ("reserve", "release", "close", "cancel")
        ],
        *[
            pytest.param(["cancel"], action, "cancelled", id=f"cancelled-{action}")
            for action in ("reserve", "release", "close", "cancel")
        ],
    ],
)
async def test_refused_transitions_are_a_conflict_and_change_nothing(
    world, ana, bea, path, refused, status
):
    offer = await publish(world, ana)
    for action in path:
        await step(world, ana, offer, action, bea.uri)
    before = await effects(world.db)

    with pytest.raises(Conflict) as caught:
        await step(world, ana, offer, refused, bea.uri)

    assert caught.value.message == f"this offer is {status}"
    assert (caught.value.field, caught.value.status) == ("status", 409)
    assert await effects(world.db) == before


@pytest.mark.parametrize("action", ["reserve", "release", "close", "cancel"])
async def test_only_the_author_changes_the_status(world, ana, bea, action):
    # Given ana's offer, reserved so that every action but reserve would be allowed to her
    offer = await publish(world, ana)
    if action != "reserve":
        await listings.reserve(world.services, ana, offer.id, bea.uri)
    before = await effects(world.db)

    # When bea tries
    with pytest.raises(Forbidden) as refused:
        await step(world, bea, offer, action, bea.uri)

    # Then she is told why, and the offer and the queue are as they were
    assert refused.value.message == "only the author can change this offer or request"
    assert refused.value.status == 403
    assert await effects(world.db) == before


async def test_a_status_change_of_something_else_is_not_found(world, ana):
    note = await post_service.publish_note(world.services, ana, "Bonjour le quartier")
    before = await effects(world.db)

    for post_id in (note.id, 9999):
        with pytest.raises(NotFound, match="no such offer or request"):
            await listings.cancel(world.services, ana, post_id)

    assert await effects(world.db) == before


async def test_reserving_for_something_that_is_not_an_actor_url_is_refused(world, ana):
    offer = await publish(world, ana)
    before = await effects(world.db)

    with pytest.raises(InvalidInput, match="reserve for an actor URL") as refused:
        await listings.reserve(world.services, ana, offer.id, "bea")

    assert refused.value.field == "reserved_for"
    assert await effects(world.db) == before


# --- who hears of a change -----------------------------------------------------------------


async def test_an_update_reaches_followers_community_interested_and_the_reserved_for(world, ana):
    # Given ana's public offer; lea (remote) said she was interested, and ana arranged
    # with carl (remote, on another server) elsewhere
    offer = await publish(world, ana)
    lea = await remote_person(world.federation, "lea", "mastodon.example")
    carl = await remote_person(world.federation, "carl", "gts.example")
    async with world.db.write() as conn:
        await interest.receive_agreement_offer(
            conn, lea, offer.uri, "https://mastodon.example/users/lea#offers/1"
        )
    after = await last_queued_id(world.db)

    # When ana reserves it for carl
    await listings.reserve(world.services, ana, offer.id, carl.uri)

    # Then one Update goes to ana's followers, the community's (and neighbours), lea, carl
    # (and carl, whose server does not read our steps, a direct message: see test_loans)
    [update] = [sent for sent in await queued(world.db, after=after) if sent.type == "Update"]
    assert update.followers_of == ana.id
    assert set(update.extra_followers_of) == world.boost_audience
    assert update.inboxes == ["https://gts.example/inbox", "https://mastodon.example/inbox"]
    assert update.body["object"]["reservedFor"] == carl.uri


@pytest.mark.parametrize("visibility", ["unlisted", "followers"])
async def test_an_update_of_a_non_public_offer_skips_the_community(world, ana, visibility):
    offer = await publish(world, ana, visibility=visibility)
    after = await last_queued_id(world.db)

    await listings.cancel(world.services, ana, offer.id)

    [update] = await queued(world.db, after=after)
    assert (update.followers_of, update.extra_followers_of, update.inboxes) == (ana.id, [], [])


@pytest.mark.parametrize("action", ["release", "cancel"])
async def test_the_person_it_was_reserved_for_hears_it_is_no_longer(world, ana, action):
    # Given ana reserved her offer for carl, who never wrote through us
    offer = await publish(world, ana)
    carl = await remote_person(world.federation, "carl", "gts.example")
    await listings.reserve(world.services, ana, offer.id, carl.uri)
    after = await last_queued_id(world.db)

    # When she releases or cancels it
    await step(world, ana, offer, action, carl.uri)

    # Then carl's server gets the Update too: its copy must not stay "reserved for carl"
    [update] = [sent for sent in await queued(world.db, after=after) if sent.type == "Update"]
    assert update.inboxes == ["https://gts.example/inbox"]
    assert "reservedFor" not in update.body["object"]


# --- expiry --------------------------------------------------------------------------------


async def test_an_open_offer_expires_after_the_configured_days(world, ana):
    # Given an offer published now: it expires listing_expiry_days later
    offer = await publish(world, ana)
    expires_at = offer.listing.expires_at
    assert expires_at - offer.published == timedelta(
        days=world.federation.config.listing_expiry_days
    )
    after = await last_queued_id(world.db)

    # When expiry runs a minute before: nothing happens
    assert await listings.expire_due(world.services, now=expires_at - timedelta(minutes=1)) == 0
    assert (await fresh(world.db, offer)).listing.status == "open"
    assert await queued(world.db, after=after) == []

    # When it runs after: the offer is closed (without an outcome) and one Update goes out
    assert await listings.expire_due(world.services, now=expires_at + timedelta(seconds=1)) == 1
    stored = await fresh(world.db, offer)
    assert (stored.listing.status, stored.listing.closed_as) == ("closed", None)
    [update] = await queued(world.db, after=after)
    assert update.type == "Update"
    assert update.body["object"]["listingStatus"] == "closed"
    assert set(update.extra_followers_of) == world.boost_audience

    # And running again finds nothing more to do
    assert await listings.expire_due(world.services, now=expires_at + timedelta(days=1)) == 0


async def test_expiry_leaves_reserved_and_cancelled_offers_alone(world, ana, bea):
    reserved = await publish(world, ana)
    await listings.reserve(world.services, ana, reserved.id, bea.uri)
    cancelled = await publish(world, ana)
    await listings.cancel(world.services, ana, cancelled.id)
    before = await effects(world.db)

    assert await listings.expire_due(world.services, now=MAY_FIRST + timedelta(days=3650)) == 0

    assert await effects(world.db) == before


async def test_the_maintenance_worker_expires_due_offers(world, ana):
    # Given an offer due at some moment, and one whose expiry was set two days later
    due = await publish(world, ana)
    not_due = await publish(world, ana, title="Escabeau à prêter")
    async with world.db.write() as conn:
        later_expiry = replace(
            not_due.listing, expires_at=due.listing.expires_at + timedelta(days=2)
        )
        await post_store.update_post(conn, not_due.id, listing=later_expiry)

    # When the maintenance worker runs an hour after the first one's expiry
    changed = await MaintenanceWorker(world.services).run_once(
        now=due.listing.expires_at + timedelta(hours=1)
    )

    # Then it closed that one only
    assert changed == 1
    assert (await fresh(world.db, due)).listing.status == "closed"
    assert (await fresh(world.db, not_due)).listing.status == "open"


async def test_a_maintenance_round_runs_in_one_process_at_a_time_once_per_interval(world, ana):
    # Given an offer past its expiry, and the maintenance timers of two processes
    due = await publish(world, ana)
    first, second = MaintenanceWorker(world.services), MaintenanceWorker(world.services)
    moment = due.listing.expires_at + timedelta(hours=1)

    # When both timers fire at the same moment
    changed = await asyncio.gather(first.run_round(now=moment), second.run_round(now=moment))

    # Then one round ran (it closed the offer) and the other left it to that one
    assert sorted(changed) == [0, 1]
    assert (await fresh(world.db, due)).listing.status == "closed"
    # And with another offer due, no process runs a round before the interval is over;
    # any process may after it
    also_due = await publish(world, ana, title="Escabeau à prêter")
    assert also_due.listing.expires_at < moment
    assert await second.run_round(now=moment + timedelta(seconds=10)) == 0
    assert (await fresh(world.db, also_due)).listing.status == "open"
    assert await second.run_round(now=moment + timedelta(seconds=MAINTENANCE_INTERVAL)) == 1
