"""Remote neighbours commit to our group purchases with a FEP-0837 `Offer(Agreement)`
carrying the quantity: counted and accepted with the `Agreement`, or rejected with the
reason and nothing counted (closed, cancelled, past the deadline, over what remains, a
fraction of a whole unit, blocked)."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta

import httpx
import pytest

from fedlocal.clock import FakeClock, use_clock
from fedlocal.federation.delivery import DeliveryWorker
from fedlocal.federation.inbox_worker import InboxWorker
from fedlocal.services import blocks, edits, views
from fedlocal.services import group_purchases as purchases
from fedlocal.services.errors import Conflict, InvalidInput
from fedlocal.services.group_purchases import PurchaseInput
from fedlocal.store import blocks as block_store
from fedlocal.store import notifications as notification_store
from tests.services.sharing_support import (
    AREA,
    actor_at,
    create_of,
    deliver,
    deliver_and_process,
    follows_us,
    fresh,
    last_queued_id,
    post_at,
    queued,
    resident,
    send_out,
    update_of,
    we_follow,
)
from tests.support.instance import running_instance

NOW = datetime.now(UTC)


@pytest.fixture
async def inst(tmp_path, stub):
    async with running_instance(tmp_path, run_workers=False, area=AREA) as instance:
        yield instance


@pytest.fixture
async def yann(inst):
    return await resident(inst.federation, "yann")


async def _firewood(inst, organiser, **changes):
    fields = {
        "title": "Bois de chauffage",
        "unit": "stere",
        "unit_price": "85",
        "minimum": "10",
        "maximum": "20",
        "deadline": NOW + timedelta(days=3),
        "pickup_at": NOW + timedelta(days=5),
        "pickup_place": "Parking du marché de Paramé",
        **changes,
    }
    return await purchases.propose(inst.services, organiser, PurchaseInput(**fields))


def commitment(actor, purchase, quantity, offer_id="1", unit="MTQ") -> dict:
    return {
        "@context": [
            "https://www.w3.org/ns/activitystreams",
            "https://w3id.org/fep/0837",
        ],
        "id": f"{actor.stub.base_url}/offers/{offer_id}",
        "type": "Offer",
        "actor": actor.uri,
        "object": {
            "type": "Agreement",
            "stipulates": {
                "type": "Commitment",
                "satisfies": f"{purchase.uri}#primary",
                "resourceQuantity": {"hasUnit": unit, "hasNumericalValue": quantity},
            },
        },
    }


async def _total(inst, post):
    _, purchase = await purchases.get(inst.services, post.id)
    return purchase.committed_milli


async def test_a_remote_neighbour_commits_and_gets_the_agreement(inst, stub, yann):
    post = await _firewood(inst, yann)
    rozenn = stub.add_actor("rozenn")
    await send_out(inst)
    stub.received.clear()

    offer = commitment(rozenn, post, "2.5")
    await deliver_and_process(inst, stub, rozenn, offer)

    assert await _total(inst, post) == 2_500
    await send_out(inst)
    [accept] = stub.received_of_type("Accept")
    assert accept.path == "/users/rozenn/inbox"
    assert accept.body["object"] == offer["id"]
    stipulated = accept.body["result"]["stipulates"]
    assert stipulated["satisfies"] == f"{post.uri}#primary"
    assert stipulated["resourceQuantity"] == {"hasUnit": "MTQ", "hasNumericalValue": "2.5"}

    # A second Offer from the same neighbour changes the quantity, never adds to it.
    await deliver_and_process(inst, stub, rozenn, commitment(rozenn, post, "4", offer_id="2"))
    assert await _total(inst, post) == 4_000
    _, held = await purchases.get(inst.services, post.id)
    assert held.committers == 1


REFUSED = [
    pytest.param({}, "21", "only 20 remain", id="over-maximum"),
    pytest.param({"unit": "box", "maximum": None}, "1.5", "whole units", id="fraction"),
    pytest.param({}, "-1", "more than zero", id="negative"),
    pytest.param({}, "beaucoup", "must be a number", id="not-a-number"),
]


@pytest.mark.parametrize(("changes", "quantity", "reason"), REFUSED)
async def test_a_commitment_the_purchase_cannot_take_is_rejected_and_not_counted(
    inst, stub, yann, changes, quantity, reason
):
    post = await _firewood(inst, yann, **changes)
    rozenn = stub.add_actor("rozenn")
    await send_out(inst)
    stub.received.clear()

    await deliver_and_process(inst, stub, rozenn, commitment(rozenn, post, quantity))

    assert await _total(inst, post) == 0
    await send_out(inst)
    [reject] = stub.received_of_type("Reject")
    assert reject.body["object"].endswith("/offers/1")
    assert reason in reject.body["content"]
    assert not stub.received_of_type("Accept")


async def test_after_the_deadline_or_once_cancelled_commitments_are_rejected(inst, stub, yann):
    late = await _firewood(inst, yann)
    cancelled = await _firewood(inst, yann)
    await purchases.decide(inst.services, yann, cancelled.id, confirm=False)
    rozenn = stub.add_actor("rozenn")
    await send_out(inst)
    stub.received.clear()

    with use_clock(FakeClock(NOW + timedelta(days=4))):
        await deliver_and_process(inst, stub, rozenn, commitment(rozenn, late, "1"))
    await deliver_and_process(inst, stub, rozenn, commitment(rozenn, cancelled, "1", "2"))

    assert (await _total(inst, late), await _total(inst, cancelled)) == (0, 0)
    await send_out(inst)
    reasons = sorted(r.body["content"] for r in stub.received_of_type("Reject"))
    assert reasons == [
        "the deadline for this group purchase has passed",
        "this group purchase is cancelled",
    ]


async def test_a_neighbour_the_organiser_blocks_is_rejected(inst, stub, yann):
    post = await _firewood(inst, yann)
    rozenn = stub.add_actor("rozenn")
    await deliver_and_process(inst, stub, rozenn, commitment(rozenn, post, "1", "0"))
    stub.received.clear()
    remote = await actor_at(inst.db, rozenn.uri)
    await blocks.block(inst.services, yann, remote.id)
    await send_out(inst)
    stub.received.clear()

    await deliver_and_process(inst, stub, rozenn, commitment(rozenn, post, "3", "1"))

    assert await _total(inst, post) == 1_000
    await send_out(inst)
    assert stub.received_of_type("Reject")


async def test_followers_get_the_purchase_as_a_fep_0837_note_with_its_terms(inst, stub, yann):
    """A Mastodon reader sees the summary in `content`; a FEP-0837 reader the Intent with
    unit, quantity and price; our terms say minimum, deadline and pickup."""
    post = await _firewood(inst, yann)
    async with httpx.AsyncClient(timeout=5.0, trust_env=False) as client:
        response = await client.get(post.uri, headers={"Accept": "application/activity+json"})
    document = response.json()

    assert document["type"] == "Note"
    assert (
        "Achat groupé : 85 € le stère, minimum 10 stères, maximum 20 stères" in document["content"]
    )
    assert "Parking du marché de Paramé" in document["content"]
    intent = document["publishes"]
    assert intent["resourceQuantity"] == {"hasUnit": "MTQ", "hasNumericalValue": "20"}
    assert intent["minimumQuantity"] == {"hasUnit": "MTQ", "hasNumericalValue": "10"}
    assert document["reciprocal"]["resourceQuantity"] == {
        "hasUnit": "EUR",
        "hasNumericalValue": "85.00",
    }
    assert document["commitDeadline"] and document["pickupTime"]
    assert (document["pickupPlace"], document["purchaseStatus"]) == (
        "Parking du marché de Paramé",
        "open",
    )
    terms = document["@context"][1]
    for term in ("commitDeadline", "pickupTime", "pickupPlace", "minimumQuantity", "publishes"):
        assert term in terms, term


async def test_a_remote_committer_hears_of_the_confirmation(inst, stub, yann):
    post = await _firewood(inst, yann)
    rozenn = stub.add_actor("rozenn")
    await deliver_and_process(inst, stub, rozenn, commitment(rozenn, post, "12"))
    await send_out(inst)
    stub.received.clear()

    await purchases.decide(inst.services, yann, post.id, confirm=True)

    await send_out(inst)
    updates = stub.received_of_type("Update")
    # To rozenn's server (its shared inbox): she follows nobody here, she committed.
    assert [u.path for u in updates] == ["/inbox"]
    [update] = updates
    assert update.body["object"]["purchaseStatus"] == "confirmed"
    assert update.body["object"]["committedQuantity"]["hasNumericalValue"] == "12"


async def test_a_local_and_a_remote_neighbour_racing_for_the_last_unit_one_wins(inst, stub, yann):
    """Given 19 of 20 stères taken, when bea (here) and rozenn (elsewhere) each ask for
    the last one at once, then one is counted and the other refused, and the total is 20."""
    post = await _firewood(inst, yann)
    carl = await resident(inst.federation, "carl")
    bea = await resident(inst.federation, "bea")
    await purchases.commit(inst.services, carl, post.id, "19")
    rozenn = stub.add_actor("rozenn")
    await send_out(inst)
    stub.received.clear()

    async def local() -> str:
        try:
            await purchases.commit(inst.services, bea, post.id, "1")
            return "counted"
        except Conflict as refused:
            return str(refused)

    outcome, _ = await asyncio.gather(
        local(), deliver_and_process(inst, stub, rozenn, commitment(rozenn, post, "1"))
    )

    assert await _total(inst, post) == 20_000
    await send_out(inst)
    accepted = stub.received_of_type("Accept")
    rejected = stub.received_of_type("Reject")
    if outcome == "counted":
        assert (len(accepted), [r.body["content"] for r in rejected]) == (0, ["only 0 remain"])
    else:
        assert outcome == "only 0 remain" and len(accepted) == 1 and not rejected


async def test_a_neighbour_whose_server_the_organiser_blocks_is_rejected(inst, stub, yann):
    post = await _firewood(inst, yann)
    rozenn = stub.add_actor("rozenn")
    await deliver_and_process(inst, stub, rozenn, commitment(rozenn, post, "1", "0"))
    remote = await actor_at(inst.db, rozenn.uri)
    # Yann hides rozenn's whole server (as the domain is kept for the stub's actors).
    async with inst.db.write() as conn:
        await block_store.add_domain_block(conn, yann.id, remote.domain)
    await send_out(inst)
    stub.received.clear()

    await deliver_and_process(inst, stub, rozenn, commitment(rozenn, post, "3", "1"))

    assert await _total(inst, post) == 1_000
    await send_out(inst)
    [reject] = stub.received_of_type("Reject")
    assert reject.body["content"] == "this group purchase does not take your commitment"


async def test_two_commitments_from_one_neighbour_arriving_at_once_count_once(inst, stub, yann):
    """Rozenn's server sends two Offers (3, then 4 stères) that are processed at the same
    time: she takes one quantity, never both, and each Offer is answered."""
    post = await _firewood(inst, yann)
    rozenn = stub.add_actor("rozenn")
    await send_out(inst)
    stub.received.clear()

    await deliver(inst, stub, rozenn, commitment(rozenn, post, "3", offer_id="1"))
    await deliver(inst, stub, rozenn, commitment(rozenn, post, "4", offer_id="2"))
    done = await asyncio.gather(
        InboxWorker(inst.federation).run_once(), InboxWorker(inst.federation).run_once()
    )

    assert sum(done) == 2
    _, held = await purchases.get(inst.services, post.id)
    assert held.committers == 1 and held.committed_milli in (3_000, 4_000)
    await send_out(inst)
    assert len(stub.received_of_type("Accept")) == 2


def undo_of(actor, offer: dict, undo_id: str = "u1", embedded: bool = True) -> dict:
    return {
        "@context": "https://www.w3.org/ns/activitystreams",
        "id": f"{actor.stub.base_url}/undos/{undo_id}",
        "type": "Undo",
        "actor": actor.uri,
        "object": {k: v for k, v in offer.items() if k != "@context"} if embedded else offer["id"],
    }


async def test_a_remote_neighbour_withdraws_by_undoing_their_offer(inst, stub, yann):
    post = await _firewood(inst, yann)
    rozenn = stub.add_actor("rozenn")
    gwen = stub.add_actor("gwen")
    offer = commitment(rozenn, post, "2")
    await deliver_and_process(inst, stub, rozenn, offer)
    await deliver_and_process(inst, stub, gwen, commitment(gwen, post, "3", offer_id="g1"))
    assert await _total(inst, post) == 5_000

    # Gwen cannot withdraw Rozenn's commitment by naming her Offer
    await deliver_and_process(inst, stub, gwen, undo_of(gwen, offer, "u0", embedded=False))
    # Rozenn's Undo, by the Offer's id, takes hers off
    await deliver_and_process(inst, stub, rozenn, undo_of(rozenn, offer, embedded=False))
    assert await _total(inst, post) == 3_000

    # Past the deadline, Gwen's Undo (her Offer embedded) leaves her commitment counted
    with use_clock(FakeClock(NOW + timedelta(days=4))):
        await deliver_and_process(
            inst, stub, gwen, undo_of(gwen, commitment(gwen, post, "3", offer_id="g1"), "u2")
        )
    assert await _total(inst, post) == 3_000


def purchase_document(actor, number: int, *, status: str = "open", committed: str = "0") -> dict:
    """A group purchase as another fedlocal publishes it (docs/FEDERATION.md)."""
    uri = f"{actor.stub.base_url}/objects/{number}"
    return {
        "@context": [
            "https://www.w3.org/ns/activitystreams",
            "https://w3id.org/fep/0837",
        ],
        "id": uri,
        "type": "Note",
        "attributedTo": actor.uri,
        "to": ["https://www.w3.org/ns/activitystreams#Public"],
        "cc": [actor.followers_url],
        "published": (NOW - timedelta(hours=1)).isoformat(),
        "updated": (NOW + timedelta(minutes=number if status == "open" else 30)).isoformat(),
        "name": "Miel de Pleurtuit",
        "content": "<p>Achat groupé : 9 € le pot.</p>",
        "purpose": "offer",
        "groupPurchase": True,
        "publishes": {
            "type": "Intent",
            "id": f"{uri}#primary",
            "action": "transfer",
            "resourceQuantity": {"hasUnit": "H87", "hasNumericalValue": "30"},
            "minimumQuantity": {"hasUnit": "H87", "hasNumericalValue": "10"},
        },
        "reciprocal": {
            "type": "Intent",
            "id": f"{uri}#reciprocal",
            "action": "transfer",
            "resourceQuantity": {"hasUnit": "EUR", "hasNumericalValue": "9.00"},
        },
        "maximumQuantity": {"hasUnit": "H87", "hasNumericalValue": "30"},
        "committedQuantity": {"hasUnit": "H87", "hasNumericalValue": committed},
        "commitDeadline": (NOW + timedelta(days=3)).isoformat(),
        "pickupTime": (NOW + timedelta(days=5)).isoformat(),
        "pickupPlace": "Ferme de la Ville-Es-Nouaux",
        "purchaseStatus": status,
    }


async def purchase_elsewhere(inst, stub, local, organiser):
    """`local` follows `organiser`, whose server publishes a honey purchase (its
    `purchase_document(organiser, 1)`): our copy of it."""
    await we_follow(inst, stub, local, organiser)
    document = purchase_document(organiser, 1)
    await deliver_and_process(inst, stub, organiser, create_of(organiser, document))
    copy = await post_at(inst.db, document["id"])
    assert copy is not None and copy.kind == "group_purchase"
    return copy


def answer(actor, kind: str, offer_uri: str, *, content: str | None = None, quantity=None):
    body: dict = {
        "@context": "https://www.w3.org/ns/activitystreams",
        "id": f"{actor.uri}#answers/{kind}-{offer_uri.rsplit('/', 1)[-1]}",
        "type": kind,
        "actor": actor.uri,
        "object": offer_uri,
    }
    if content is not None:
        body["content"] = content
    if quantity is not None:
        body["result"] = {
            "type": "Agreement",
            "stipulates": {
                "type": "Commitment",
                "resourceQuantity": {"hasUnit": "H87", "hasNumericalValue": quantity},
            },
        }
    return body


async def _types(inst, actor):
    async with inst.db.read() as conn:
        return [n.type for n in await notification_store.list_for(conn, actor.id)]


async def test_our_resident_commits_to_a_purchase_elsewhere_and_hears_its_answers(inst, stub, yann):
    """Yann follows Maiwenn, whose server runs a honey purchase: his commitment goes there
    as an Offer; her server's Reject, its Accept, and its confirmation reach him. An
    answer from anyone but her changes nothing."""
    maiwenn = stub.add_actor("maiwenn")
    intruder = stub.add_actor("intruder")
    copy = await purchase_elsewhere(inst, stub, yann, maiwenn)
    _, terms = await purchases.get(inst.services, copy.id)
    assert (terms.unit, terms.whole, terms.maximum_milli) == ("piece", True, 30_000)
    await send_out(inst)
    stub.received.clear()

    # A fraction of a whole unit is refused here, before anything is sent
    with pytest.raises(InvalidInput, match="whole units"):
        await purchases.commit(inst.services, yann, copy.id, "1.5")

    # His first Offer is refused by her server: refused, with its words, and he is told
    first = await purchases.commit(inst.services, yann, copy.id, "40")
    assert first.commitment.state == "pending"
    await send_out(inst)
    [offer] = stub.received_of_type("Offer")
    assert offer.path == "/users/maiwenn/inbox"
    assert offer.body["id"] == first.commitment.activity_uri
    stipulated = offer.body["object"]["stipulates"]
    assert stipulated["satisfies"] == f"{copy.uri}#primary"
    assert stipulated["resourceQuantity"] == {"hasUnit": "H87", "hasNumericalValue": "40"}
    await deliver_and_process(
        inst, stub, maiwenn, answer(maiwenn, "Reject", offer.body["id"], content="only 30 remain")
    )
    refused = await purchases.my_commitment(inst.services, yann, copy.id)
    assert (refused.state, refused.reason) == ("refused", "only 30 remain")
    assert "group_purchase_refused" in await _types(inst, yann)

    # His second is accepted (an intruder's Accept first changes nothing)
    second = await purchases.commit(inst.services, yann, copy.id, "6")
    await deliver_and_process(
        inst, stub, intruder, answer(intruder, "Accept", second.commitment.activity_uri)
    )
    assert (await purchases.my_commitment(inst.services, yann, copy.id)).state == "pending"
    await deliver_and_process(
        inst, stub, maiwenn, answer(maiwenn, "Accept", second.commitment.activity_uri, quantity="6")
    )
    accepted = await purchases.my_commitment(inst.services, yann, copy.id)
    assert (accepted.state, accepted.quantity_milli, accepted.reason) == ("accepted", 6_000, None)
    assert "group_purchase_accepted" in await _types(inst, yann)

    # Her server confirms: our copy is confirmed with her total, and Yann is told
    confirmed = purchase_document(maiwenn, 1, status="confirmed", committed="24")
    await deliver_and_process(inst, stub, maiwenn, update_of(maiwenn, confirmed, "c1"))
    _, terms = await purchases.get(inst.services, copy.id)
    assert (terms.state, terms.committed_milli) == ("confirmed", 24_000)
    assert "group_purchase_confirmed" in await _types(inst, yann)
    # Our maintenance round never settles a purchase of another server
    assert await purchases.settle_due(inst.services, now=NOW + timedelta(days=4)) == 0


def dated(offer: dict, moment: datetime) -> dict:
    return {**offer, "published": moment.isoformat()}


async def test_offers_and_undos_arriving_out_of_order_leave_the_newest_word(inst, stub, yann):
    """Deliveries are not ordered: Rozenn's later Offer (4) is counted before her earlier
    one (3) arrives, which changes nothing; Gwen's Undo arrives before the Offer it
    undoes, which is then not counted; her Offer written after the Undo is."""
    post = await _firewood(inst, yann)
    rozenn = stub.add_actor("rozenn")
    gwen = stub.add_actor("gwen")
    first = dated(commitment(rozenn, post, "3", offer_id="r1"), NOW)
    second = dated(commitment(rozenn, post, "4", offer_id="r2"), NOW + timedelta(seconds=1))
    await send_out(inst)
    stub.received.clear()

    await deliver_and_process(inst, stub, rozenn, second)
    await deliver_and_process(inst, stub, rozenn, first)
    assert await _total(inst, post) == 4_000
    await send_out(inst)
    [accepted] = stub.received_of_type("Accept")
    assert accepted.body["object"] == second["id"] and not stub.received_of_type("Reject")

    offer = dated(commitment(gwen, post, "2", offer_id="g1"), NOW)
    await deliver_and_process(inst, stub, gwen, undo_of(gwen, offer, "gu1"))
    await deliver_and_process(inst, stub, gwen, offer)
    assert await _total(inst, post) == 4_000
    _, held = await purchases.get(inst.services, post.id)
    assert held.committers == 1

    again = dated(commitment(gwen, post, "5", offer_id="g2"), NOW + timedelta(seconds=2))
    await deliver_and_process(inst, stub, gwen, again)
    assert await _total(inst, post) == 9_000


# --- the total, live on neighbour instances ---------------------------------------------
# Each change of the committed total of one of our purchases sends its `Update` (the
# current `committedQuantity`) to the audience of its Create and to remote committers, at
# most one waiting per purchase; on the other side, the organiser's figure is the copy's
# total, our residents' accepted commitments never counted on top of a figure that has
# them already.


def _committed(update) -> str:
    return update.body["object"]["committedQuantity"]["hasNumericalValue"]


async def test_each_change_of_the_total_sends_the_purchase_update(inst, stub, yann):
    """Gwen follows Yann; Rozenn, elsewhere, commits without following anyone: the
    Update with the total reaches their server after her commitment, a neighbour's here,
    and her withdrawal; it never marks the purchase as edited."""
    post = await _firewood(inst, yann)
    gwen = stub.add_actor("gwen")
    rozenn = stub.add_actor("rozenn")
    bea = await resident(inst.federation, "bea")
    await follows_us(inst, stub, gwen, yann)
    await send_out(inst)
    stub.received.clear()

    offer = commitment(rozenn, post, "2.5")
    await deliver_and_process(inst, stub, rozenn, offer)
    await send_out(inst)
    [accept] = stub.received_of_type("Accept")
    [update] = stub.received_of_type("Update")
    assert update.body["object"]["id"] == post.uri
    assert _committed(update) == "2.5"
    # Written after the Accept: a server reading both knows the figure counts it.
    assert update.body["object"]["updated"] >= accept.body["published"]
    stub.received.clear()

    await purchases.commit(inst.services, bea, post.id, "3")
    await send_out(inst)
    [update] = stub.received_of_type("Update")
    assert _committed(update) == "5.5"
    stub.received.clear()

    await deliver_and_process(inst, stub, rozenn, undo_of(rozenn, offer))
    await send_out(inst)
    [update] = stub.received_of_type("Update")
    assert _committed(update) == "3"
    stored, _ = await purchases.get(inst.services, post.id)
    assert stored.edited_at is None


async def test_a_burst_of_changes_folds_into_the_update_waiting_to_go(inst, stub, yann):
    """Three changes before the delivery worker runs: one Update queued, carrying the
    last total; once that one is being fanned out, the next change queues a second one,
    written later, so receivers keep the newer figure."""
    post = await _firewood(inst, yann)
    gwen = stub.add_actor("gwen")
    rozenn = stub.add_actor("rozenn")
    bea = await resident(inst.federation, "bea")
    await follows_us(inst, stub, gwen, yann)
    await deliver_and_process(inst, stub, rozenn, commitment(rozenn, post, "2"))
    await send_out(inst)
    stub.received.clear()
    before = await last_queued_id(inst.db)

    await purchases.commit(inst.services, bea, post.id, "3")
    await purchases.commit(inst.services, bea, post.id, "4")
    await deliver_and_process(inst, stub, rozenn, commitment(rozenn, post, "1", offer_id="2"))

    updates = [q for q in await queued(inst.db, after=before) if q.type == "Update"]
    assert len(updates) == 1
    [waiting] = updates
    assert waiting.body["object"]["committedQuantity"]["hasNumericalValue"] == "5"
    # To the followers and to the remote committer's server.
    assert waiting.followers_of == yann.id and waiting.inboxes == [rozenn.stub.base_url + "/inbox"]

    # The fan-out starts: that Update is no longer rewritten, a new one is queued.
    await DeliveryWorker(inst.federation).fan_out()
    await purchases.withdraw(inst.services, bea, post.id)
    updates = [q for q in await queued(inst.db, after=before) if q.type == "Update"]
    assert len(updates) == 2
    first, second = (u.body for u in updates)
    assert second["object"]["committedQuantity"]["hasNumericalValue"] == "1"
    assert second["object"]["updated"] > first["object"]["updated"]
    assert second["id"] != first["id"]

    await send_out(inst)
    # In whatever order they arrive, `updated` tells which figure is the newer.
    received = sorted(stub.received_of_type("Update"), key=lambda u: u.body["object"]["updated"])
    assert [_committed(u) for u in received] == ["5", "1"]


async def test_a_local_only_purchase_sends_no_update(inst, stub, yann):
    post = await _firewood(inst, yann, visibility="local")
    bea = await resident(inst.federation, "bea")
    before = await last_queued_id(inst.db)

    await purchases.commit(inst.services, bea, post.id, "3")

    assert await queued(inst.db, after=before) == []


def _accept_at(maiwenn, offer_uri: str, quantity: str, moment) -> dict:
    return {**answer(maiwenn, "Accept", offer_uri, quantity=quantity), "published": moment}


async def test_the_organisers_figure_is_the_copys_total_never_counted_twice(inst, stub, yann):
    """Yann commits 6 pots of honey at Maiwenn's. Her server's Update (its total 6, with
    his) can arrive before its Accept: the Accept then adds nothing. An Accept newer than
    the figure we hold adds his quantity until her next Update states the total."""
    maiwenn = stub.add_actor("maiwenn")
    copy = await purchase_elsewhere(inst, stub, yann, maiwenn)
    first = await purchases.commit(inst.services, yann, copy.id, "6")
    accepted_at = NOW + timedelta(minutes=5)

    # Her Update written at the Accept's instant or after it comes first…
    later = {**purchase_document(maiwenn, 1, committed="6"), "updated": accepted_at.isoformat()}
    await deliver_and_process(inst, stub, maiwenn, update_of(maiwenn, later, "u1"))
    assert await _total(inst, copy) == 6_000
    # …then the Accept: he is counted, once.
    await deliver_and_process(
        inst,
        stub,
        maiwenn,
        _accept_at(maiwenn, first.commitment.activity_uri, "6", accepted_at.isoformat()),
    )
    assert (await purchases.my_commitment(inst.services, yann, copy.id)).state == "accepted"
    assert await _total(inst, copy) == 6_000

    # He changes to 8: the Accept comes first this time, and counts the difference…
    second = await purchases.commit(inst.services, yann, copy.id, "8")
    answered = (accepted_at + timedelta(minutes=1)).isoformat()
    await deliver_and_process(
        inst, stub, maiwenn, _accept_at(maiwenn, second.commitment.activity_uri, "8", answered)
    )
    assert await _total(inst, copy) == 8_000
    # …and her Update (someone else committed 2 meanwhile) states the total.
    newest = {
        **purchase_document(maiwenn, 1, committed="10"),
        "updated": (accepted_at + timedelta(minutes=2)).isoformat(),
    }
    await deliver_and_process(inst, stub, maiwenn, update_of(maiwenn, newest, "u2"))
    assert await _total(inst, copy) == 10_000


async def test_an_update_of_the_total_alone_does_not_mark_the_copy_edited(inst, stub, yann):
    """Apps show a copy as edited only when its author changed its text: an Update with
    a new total (or seats left, a status) changes the copy without an edit history."""
    maiwenn = stub.add_actor("maiwenn")
    copy = await purchase_elsewhere(inst, stub, yann, maiwenn)
    later = NOW + timedelta(minutes=2)
    total = {**purchase_document(maiwenn, 1, committed="12"), "updated": later.isoformat()}
    await deliver_and_process(inst, stub, maiwenn, update_of(maiwenn, total, "t1"))

    async with inst.db.read() as conn:
        view = await views.post(conn, yann, await fresh(inst.db, copy))
    assert view is not None and view.unedited_copy
    assert view.group_purchase is not None and view.group_purchase.committed_milli == 12_000
    _, versions = await edits.history(inst.services, yann, copy.id)
    assert [v.created_at for v in versions] == [copy.published]

    reworded = {
        **total,
        "content": "<p>Achat groupé : 9 € le pot, miel de printemps.</p>",
        "updated": (later + timedelta(minutes=1)).isoformat(),
    }
    await deliver_and_process(inst, stub, maiwenn, update_of(maiwenn, reworded, "t2"))
    async with inst.db.read() as conn:
        view = await views.post(conn, yann, await fresh(inst.db, copy))
    assert view is not None and not view.unedited_copy
    _, versions = await edits.history(inst.services, yann, copy.id)
    assert len(versions) == 2


async def test_two_changes_at_one_instant_still_go_out_in_order(inst, stub, yann):
    """Receivers keep only a strictly newer `updated`: two changes within one millisecond
    (a frozen clock here), the first already sent, give two Updates, the second later."""
    post = await _firewood(inst, yann)
    gwen = stub.add_actor("gwen")
    bea = await resident(inst.federation, "bea")
    await follows_us(inst, stub, gwen, yann)
    await send_out(inst)
    stub.received.clear()

    with use_clock(FakeClock(NOW + timedelta(hours=1))):
        await purchases.commit(inst.services, bea, post.id, "3")
        await send_out(inst)
        await purchases.commit(inst.services, bea, post.id, "4")
        await send_out(inst)

    first, second = (u.body for u in stub.received_of_type("Update"))
    assert first["id"] != second["id"]
    assert second["object"]["updated"] > first["object"]["updated"]
    assert second["object"]["committedQuantity"]["hasNumericalValue"] == "4"
