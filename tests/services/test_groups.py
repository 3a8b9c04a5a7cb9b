"""Association groups (FEP-1b12, interop.md §6): creating one, joining it by following it,
posting to it by mentioning it, what the group redistributes and how, moderation, and the
group's own offers and events.

A real instance (workers off) and a Mastodon-shaped remote stub: remote members follow and
post through our inbox, and the delivery worker carries the group's activities to them,
so what a member's server receives is checked as well as what was queued.
"""

from __future__ import annotations

from collections import Counter
from datetime import UTC, datetime, timedelta

import httpx
import pytest

from fedlocal.models import Actor
from fedlocal.services import events, follows, groups, listings, media, posts
from fedlocal.services.errors import Conflict, Forbidden, InvalidInput, NotFound
from fedlocal.services.events import EventInput
from fedlocal.services.listings import ListingInput
from fedlocal.store import actors as actor_store
from fedlocal.store import announces as announce_store
from tests.media.pictures import picture
from tests.support.federation_steps import (
    PUBLIC,
    create_mentioning,
    deliver_and_process,
    effects,
    follow_of,
    follow_state,
    post_at,
    queued_by,
    received_by,
    resident,
    send_out,
)
from tests.support.remote_stub import RemoteStub, StubActor

AP = "application/activity+json"


@pytest.fixture
async def anne(inst) -> Actor:
    return await resident(inst, "anne")


@pytest.fixture
async def bob(inst) -> Actor:
    return await resident(inst, "bob")


@pytest.fixture
async def jardins(inst, anne) -> Actor:
    """The gardening association's group, created by anne: open to anyone who follows."""
    return await groups.create_group(
        inst.services,
        anne,
        "jardins",
        display_name="Jardins partagés de la Côte",
        summary="Semis, outils et coups de main entre jardiniers du quartier.",
    )


async def join_from_remote(inst, stub: RemoteStub, person: StubActor, group: Actor) -> str:
    """`person` follows `group` from the stub; the Follow's id."""
    follow = follow_of(person, group.uri, group.username)
    await deliver_and_process(inst, stub, person, follow)
    return follow["id"]


async def actor_document(actor: Actor) -> dict:
    async with httpx.AsyncClient(timeout=5.0, trust_env=False) as client:
        response = await client.get(actor.uri, headers={"Accept": AP})
    assert response.status_code == 200, response.text
    return response.json()


async def group_announces(inst, group: Actor):
    return [queued for queued in await queued_by(inst, group) if queued.type == "Announce"]


def announced_post(announce) -> str:
    """The id of the post an Announce shares, in either form."""
    shared = announce.body["object"]
    if isinstance(shared, str):
        return shared
    inner = shared["object"]
    return inner if isinstance(inner, str) else inner["id"]


# --- creating a group ---------------------------------------------------------------------


async def test_a_resident_creates_a_group_served_as_a_group_actor(inst, anne, jardins):
    # The creator is its moderator and first member
    assert jardins.role == "group"
    assert groups.is_moderator(jardins, anne)
    assert await follow_state(inst, anne.uri, jardins.uri) == "accepted"

    # Other servers see a Group (Mastodon shows the "Group" badge), open to followers
    document = await actor_document(jardins)
    assert document["type"] == "Group"
    assert document["preferredUsername"] == "jardins"
    assert document["name"] == "Jardins partagés de la Côte"
    assert document["manuallyApprovesFollowers"] is False
    assert document["inbox"] and document["followers"]
    assert document["publicKey"]["owner"] == jardins.uri

    # And it is found by its handle
    async with httpx.AsyncClient(timeout=5.0, trust_env=False) as client:
        response = await client.get(
            f"{inst.base_url}/.well-known/webfinger",
            params={"resource": f"acct:{jardins.handle}"},
        )
    assert response.status_code == 200
    links = [link["href"] for link in response.json()["links"] if link.get("rel") == "self"]
    assert links == [jardins.uri]


async def test_a_group_that_approves_members_says_so_in_its_actor(inst, anne):
    group = await groups.create_group(
        inst.services, anne, "troc", display_name="Troc", approval_required=True
    )

    document = await actor_document(group)

    assert document["manuallyApprovesFollowers"] is True


@pytest.mark.parametrize(
    ("username", "fields", "error", "field", "words"),
    [
        ("anne", {}, Conflict, "username", "taken"),
        ("jardins", {}, Conflict, "username", "taken"),
        ("Jardins Partagés", {}, InvalidInput, "username", "letters"),
        ("-jardins", {}, InvalidInput, "username", "letters"),
        ("j" * 31, {}, InvalidInput, "username", "30 characters"),
        ("velo", {"display_name": "   "}, InvalidInput, "display_name", "1 to 100"),
        ("velo", {"display_name": "v" * 101}, InvalidInput, "display_name", "1 to 100"),
        ("velo", {"summary": "s" * 2001}, InvalidInput, "summary", "2000"),
    ],
)
async def test_create_group_refuses_bad_input_and_stores_nothing(
    inst, anne, jardins, username, fields, error, field, words
):
    before = await effects(inst)

    with pytest.raises(error) as refused:
        await groups.create_group(
            inst.services, anne, username, **{"display_name": "Vélo", **fields}
        )

    assert refused.value.field == field
    assert words in refused.value.message
    assert await effects(inst) == before
    async with inst.db.read() as conn:
        assert await actor_store.get_local_actor(conn, "velo") is None


async def test_only_a_resident_creates_a_group(inst, stub, jardins):
    # Neither the community actor, nor a group, nor a remote person creates one
    remote = stub.add_actor("mallory")
    await join_from_remote(inst, stub, remote, jardins)
    async with inst.db.read() as conn:
        remote_actor = await actor_store.get_actor_by_uri(conn, remote.uri)
    before = await effects(inst)

    for creator in (inst.federation.actors.community, jardins, remote_actor):
        with pytest.raises(Forbidden) as refused:
            await groups.create_group(inst.services, creator, "velo", display_name="Vélo")
        assert "resident" in refused.value.message

    assert await effects(inst) == before
    async with inst.db.read() as conn:
        assert await actor_store.get_local_actor(conn, "velo") is None


# --- membership ---------------------------------------------------------------------------


async def test_an_open_group_accepts_a_remote_follower_at_once(inst, stub, jardins):
    bea = stub.add_actor("bea")

    follow_id = await join_from_remote(inst, stub, bea, jardins)
    await send_out(inst)

    assert await follow_state(inst, bea.uri, jardins.uri) == "accepted"
    (accept,) = received_by(stub, "Accept")
    assert accept["actor"] == jardins.uri
    assert accept["object"]["id"] == follow_id


async def test_membership_needing_approval_waits_for_a_moderator(inst, stub, anne, bob):
    # Given a group whose moderators approve new members
    group = await groups.create_group(
        inst.services, anne, "troc", display_name="Troc", approval_required=True
    )
    bea = stub.add_actor("bea")

    # When a remote person and a resident follow it
    follow_id = await join_from_remote(inst, stub, bea, group)
    await follows.follow(inst.services, bob, group.uri)
    await send_out(inst)

    # Then both requests wait, and nobody is told they were accepted
    assert await follow_state(inst, bea.uri, group.uri) == "pending"
    assert await follow_state(inst, bob.uri, group.uri) == "pending"
    assert stub.received == []
    async with inst.db.read() as conn:
        assert not await groups.is_member(conn, group, bob)

    # When the moderator approves both
    await follows.approve_follower(inst.services, group, bea.uri)
    await follows.approve_follower(inst.services, group, bob.uri)
    await send_out(inst)

    # Then both are members; the remote one's server got the group's Accept of its Follow
    assert await follow_state(inst, bea.uri, group.uri) == "accepted"
    assert await follow_state(inst, bob.uri, group.uri) == "accepted"
    (accept,) = received_by(stub, "Accept")
    assert accept["actor"] == group.uri
    assert accept["object"]["id"] == follow_id
    assert [q.type for q in await queued_by(inst, group)] == ["Accept"]  # none for bob


async def test_approving_a_request_nobody_made_is_not_found(inst, stub, jardins):
    with pytest.raises(NotFound):
        await follows.approve_follower(inst.services, jardins, f"{stub.base_url}/users/nobody")


# --- redistribution -----------------------------------------------------------------------


async def test_a_members_post_is_announced_in_both_forms_to_the_groups_followers(
    inst, stub, bob, jardins
):
    # Given a local member and a member on a Mastodon server
    await follows.follow(inst.services, bob, jardins.uri)
    bea = stub.add_actor("bea")
    await join_from_remote(inst, stub, bea, jardins)
    await send_out(inst)

    # When bob posts to the group by mentioning it
    note = await posts.publish_note(
        inst.services, bob, "Qui veut des plants de courgettes ?", mentions=[jardins]
    )

    # Then the group queues two Announces for its followers: the bare object id (what
    # Mastodon shows as a boost) and bob's Create itself (what group-aware peers read)
    bare, wrapped = await group_announces(inst, jardins)
    assert bare.followers_of == jardins.id and wrapped.followers_of == jardins.id
    assert bare.body["actor"] == jardins.uri and wrapped.body["actor"] == jardins.uri
    assert bare.body["object"] == note.uri
    assert PUBLIC in bare.body["to"] and jardins.followers_url in bare.body["cc"]
    assert wrapped.body["object"]["type"] == "Create"
    assert wrapped.body["object"]["actor"] == bob.uri
    assert wrapped.body["object"]["object"]["id"] == note.uri
    assert "@context" not in wrapped.body["object"]
    assert wrapped.body["id"] != bare.body["id"]
    async with inst.db.read() as conn:
        assert await announce_store.get_announce(conn, jardins.id, note.uri) is not None

    # And the remote member's server receives both, signed by the group
    await send_out(inst)
    received = stub.received_of_type("Announce")
    assert sorted(
        "wrapped" if isinstance(item.body["object"], dict) else "bare" for item in received
    ) == ["bare", "wrapped"]
    for item in received:
        assert await stub.signer_of(item) == jardins.uri


async def test_a_remote_members_post_is_redistributed_unchanged(inst, stub, anne, jardins):
    # Given two remote members
    bea, carl = stub.add_actor("bea"), stub.add_actor("carl")
    for person in (bea, carl):
        await join_from_remote(inst, stub, person, jardins)

    # When bea posts to the group from Mastodon (a mention of the group)
    create = create_mentioning(bea, "301", (jardins.uri, jardins.handle))
    await deliver_and_process(inst, stub, bea, create)

    # Then the post is kept and the group wraps bea's activity as it came
    assert await post_at(inst, create["object"]["id"]) is not None
    bare, wrapped = await group_announces(inst, jardins)
    assert bare.body["object"] == create["object"]["id"]
    assert wrapped.body["object"] == {k: v for k, v in create.items() if k != "@context"}


async def test_a_remote_members_edit_and_deletion_are_passed_on_by_the_group(inst, stub, jardins):
    # Given bea's post, shared by the group with carl, another member
    bea, carl = stub.add_actor("bea"), stub.add_actor("carl")
    for person in (bea, carl):
        await join_from_remote(inst, stub, person, jardins)
    create = create_mentioning(bea, "303", (jardins.uri, jardins.handle))
    await deliver_and_process(inst, stub, bea, create)
    await send_out(inst)
    shared = len(stub.received_of_type("Announce"))

    # When bea edits it, then deletes it
    update = bea.fixture(
        "mastodon/update-note.json",
        status_id="303",
        update_id="1",
        updated="2030-01-02T10:00:00Z",
        text="Plants de courgettes : il en reste deux.",
    )
    await deliver_and_process(inst, stub, bea, update)
    await deliver_and_process(inst, stub, bea, bea.fixture("mastodon/delete.json", status_id="303"))
    await send_out(inst)

    # Then the group passed each on, wrapped in its Announce and signed by it (FEP-1b12)
    passed_on = stub.received_of_type("Announce")[shared:]
    assert sorted(
        (item.body["object"]["type"], item.body["object"]["id"]) for item in passed_on
    ) == [("Delete", f"{create['object']['id']}#delete"), ("Update", update["id"])]
    for item in passed_on:
        assert item.body["actor"] == jardins.uri
        assert await stub.signer_of(item) == jardins.uri


async def test_a_local_members_deletion_reaches_everyone_the_group_shared_with(
    inst, stub, bob, jardins
):
    # Given bob's post to the group, shared with carl on a Mastodon server
    await follows.follow(inst.services, bob, jardins.uri)
    carl = stub.add_actor("carl")
    await join_from_remote(inst, stub, carl, jardins)
    note = await posts.publish_note(inst.services, bob, "Grainothèque samedi", mentions=[jardins])
    await send_out(inst)

    # When bob deletes it
    await posts.delete_post(inst.services, bob, note.id)
    await send_out(inst)

    # Then carl's server, which holds it through the group, gets bob's Delete
    [delete] = stub.received_of_type("Delete")
    assert delete.body["actor"] == bob.uri
    assert delete.body["object"]["id"] == note.uri


async def test_the_same_post_twice_is_shared_once(inst, stub, bob, jardins):
    # Given a remote member who posted to the group
    bea = stub.add_actor("bea")
    await join_from_remote(inst, stub, bea, jardins)
    create = create_mentioning(bea, "302", (jardins.uri, jardins.handle))
    await deliver_and_process(inst, stub, bea, create)
    assert len(await group_announces(inst, jardins)) == 2

    # When the same post comes again under another activity id (a resend)
    again = {**create, "id": f"{create['id']}#resend"}
    await deliver_and_process(inst, stub, bea, again)

    # And a local member's post is redistributed a second time
    await follows.follow(inst.services, bob, jardins.uri)
    note = await posts.publish_note(inst.services, bob, "Arrosage partagé", mentions=[jardins])
    async with inst.db.write() as conn:
        again_shared = await groups.redistribute(inst.services, conn, jardins, note, None)

    # Then each post was announced once (one pair of Announces each)
    assert again_shared is False
    shared = Counter(announced_post(q) for q in await group_announces(inst, jardins))
    assert shared == {create["object"]["id"]: 2, note.uri: 2}


async def test_a_followers_only_post_is_not_redistributed(inst, stub, bob, jardins):
    # Given a local and a remote member
    await follows.follow(inst.services, bob, jardins.uri)
    bea = stub.add_actor("bea")
    await join_from_remote(inst, stub, bea, jardins)

    # When each posts to the group for their followers only
    note = await posts.publish_note(
        inst.services, bob, "Réservé à mes abonnés", visibility="followers", mentions=[jardins]
    )
    create = create_mentioning(bea, "303", (jardins.uri, jardins.handle))
    for target in (create, create["object"]):
        target["to"] = [bea.followers_url]
        target["cc"] = [jardins.uri]
    await deliver_and_process(inst, stub, bea, create)

    # Then the group shares neither: it only redistributes what everyone may see
    assert await group_announces(inst, jardins) == []
    async with inst.db.read() as conn:
        for uri in (note.uri, create["object"]["id"]):
            assert await announce_store.get_announce(conn, jardins.id, uri) is None


# --- moderation ---------------------------------------------------------------------------


async def test_a_moderator_removes_a_post_with_an_announced_delete(inst, stub, anne, jardins):
    # Given a remote member's post shared by the group, and bob, a member but no moderator
    bea = stub.add_actor("bea")
    await join_from_remote(inst, stub, bea, jardins)
    create = create_mentioning(bea, "304", (jardins.uri, jardins.handle))
    await deliver_and_process(inst, stub, bea, create)
    post_uri = create["object"]["id"]
    bob = await resident(inst, "bob")
    await follows.follow(inst.services, bob, jardins.uri)
    before = await effects(inst)

    # When bob tries to remove it
    with pytest.raises(Forbidden) as refused:
        await groups.remove_post(inst.services, bob, jardins, post_uri)

    # Then nothing changes
    assert "moderators" in refused.value.message
    assert await effects(inst) == before

    # When anne, a moderator, removes it
    await groups.remove_post(inst.services, anne, jardins, post_uri)

    # Then the group's Announce is gone, our copy is a tombstone, and the group announces
    # anne's Delete of it to its members
    async with inst.db.read() as conn:
        assert await announce_store.get_announce(conn, jardins.id, post_uri) is None
    assert await post_at(inst, post_uri) is None
    removal = (await group_announces(inst, jardins))[-1]
    assert removal.followers_of == jardins.id
    assert removal.body["object"]["type"] == "Delete"
    assert removal.body["object"]["actor"] == anne.uri
    assert removal.body["object"]["object"] == post_uri
    await send_out(inst)
    assert any(
        isinstance(body["object"], dict) and body["object"]["type"] == "Delete"
        for body in received_by(stub, "Announce")
    )

    # And removing it again, or a post the group never shared, is not found
    for uri in (post_uri, f"{stub.base_url}/users/bea/statuses/999"):
        with pytest.raises(NotFound):
            await groups.remove_post(inst.services, anne, jardins, uri)


async def test_a_moderator_removes_members(inst, stub, anne, bob, jardins):
    # Given a remote and a local member
    bea = stub.add_actor("bea")
    follow_id = await join_from_remote(inst, stub, bea, jardins)
    await follows.follow(inst.services, bob, jardins.uri)
    await send_out(inst)
    before = await effects(inst)

    # When bob, who is no moderator, tries to remove bea
    with pytest.raises(Forbidden):
        await groups.remove_member(inst.services, bob, jardins, bea.uri)
    assert await effects(inst) == before

    # When anne removes both
    await groups.remove_member(inst.services, anne, jardins, bea.uri)
    await groups.remove_member(inst.services, anne, jardins, bob.uri)
    await send_out(inst)

    # Then neither follows the group; bea's server got a Reject of her Follow, bob nothing
    assert await follow_state(inst, bea.uri, jardins.uri) is None
    assert await follow_state(inst, bob.uri, jardins.uri) is None
    (reject,) = received_by(stub, "Reject")
    assert reject["actor"] == jardins.uri
    assert reject["object"]["id"] == follow_id
    assert [q.type for q in await queued_by(inst, jardins)] == ["Accept", "Reject"]

    # And bea's next post to the group is no longer shared
    create = create_mentioning(bea, "305", (jardins.uri, jardins.handle))
    await deliver_and_process(inst, stub, bea, create)
    assert await group_announces(inst, jardins) == []

    # And removing someone who is not a member is not found
    with pytest.raises(NotFound):
        await groups.remove_member(inst.services, anne, jardins, bea.uri)


# --- the group's own offers, requests and events -------------------------------------------


async def test_a_group_publishes_its_own_offer_request_and_event(inst, stub, jardins):
    # Given a remote member
    bea = stub.add_actor("bea")
    await join_from_remote(inst, stub, bea, jardins)

    # When the group publishes an offer, a request and an event
    offer = await listings.publish_listing(
        inst.services,
        jardins,
        ListingInput(kind="offer", intent="lend", title="Motoculteur à prêter"),
    )
    request = await listings.publish_listing(
        inst.services, jardins, ListingInput(kind="request", title="Bénévoles pour le compost")
    )
    starts = datetime.now(UTC).replace(microsecond=0) + timedelta(days=10)
    event = await events.publish_event(
        inst.services,
        jardins,
        EventInput(title="Troc de graines", starts_at=starts, ends_at=starts + timedelta(hours=3)),
    )

    # Then each is the group's, sent to its followers as the group's Create
    for post in (offer, request, event):
        assert post.actor_id == jardins.id
    creates = [q for q in await queued_by(inst, jardins) if q.type == "Create"]
    assert [q.body["object"]["id"] for q in creates] == [offer.uri, request.uri, event.uri]
    assert all(q.followers_of == jardins.id for q in creates)
    assert await queued_by(inst, inst.federation.actors.community) == []  # not the quarter's
    await send_out(inst)
    received = received_by(stub, "Create")
    assert {body["object"]["id"]: body["object"]["type"] for body in received} == {
        offer.uri: "Note",
        request.uri: "Note",
        event.uri: "Event",
    }
    assert {body["object"]["attributedTo"] for body in received} == {jardins.uri}
    assert {body["object"]["purpose"] for body in received if "purpose" in body["object"]} == {
        "offer",
        "request",
    }


async def test_a_moderator_gives_the_group_an_avatar_and_a_header(inst, anne, bob, jardins):
    # Given bob, who does not moderate the group: refused, nothing changes
    with pytest.raises(Forbidden):
        await media.set_group_pictures(inst.services, bob, jardins, avatar=picture())
    # When anne, its moderator, chooses its pictures
    group = await media.set_group_pictures(
        inst.services, anne, jardins, avatar=picture((400, 400)), header=picture((1500, 500))
    )
    # Then the group's actor carries them, as ours, with the small copies for our pages
    ours = f"{inst.base_url}/media/"
    assert group.icon_url and group.icon_url.startswith(ours)
    assert group.image_url and group.avatar_small_url and group.header_small_url
    async with httpx.AsyncClient(trust_env=False) as client:
        document = (await client.get(group.uri, headers={"Accept": AP})).json()
    assert document["icon"]["url"] == group.icon_url
    assert document["image"]["url"] == group.image_url
