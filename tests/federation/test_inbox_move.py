"""A Move from Mastodon: alice moves from her old account to a new one that names the
old in its `alsoKnownAs`; ana, who followed the old account, now follows the new one (a
Follow is sent), no longer the old (an Undo is sent), and hears of it. A Move whose
target does not name the old account, or that another actor sent, changes nothing."""

from __future__ import annotations

import pytest

from fedlocal.federation.delivery import DeliveryWorker
from fedlocal.services import blocks
from fedlocal.store import notifications as notification_store
from tests.federation.test_inbox_verbs import (
    ana_follows,
    deliver,
    deliver_and_process,
    follow_between,
    process,
    remote_actor,
    resident,
)


@pytest.fixture
async def ana(inst):
    return await resident(inst, "ana")


@pytest.fixture
def alice(stub):
    return stub.add_actor("alice")


def _move(old, new_uri: str) -> dict:
    return old.fixture("mastodon/move.json", move_id="1", target=new_uri)


async def _told(inst, resident_actor) -> list:
    async with inst.db.read() as conn:
        return await notification_store.list_for(conn, resident_actor.id, types=("move",))


async def test_a_move_to_an_account_that_names_the_old_one_carries_the_follow(
    inst, stub, ana, alice
):
    # Given ana follows alice's old account, and alice's new account lists the old one
    await ana_follows(inst, stub, ana, alice)
    new = stub.add_actor("alice2", alsoKnownAs=[alice.uri])

    # When alice's old account sends its Move
    await deliver_and_process(inst, stub, alice, _move(alice, new.uri))
    await DeliveryWorker(inst.federation).run_once()

    # Then ana asks to follow the new account and no longer follows the old one
    moved = await follow_between(inst, ana.uri, new.uri)
    assert moved is not None and moved.state == "pending"
    assert await follow_between(inst, ana.uri, alice.uri) is None
    [follow] = [f for f in stub.received_of_type("Follow") if f.body["object"] == new.uri]
    assert follow.body["actor"] == ana.uri
    [undo] = stub.received_of_type("Undo")
    assert undo.body["object"]["object"] == alice.uri
    # And she hears of it, naming the new account
    [told] = await _told(inst, ana)
    new_actor = await remote_actor(inst, new.uri)
    assert told.actor_id == new_actor.id


async def test_a_move_to_an_account_that_does_not_name_the_old_one_changes_nothing(
    inst, stub, ana, alice
):
    await ana_follows(inst, stub, ana, alice)
    stranger = stub.add_actor("mallory", alsoKnownAs=["https://elsewhere.example/users/x"])

    await deliver(inst, stub, alice, _move(alice, stranger.uri))
    await process(inst)

    assert (await follow_between(inst, ana.uri, alice.uri)).state == "accepted"
    assert await follow_between(inst, ana.uri, stranger.uri) is None
    assert await _told(inst, ana) == []


async def test_a_move_of_someone_else_changes_nothing(inst, stub, ana, alice):
    # Given ana follows alice, and mallory's new account lists alice's
    await ana_follows(inst, stub, ana, alice)
    mallory = stub.add_actor("mallory")
    new = stub.add_actor("alice2", alsoKnownAs=[alice.uri])

    # When mallory sends (signed by herself) a Move of alice's account
    move = _move(alice, new.uri)
    move["actor"] = mallory.uri
    move["id"] = f"{mallory.uri}#moves/1"
    await deliver(inst, stub, mallory, move)
    await process(inst)

    # Then nothing changed
    assert (await follow_between(inst, ana.uri, alice.uri)).state == "accepted"
    assert await follow_between(inst, ana.uri, new.uri) is None
    assert await _told(inst, ana) == []


async def test_a_move_relayed_by_another_signer_is_not_stored(inst, stub, ana, alice):
    await ana_follows(inst, stub, ana, alice)
    mallory = stub.add_actor("mallory")
    new = stub.add_actor("alice2", alsoKnownAs=[alice.uri])

    # alice's Move, signed with mallory's key: dropped at the inbox (signer ≠ actor)
    await deliver(inst, stub, mallory, _move(alice, new.uri))
    await process(inst)

    assert (await follow_between(inst, ana.uri, alice.uri)).state == "accepted"
    assert await follow_between(inst, ana.uri, new.uri) is None


async def test_a_follower_who_blocks_the_new_account_only_leaves_the_old_one(
    inst, stub, ana, alice
):
    # Given ana follows alice's old account and blocks her new one
    await ana_follows(inst, stub, ana, alice)
    new = stub.add_actor("alice2", alsoKnownAs=[alice.uri])
    known = await inst.services.remote.actor(new.uri)
    await blocks.block(inst.services, ana, known.id)

    # When the Move arrives, ana leaves the old account and does not follow the new one
    await deliver_and_process(inst, stub, alice, _move(alice, new.uri))

    assert await follow_between(inst, ana.uri, alice.uri) is None
    assert await follow_between(inst, ana.uri, new.uri) is None
    assert await _told(inst, ana) == []
