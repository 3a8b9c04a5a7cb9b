"""Blocks between servers, at the inbox: a Mastodon user's Block of one of our residents
ends the follows both ways and shows as `blocked_by`; its Undo lifts it; a Block whose
actor is not its signer stores nothing; and once a resident blocks someone elsewhere,
their follows, direct messages and interest are dropped."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from fedlocal.boundary.paging import PageQuery
from fedlocal.services import blocks, events, listings, messages, timelines
from fedlocal.services.listings import ListingInput
from fedlocal.store import follows as follow_store
from fedlocal.store import interests as interest_store
from fedlocal.store.tables import account_blocks
from tests.federation.test_inbox_verbs import (
    deliver,
    deliver_and_process,
    follow_between,
    outgoing,
    post_at,
    queue_rows,
    remote_actor,
    resident,
)
from tests.services.test_events import mobilizon_join, participants, workshop

DRILL = ListingInput(kind="offer", intent="lend", title="Perceuse à prêter")


@pytest.fixture
async def ana(inst):
    return await resident(inst, "ana")


@pytest.fixture
def alice(stub):
    return stub.add_actor("alice")


async def _blocked_by(inst, viewer, other_uri) -> bool:
    other = await remote_actor(inst, other_uri)
    [relation] = await timelines.relationships(inst.services, viewer, [other.id])
    return relation.blocked_by


async def _follow_each_other(inst, stub, alice, ana):
    await deliver_and_process(
        inst, stub, alice, alice.fixture("mastodon/follow.json", follow_id="1", target=ana.uri)
    )
    other = await remote_actor(inst, alice.uri)
    async with inst.db.write() as conn:
        await follow_store.upsert_follow(
            conn, follower_id=ana.id, followed_id=other.id, uri=f"{ana.uri}#f/1", state="accepted"
        )


async def test_a_block_from_mastodon_ends_the_follows_and_shows_as_blocked_by(
    inst, stub, alice, ana
):
    # Given alice on Mastodon and ana following each other
    await _follow_each_other(inst, stub, alice, ana)

    # When alice's server sends her Block of ana
    block = alice.fixture("mastodon/block.json", block_id="7", target=ana.uri)
    await deliver_and_process(inst, stub, alice, block)

    # Then neither follows the other, and ana's apps see that alice blocks her
    assert await follow_between(inst, alice.uri, ana.uri) is None
    assert await follow_between(inst, ana.uri, alice.uri) is None
    assert await _blocked_by(inst, ana, alice.uri)

    # When alice unblocks ana, the block is lifted
    undo = alice.fixture("mastodon/undo-block.json", block_id="7", target=ana.uri)
    await deliver_and_process(inst, stub, alice, undo)
    assert not await _blocked_by(inst, ana, alice.uri)


async def test_an_undo_block_from_someone_else_leaves_the_block(inst, stub, alice, ana):
    values = {"block_id": "8", "target": ana.uri}
    await deliver_and_process(inst, stub, alice, alice.fixture("mastodon/block.json", **values))
    mallory = stub.add_actor("mallory")
    undo = mallory.fixture("mastodon/undo-block.json", **values)
    undo["object"] = alice.fixture("mastodon/undo-block.json", **values)["object"]

    await deliver_and_process(inst, stub, mallory, undo)

    assert await _blocked_by(inst, ana, alice.uri)


async def test_a_block_whose_actor_is_not_the_signer_stores_nothing(inst, stub, alice, ana):
    # Given a follow of ana by alice
    await deliver_and_process(
        inst, stub, alice, alice.fixture("mastodon/follow.json", follow_id="2", target=ana.uri)
    )
    # When mallory signs a Block that claims to be alice's
    mallory = stub.add_actor("mallory")
    forged = alice.fixture("mastodon/block.json", block_id="9", target=ana.uri)
    await deliver(inst, stub, mallory, forged)

    # Then nothing is queued or stored, and alice still follows ana
    assert await queue_rows(inst) == []
    async with inst.db.read() as conn:
        assert list(await conn.execute(select(account_blocks))) == []
    assert await follow_between(inst, alice.uri, ana.uri) is not None


async def test_a_block_of_an_actor_that_is_not_ours_is_ignored(inst, stub, alice):
    bob = stub.add_actor("bob")
    await deliver_and_process(
        inst, stub, alice, alice.fixture("mastodon/block.json", block_id="3", target=bob.uri)
    )
    async with inst.db.read() as conn:
        assert list(await conn.execute(select(account_blocks))) == []


async def test_once_blocked_a_remote_account_cannot_follow_write_or_show_interest(
    inst, stub, alice, ana
):
    # Given ana's offer, and alice known here, then blocked by ana
    offer = await listings.publish_listing(inst.services, ana, DRILL)
    await deliver_and_process(
        inst, stub, alice, alice.fixture("mastodon/follow.json", follow_id="4", target=ana.uri)
    )
    other = await remote_actor(inst, alice.uri)
    await blocks.block(inst.services, ana, other.id)
    before = len(await outgoing(inst))

    # When alice asks to follow again: refused with a Reject, nothing kept
    await deliver_and_process(
        inst, stub, alice, alice.fixture("mastodon/follow.json", follow_id="5", target=ana.uri)
    )
    assert await follow_between(inst, alice.uri, ana.uri) is None
    sent = await outgoing(inst)
    assert len(sent) == before + 1 and '"Reject"' in sent[-1].body

    # When alice answers ana's offer with a direct message: dropped
    direct = alice.fixture(
        "mastodon/create-direct-note.json",
        status_id="601",
        mentioned=ana.uri,
        mentioned_acct=ana.handle,
        in_reply_to=offer.uri,
        text="Je la veux",
    )
    await deliver_and_process(inst, stub, alice, direct)
    assert await post_at(inst, direct["object"]["id"]) is None
    assert await messages.threads(inst.services, ana, PageQuery(limit=20)) == []
    async with inst.db.read() as conn:
        assert await interest_store.get(conn, offer.id, other.id) is None


async def test_a_blocked_remote_account_joining_the_blockers_event_is_rejected(
    inst, stub, alice, ana
):
    # Given ana's event, and alice known here (her follow), then blocked by ana
    event = await events.publish_event(inst.services, ana, workshop(quarter=None))
    await deliver_and_process(
        inst, stub, alice, alice.fixture("mastodon/follow.json", follow_id="6", target=ana.uri)
    )
    await blocks.block(inst.services, ana, (await remote_actor(inst, alice.uri)).id)
    before = len(await outgoing(inst))

    # When alice's Join arrives
    await deliver_and_process(inst, stub, alice, mobilizon_join(alice, event, ana))

    # Then nobody takes part, and her server gets a Reject of her Join
    assert await participants(inst.db, event) == []
    sent = await outgoing(inst)
    assert len(sent) == before + 1 and '"Reject"' in sent[-1].body
