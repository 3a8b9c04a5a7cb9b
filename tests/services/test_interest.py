"""'I'm interested': a direct message to the author in reply to the offer (what Mastodon
users see as a private mention), plus FEP-0837's `Offer(Agreement)` for marketplace-aware
peers and the author's `Accept` when the offer is reserved for them; and the same coming
in from other servers.
"""

from __future__ import annotations

from typing import Any

import pytest

from activitypub.addressing import PUBLIC
from fedlocal.federation import to_as
from fedlocal.federation.from_as import post_from_as
from fedlocal.services import inbound, interest, listings
from fedlocal.services import posts as post_service
from fedlocal.services.errors import Conflict, Forbidden, InvalidInput, NotFound
from fedlocal.services.listings import ListingInput
from fedlocal.store import interests as interest_store
from fedlocal.store import notifications as notification_store
from tests.services.sharing_support import (
    AREA,
    actor_at,
    create_of,
    deliver_and_process,
    effects,
    last_queued_id,
    post_at,
    queued,
    remote_person,
    resident,
    send_out,
    we_follow,
)
from tests.support.fixtures import load_fixture
from tests.support.instance import running_instance

MARKETPLACE_CONTEXT = [
    "https://www.w3.org/ns/activitystreams",
    {
        "vf": "https://w3id.org/valueflows/ont/vf#",
        "om2": "http://www.ontology-of-units-of-measure.org/resource/om-2/",
        "Agreement": "vf:Agreement",
        "Commitment": "vf:Commitment",
        "stipulates": "vf:stipulates",
        "satisfies": "vf:satisfies",
        "resourceQuantity": "vf:resourceQuantity",
        "hasUnit": "om2:hasUnit",
        "hasNumericalValue": "om2:hasNumericalValue",
    },
]


def drill(**changes) -> ListingInput:
    fields = {"kind": "offer", "intent": "lend", "title": "Perceuse à prêter"}
    return ListingInput(**{**fields, **changes})


async def interests_in(db, post) -> list[tuple[str, str | None, str | None]]:
    """(actor URI, message URI, FEP-0837 offer URI) of everyone interested in `post`."""
    async with db.read() as conn:
        found = await interest_store.list_for_post(conn, post.id)
    return [(actor.uri, row.message_uri, row.offer_uri) for row, actor in found]


async def notifications_of(db, actor, kind: str):
    async with db.read() as conn:
        return await notification_store.list_for(conn, actor.id, types=(kind,))


# --- from here ----------------------------------------------------------------------------


async def test_interest_is_a_direct_reply_to_the_author_only(world, ana, bea):
    # Given ana's offer
    offer = await listings.publish_listing(world.services, ana, drill())
    after = await last_queued_id(world.db)

    # When bea says she is interested
    dm = await interest.express_interest(world.services, bea, offer.uri, "Samedi, ça irait ?")

    # Then her message is a direct reply to the offer, starting with ana's mention
    assert (dm.visibility, dm.in_reply_to_uri) == ("direct", offer.uri)
    assert dm.content.startswith(f'<p><span class="h-card" translate="no"><a href="{ana.url}"')
    assert "Samedi, ça irait ?" in dm.content

    # And nothing is queued: ana is on this instance, there is no one to deliver to
    assert await queued(world.db, after=after) == []

    # And the Create as it would federate is addressed to ana alone, with a Mention tag
    create = to_as.create(dm, bea, world.services.urls)
    note = create["object"]
    assert (create["type"], note["type"]) == ("Create", "Note")
    assert note["inReplyTo"] == offer.uri
    assert (note["to"], note["cc"]) == ([ana.uri], [])
    assert (create["to"], create["cc"]) == ([ana.uri], [])
    assert PUBLIC not in str(create)
    assert {"type": "Mention", "href": ana.uri, "name": f"@{ana.handle}"} in note["tag"]

    # And the interest is recorded, and ana notified
    assert await interests_in(world.db, offer) == [(bea.uri, dm.uri, None)]
    [notification] = await notifications_of(world.db, ana, "interest")
    assert (notification.actor_id, notification.post_id) == (bea.id, offer.id)


async def test_without_a_message_a_polite_one_is_written_in_the_offers_language(world, ana, bea):
    offer = await listings.publish_listing(world.services, ana, drill())

    dm = await interest.express_interest(world.services, bea, offer.uri, "   ")

    assert "Bonjour, je suis intéressé·e par « Perceuse à prêter »." in dm.content


async def test_interest_is_recorded_and_notified_once(world, ana, bea):
    offer = await listings.publish_listing(world.services, ana, drill())
    first = await interest.express_interest(world.services, bea, offer.uri, "Intéressée !")

    await interest.express_interest(world.services, bea, offer.uri, "Toujours intéressée")

    assert await interests_in(world.db, offer) == [(bea.uri, first.uri, None)]
    assert len(await notifications_of(world.db, ana, "interest")) == 1


@pytest.mark.parametrize(
    ("then", "error", "words"),
    [
        pytest.param("reserve", Conflict, "this offer is reserved", id="reserved"),
        pytest.param("close", Conflict, "this offer is closed", id="closed"),
        pytest.param("cancel", Conflict, "this offer is cancelled", id="cancelled"),
    ],
)
async def test_interest_in_an_offer_that_is_no_longer_open_is_refused(
    world, ana, bea, then, error, words
):
    offer = await listings.publish_listing(world.services, ana, drill())
    if then == "reserve":
        await listings.reserve(world.services, ana, offer.id, "https://mastodon.example/users/lea")
    else:
        await getattr(listings, then)(world.services, ana, offer.id)
    before = await effects(world.db)

    with pytest.raises(error) as refused:
        await interest.express_interest(world.services, bea, offer.uri)

    assert (refused.value.message, refused.value.field) == (words, "status")
    assert await effects(world.db) == before


async def test_interest_in_ones_own_offer_or_by_a_non_resident_or_in_a_note_is_refused(world, ana):
    offer = await listings.publish_listing(world.services, ana, drill())
    note = await post_service.publish_note(world.services, ana, "Une simple note")
    stranger = await remote_person(world.federation, "mallory")
    before = await effects(world.db)

    with pytest.raises(InvalidInput, match="this is your own offer or request"):
        await interest.express_interest(world.services, ana, offer.uri)
    for someone in (world.community, stranger):
        with pytest.raises(Forbidden, match="only residents can answer offers and requests"):
            await interest.express_interest(world.services, someone, offer.uri)
    with pytest.raises(NotFound, match="no such offer or request"):
        await interest.express_interest(world.services, ana, note.uri)

    assert await effects(world.db) == before


async def test_a_mastodon_offer_gets_the_direct_message_only(world, bea):
    # Given a Mastodon user's #offre post we hold (no FEP-0837 terms)
    lea = await remote_person(world.federation, "lea")
    document = load_fixture(
        "mastodon/note-offer.json", base="https://mastodon.example", username="lea", status_id="7"
    )
    async with world.db.write() as conn:
        offer = (
            await inbound.keep_remote_post(conn, lea, post_from_as(document), solicited=True)
        ).post
    assert offer is not None and offer.kind == "offer"
    after = await last_queued_id(world.db)

    # When bea is interested
    dm = await interest.express_interest(world.services, bea, offer.uri)

    # Then only the direct message goes (no FEP-0837 Offer), to lea's server
    [create] = await queued(world.db, after=after)
    assert create.type == "Create"
    assert create.inboxes == [lea.delivery_inbox]
    assert await interests_in(world.db, offer) == [(bea.uri, dm.uri, None)]


# --- with other servers --------------------------------------------------------------------


@pytest.fixture
async def inst(tmp_path, stub):
    async with running_instance(tmp_path, run_workers=False, area=AREA) as instance:
        yield instance


@pytest.fixture
async def ana_here(inst):
    return await resident(inst.federation, "ana")


@pytest.fixture
def alice(stub):
    return stub.add_actor("alice")


def agreement_offer(actor, listing_uri: str, author_uri: str, offer_id: str = "1") -> dict:
    """FEP-0837's Offer of an agreement on a listing's primary intent."""
    return {
        "@context": MARKETPLACE_CONTEXT,
        "id": f"{actor.uri}/offers/{offer_id}",
        "type": "Offer",
        "actor": actor.uri,
        "to": [author_uri],
        "object": {
            "type": "Agreement",
            "stipulates": {
                "type": "Commitment",
                "satisfies": f"{listing_uri}#primary",
                "resourceQuantity": {"hasUnit": "one", "hasNumericalValue": "1"},
            },
        },
    }


def direct_reply(actor, status_id: str, listing_uri: str, to: str, text: str) -> dict[str, Any]:
    """A Mastodon direct message replying to a listing, mentioning `to`."""
    return actor.note(
        status_id,
        inReplyTo=listing_uri,
        to=[to],
        cc=[],
        content=f"<p>{text}</p>",
        contentMap={"fr": f"<p>{text}</p>"},
        tag=[{"type": "Mention", "href": to, "name": "@ana"}],
    )


async def test_interest_in_a_marketplace_listing_also_offers_an_agreement(
    inst, stub, ana_here, alice
):
    # Given ana follows alice, who publishes a FEP-0837 proposal (Mitra's shape)
    await we_follow(inst, stub, ana_here, alice)
    proposal = alice.fixture("mitra/proposal.json", proposal_id="31")
    await deliver_and_process(inst, stub, alice, create_of(alice, proposal))
    listing = await post_at(inst.db, proposal["id"])
    assert listing is not None and listing.kind == "offer"
    await send_out(inst)
    stub.received.clear()

    # When ana says she is interested
    dm = await interest.express_interest(inst.services, ana_here, proposal["id"], "Le mardi ?")
    await send_out(inst)

    # Then alice's server gets the direct reply, mentioning alice and addressed to her only
    [create] = stub.received_of_type("Create")
    note = create.body["object"]
    assert (note["id"], note["inReplyTo"]) == (dm.uri, proposal["id"])
    assert (note["to"], note["cc"]) == ([alice.uri], [])
    assert {"type": "Mention", "href": alice.uri, "name": f"@{alice.handle}"} in note["tag"]
    # And an Offer of an agreement on the proposal's primary intent, signed by ana
    [offer] = stub.received_of_type("Offer")
    assert offer.path == "/users/alice/inbox"
    assert offer.body["actor"] == ana_here.uri
    assert offer.body["object"]["type"] == "Agreement"
    assert offer.body["object"]["stipulates"]["satisfies"] == f"{proposal['id']}#primary"
    assert await stub.signer_of(offer) == ana_here.uri
    assert await interests_in(inst.db, listing) == [(ana_here.uri, dm.uri, offer.body["id"])]

    # When alice accepts the agreement
    accept = {
        "@context": MARKETPLACE_CONTEXT,
        "id": f"{alice.uri}/accepts/1",
        "type": "Accept",
        "actor": alice.uri,
        "to": [ana_here.uri],
        "object": offer.body["id"],
        "result": {"type": "Agreement", "id": f"{proposal['id']}/agreements/1"},
    }
    await deliver_and_process(inst, stub, alice, accept)

    # Then ana hears of it
    [notification] = await notifications_of(inst.db, ana_here, "agreement")
    assert notification.actor_id == (await actor_at(inst.db, alice.uri)).id


async def test_an_agreement_offer_from_elsewhere_is_interest_and_reserving_accepts_it(
    inst, stub, ana_here, alice
):
    # Given ana's offer
    offer = await listings.publish_listing(inst.services, ana_here, drill())

    # When alice's server sends a FEP-0837 Offer for it
    proposed = agreement_offer(alice, offer.uri, ana_here.uri)
    await deliver_and_process(inst, stub, alice, proposed)

    # Then it counts as alice's interest, with the Offer's id, and ana is notified
    assert await interests_in(inst.db, offer) == [(alice.uri, None, proposed["id"])]
    assert len(await notifications_of(inst.db, ana_here, "interest")) == 1

    # When ana reserves the offer for alice
    await listings.reserve(inst.services, ana_here, offer.id, alice.uri)
    await send_out(inst)

    # Then alice's server gets an Accept of its Offer carrying the agreement
    [accept] = stub.received_of_type("Accept")
    assert accept.path == "/users/alice/inbox"
    assert accept.body["object"] == proposed["id"]
    agreement = accept.body["result"]
    assert (agreement["type"], agreement["attributedTo"]) == ("Agreement", ana_here.uri)
    assert agreement["stipulates"]["satisfies"] == f"{offer.uri}#primary"
    assert await stub.signer_of(accept) == ana_here.uri
    # And the Update saying the offer is reserved for her
    [update] = stub.received_of_type("Update")
    assert update.body["object"]["listingStatus"] == "reserved"
    assert update.body["object"]["reservedFor"] == alice.uri


async def test_a_direct_reply_to_our_offer_is_interest_notified_once(inst, stub, ana_here, alice):
    # Given ana's offer
    offer = await listings.publish_listing(inst.services, ana_here, drill())

    # When alice answers it with a direct message to ana, twice
    first = direct_reply(alice, "301", offer.uri, ana_here.uri, "Je suis intéressée !")
    second = direct_reply(alice, "302", offer.uri, ana_here.uri, "Toujours dispo ?")
    for reply in (first, second):
        await deliver_and_process(inst, stub, alice, create_of(alice, reply))

    # Then her interest is recorded once, with her first message, and ana notified once
    assert await interests_in(inst.db, offer) == [(alice.uri, first["id"], None)]
    assert len(await notifications_of(inst.db, ana_here, "interest")) == 1
    assert await notifications_of(inst.db, ana_here, "mention") == []


async def test_replies_that_are_not_interest_and_offers_of_nothing_are_not_recorded(
    inst, stub, ana_here, alice
):
    # Given ana's offer and bea, another resident
    offer = await listings.publish_listing(inst.services, ana_here, drill())
    bea = await resident(inst.federation, "bea")

    # When alice replies privately to bea (not the author), and offers an agreement on a
    # listing we do not have
    aside = direct_reply(alice, "303", offer.uri, bea.uri, "Tu crois qu'elle la prête ?")
    await deliver_and_process(inst, stub, alice, create_of(alice, aside))
    nothing = agreement_offer(alice, f"{inst.base_url}/objects/4242", ana_here.uri, "2")
    await deliver_and_process(inst, stub, alice, nothing)

    # Then no interest is recorded; bea heard of the message as a mention
    assert await interests_in(inst.db, offer) == []
    assert await notifications_of(inst.db, ana_here, "interest") == []
    assert len(await notifications_of(inst.db, bea, "mention")) == 1
