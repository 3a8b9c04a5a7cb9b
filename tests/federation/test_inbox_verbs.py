"""What each inbound verb does, end to end: a stub Mastodon or GoToSocial server signs and
POSTs to a real instance (workers off), and the test drives `InboxWorker.run_once()` (and
`DeliveryWorker.run_once()` where an answer goes back) to see the effect in the store.
"""

from __future__ import annotations

import functools
from datetime import UTC, datetime
from typing import Any

import pytest
from sqlalchemy import select

from activitypub import keys as key_codec
from fedlocal.boundary.paging import PageQuery
from fedlocal.federation.delivery import DeliveryWorker
from fedlocal.federation.inbox import verbs
from fedlocal.federation.inbox_worker import InboxWorker
from fedlocal.models import Actor, Follow, Post
from fedlocal.services import edits as edit_service
from fedlocal.services import follows as follow_service
from fedlocal.services import interactions, timelines
from fedlocal.services import posts as post_service
from fedlocal.services.keys import store_actor_keys
from fedlocal.store import actors as actor_store
from fedlocal.store import announces as announce_store
from fedlocal.store import follows as follow_store
from fedlocal.store import inbox_queue
from fedlocal.store import notifications as notification_store
from fedlocal.store import posts as post_store
from fedlocal.store.tables import inbox_queue as inbox_queue_table
from fedlocal.store.tables import outgoing_activities
from tests.support.instance import TestInstance as Instance
from tests.support.remote_stub import RemoteStub, StubActor, remote_stub
from tests.support.waiting import wait_for


@pytest.fixture
async def ana(inst) -> Actor:
    return await resident(inst, "ana")


@pytest.fixture
def alice(stub) -> StubActor:
    return stub.add_actor("alice")


@functools.cache
def _resident_key_pems() -> tuple[tuple[str, str], tuple[str, str]]:
    rsa_key, ed_key = key_codec.generate_rsa_key(), key_codec.generate_ed25519_key()
    return (
        (key_codec.private_key_to_pem(rsa_key), key_codec.public_key_to_pem(rsa_key.public_key())),
        (key_codec.private_key_to_pem(ed_key), key_codec.public_key_to_pem(ed_key.public_key())),
    )


async def resident(inst: Instance, username: str, *, locked: bool = False) -> Actor:
    """A resident's actor with keys, as `accounts.create_account` makes it, minus the
    account: nothing here logs in, and hashing a password would double the setup time."""
    urls = inst.federation.urls
    async with inst.db.write() as conn:
        actor = await actor_store.insert_local_actor(
            conn,
            role="resident",
            type="Person",
            username=username,
            domain=inst.config.domain,
            display_name=username,
            manually_approves_followers=locked,
            **urls.actor_endpoints(username),
        )
        await store_actor_keys(conn, urls, actor, _resident_key_pems())
    return actor


# --- helpers -----------------------------------------------------------------------------


async def deliver(inst: Instance, stub: RemoteStub, actor: StubActor, activity, **options):
    """Deliver to our shared inbox and insist on the 202."""
    response = await stub.deliver(actor, f"{inst.base_url}/inbox", activity, **options)
    assert response.status_code == 202, response.text
    return response


async def process(inst: Instance) -> int:
    return await InboxWorker(inst.federation).run_once()


async def deliver_and_process(inst: Instance, stub: RemoteStub, actor: StubActor, activity):
    await deliver(inst, stub, actor, activity)
    assert await process(inst) == 1


async def follow_between(inst: Instance, follower_uri: str, followed_uri: str) -> Follow | None:
    async with inst.db.read() as conn:
        follower = await actor_store.get_actor_by_uri(conn, follower_uri)
        followed = await actor_store.get_actor_by_uri(conn, followed_uri)
        if follower is None or followed is None:
            return None
        return await follow_store.get_follow(conn, follower.id, followed.id)


async def post_at(inst: Instance, uri: str) -> Post | None:
    """The post we hold at `uri`; a tombstone (a deleted copy) counts as not held."""
    async with inst.db.read() as conn:
        post = await post_store.get_post_by_uri(conn, uri)
    return None if post is None or post.is_deleted else post


async def remote_actor(inst: Instance, uri: str) -> Actor | None:
    async with inst.db.read() as conn:
        return await actor_store.get_actor_by_uri(conn, uri)


async def queue_rows(inst: Instance) -> list[Any]:
    async with inst.db.inbox.read() as conn:
        return list(await conn.execute(select(inbox_queue_table)))


async def outgoing(inst: Instance) -> list[Any]:
    async with inst.db.read() as conn:
        return list(await conn.execute(select(outgoing_activities)))


async def ana_follows(inst: Instance, stub: RemoteStub, ana: Actor, actor: StubActor) -> Follow:
    """`ana` follows `actor` and the remote server accepts, through both inboxes."""
    pending = await follow_service.follow(inst.services, ana, actor.uri)
    accept = actor.fixture(
        f"{actor.software}/accept.json", accept_id="1", follow=pending.uri, follower=ana.uri
    )
    await deliver_and_process(inst, stub, actor, accept)
    accepted = await follow_between(inst, ana.uri, actor.uri)
    assert accepted is not None and accepted.state == "accepted"
    return accepted


def create_note(actor: StubActor, status_id: str, mentioned: str, mentioned_acct: str):
    return actor.fixture(
        f"{actor.software}/create-note.json",
        status_id=status_id,
        mentioned=mentioned,
        mentioned_acct=mentioned_acct,
    )


def create_of(actor: StubActor, note: dict[str, Any]) -> dict[str, Any]:
    """A Create wrapping `note`, addressed as the note is."""
    return {
        "@context": "https://www.w3.org/ns/activitystreams",
        "id": f"{note['id']}/activity",
        "type": "Create",
        "actor": actor.uri,
        "published": note["published"],
        "to": note.get("to"),
        "cc": note.get("cc"),
        "object": note,
    }


# --- Follow, Undo, Accept, Reject ---------------------------------------------------------


@pytest.mark.parametrize("software", ["mastodon", "gotosocial"])
async def test_a_follow_of_our_resident_is_accepted_and_answered(inst, stub, ana, software):
    # Given a Follow from a remote actor (Mastodon's id has a fragment; GoToSocial's key
    # lives at its own URL and its addressing is a bare string)
    follower = stub.add_actor("felix", software=software)
    follow = follower.fixture(f"{software}/follow.json", follow_id="77", target=ana.uri)

    # When it is delivered and processed
    await deliver_and_process(inst, stub, follower, follow)

    # Then the follow is stored, accepted, under the Follow's own id
    stored = await follow_between(inst, follower.uri, ana.uri)
    assert stored is not None
    assert (stored.state, stored.uri) == ("accepted", follow["id"])

    # And an Accept signed by ana reaches the follower's inbox, its object the Follow
    await DeliveryWorker(inst.federation).run_once()
    accepts = stub.received_of_type("Accept")
    assert len(accepts) == 1
    accept = accepts[0]
    assert accept.path == f"/users/{follower.username}/inbox"
    assert accept.body["actor"] == ana.uri
    assert accept.body["object"]["id"] == follow["id"]
    assert accept.body["object"]["actor"] == follower.uri
    assert accept.body["object"]["object"] == ana.uri
    assert await stub.signer_of(accept) == ana.uri


async def test_a_follow_of_a_locked_actor_stays_pending(inst, stub, alice):
    bea = await resident(inst, "bea", locked=True)

    await deliver_and_process(
        inst, stub, alice, alice.fixture("mastodon/follow.json", follow_id="3", target=bea.uri)
    )

    stored = await follow_between(inst, alice.uri, bea.uri)
    assert stored is not None and stored.state == "pending"
    assert await outgoing(inst) == []  # no Accept until bea approves


async def test_a_follow_of_an_actor_that_is_not_ours_is_ignored(inst, stub, alice):
    bob = stub.add_actor("bob")

    await deliver_and_process(
        inst, stub, alice, alice.fixture("mastodon/follow.json", follow_id="4", target=bob.uri)
    )

    assert await follow_between(inst, alice.uri, bob.uri) is None
    assert await queue_rows(inst) == []


@pytest.mark.parametrize("software", ["mastodon", "gotosocial"])
async def test_undo_of_a_follow_removes_it(inst, stub, ana, software):
    # Given an accepted follow
    follower = stub.add_actor("felix", software=software)
    values = {"follow_id": "78", "target": ana.uri}
    await deliver_and_process(
        inst, stub, follower, follower.fixture(f"{software}/follow.json", **values)
    )
    assert await follow_between(inst, follower.uri, ana.uri) is not None

    # When the follower undoes it
    undo = follower.fixture(f"{software}/undo-follow.json", **values)
    await deliver_and_process(inst, stub, follower, undo)

    # Then it is gone
    assert await follow_between(inst, follower.uri, ana.uri) is None


async def test_undo_by_another_actor_leaves_the_follow(inst, stub, ana, alice):
    values = {"follow_id": "79", "target": ana.uri}
    await deliver_and_process(inst, stub, alice, alice.fixture("mastodon/follow.json", **values))
    mallory = stub.add_actor("mallory")
    undo = mallory.fixture("mastodon/undo-follow.json", **values)
    undo["object"] = alice.fixture("mastodon/undo-follow.json", **values)["object"]

    await deliver_and_process(inst, stub, mallory, undo)

    assert await follow_between(inst, alice.uri, ana.uri) is not None


@pytest.mark.parametrize("software", ["mastodon", "gotosocial"])
async def test_an_accept_of_our_pending_follow_accepts_it(inst, stub, ana, software):
    # Given ana asked to follow a remote actor by its handle, and the Follow went out
    target = stub.add_actor("tom", software=software)
    pending = await follow_service.follow(inst.services, ana, f"@{target.handle}")
    assert pending.state == "pending"
    assert any(seen.path == "/.well-known/webfinger" for seen in stub.requests)
    await DeliveryWorker(inst.federation).run_once()
    sent = stub.received_of_type("Follow")
    assert [item.body["id"] for item in sent] == [pending.uri]

    # When the remote actor accepts, echoing the Follow it received
    accept = target.fixture(
        f"{software}/accept.json", accept_id="5", follow=pending.uri, follower=ana.uri
    )
    await deliver_and_process(inst, stub, target, accept)

    # Then the follow is accepted
    stored = await follow_between(inst, ana.uri, target.uri)
    assert stored is not None and stored.state == "accepted"


async def test_an_accept_by_someone_we_did_not_ask_changes_nothing(inst, stub, ana, alice):
    pending = await follow_service.follow(inst.services, ana, alice.uri)
    mallory = stub.add_actor("mallory")
    accept = mallory.fixture(
        "mastodon/accept.json", accept_id="6", follow=pending.uri, follower=ana.uri
    )

    await deliver_and_process(inst, stub, mallory, accept)

    stored = await follow_between(inst, ana.uri, alice.uri)
    assert stored is not None and stored.state == "pending"


async def test_a_reject_removes_our_pending_follow(inst, stub, ana, alice):
    pending = await follow_service.follow(inst.services, ana, alice.uri)
    reject = alice.fixture(
        "mastodon/reject.json", reject_id="7", follow=pending.uri, follower=ana.uri
    )

    await deliver_and_process(inst, stub, alice, reject)

    assert await follow_between(inst, ana.uri, alice.uri) is None


async def test_a_reject_of_an_accepted_follow_removes_it(inst, stub, ana, alice):
    # Mastodon's "remove follower": a Reject after the Accept.
    accepted = await ana_follows(inst, stub, ana, alice)
    reject = alice.fixture(
        "mastodon/reject.json", reject_id="8", follow=accepted.uri, follower=ana.uri
    )

    await deliver_and_process(inst, stub, alice, reject)

    assert await follow_between(inst, ana.uri, alice.uri) is None


# --- Create ------------------------------------------------------------------------------


async def test_a_note_from_a_followed_actor_is_stored_sanitised(inst, stub, ana, alice):
    # Given ana follows alice, and alice posts with a CW, a hashtag and a mention of bob
    await ana_follows(inst, stub, ana, alice)
    bob = stub.add_actor("bob")
    create = create_note(alice, "101", bob.uri, bob.handle)
    create["object"]["content"] += '<script>alert("x")</script><p onclick="steal()">fin</p>'

    # When it arrives
    await deliver_and_process(inst, stub, alice, create)

    # Then the note is stored with its facts, and without the script
    post = await post_at(inst, create["object"]["id"])
    assert post is not None and not post.is_local
    assert "<script" not in post.content and "alert" not in post.content
    assert "onclick" not in post.content
    assert "<p>fin</p>" in post.content
    assert 'class="mention hashtag"' in post.content
    assert post.visibility == "public"
    assert post.summary == "Nourriture, restes"
    assert post.sensitive is True
    assert post.language == "fr"
    assert list(post.hashtags) == ["soupe"]
    assert [mention.href for mention in post.mentions] == [bob.uri]
    assert post.url == f"{stub.base_url}/@alice/101"


async def test_a_note_from_a_stranger_is_dropped(inst, stub, ana, alice):
    # Mastodon keeps only posts related to local activity (interop.md §3.1).
    bob = stub.add_actor("bob")
    create = create_note(alice, "102", bob.uri, bob.handle)

    await deliver_and_process(inst, stub, alice, create)

    assert await post_at(inst, create["object"]["id"]) is None
    assert await queue_rows(inst) == []  # handled (ignored), not left to retry


async def test_a_note_mentioning_our_resident_is_kept(inst, stub, ana):
    # A GoToSocial stranger: addressing as bare strings, our resident in `cc` and mentioned.
    gerda = stub.add_actor("gerda", software="gotosocial")
    create = create_note(gerda, "01J0AB", ana.uri, ana.handle)

    await deliver_and_process(inst, stub, gerda, create)

    post = await post_at(inst, create["object"]["id"])
    assert post is not None
    assert post.visibility == "public"
    assert post.summary == "travaux" and post.sensitive
    assert list(post.hashtags) == ["entraide"]
    assert [mention.href for mention in post.mentions] == [ana.uri]


async def test_a_reply_to_our_post_is_kept(inst, stub, ana, alice):
    # Given ana published a post
    ours = await post_service.publish_note(inst.services, ana, "Qui a des pots de confiture ?")

    # When a stranger replies to it
    reply = alice.note("103", inReplyTo=ours.uri, content="<p>Moi, une dizaine.</p>")
    await deliver_and_process(inst, stub, alice, create_of(alice, reply))

    # Then the reply is kept, linked to our post
    post = await post_at(inst, reply["id"])
    assert post is not None and post.in_reply_to_uri == ours.uri


# --- Update ------------------------------------------------------------------------------


async def test_an_update_edits_a_held_post_only_when_newer(inst, stub, ana, alice):
    # Given ana follows alice and holds one of her notes
    await ana_follows(inst, stub, ana, alice)
    note = alice.note("105")
    await deliver_and_process(inst, stub, alice, create_of(alice, note))

    # When alice edits it
    edit = alice.fixture(
        "mastodon/update-note.json",
        status_id="105",
        update_id="1",
        updated="2024-05-03T09:00:00Z",
        text="Perceuse prêtée, merci !",
    )
    await deliver_and_process(inst, stub, alice, edit)

    # Then the copy is edited
    post = await post_at(inst, note["id"])
    assert post is not None
    assert post.content == "<p>Perceuse prêtée, merci !</p>"
    assert post.edited_at == datetime(2024, 5, 3, 9, 0, tzinfo=UTC)

    # When an older edit arrives late
    stale = alice.fixture(
        "mastodon/update-note.json",
        status_id="105",
        update_id="0",
        updated="2024-05-03T08:45:00Z",
        text="Perceuse encore disponible",
    )
    await deliver_and_process(inst, stub, alice, stale)

    # Then it changes nothing
    post = await post_at(inst, note["id"])
    assert post is not None and post.content == "<p>Perceuse prêtée, merci !</p>"

    # And the history holds the first version then the edit, the stale one nowhere
    _post, versions = await edit_service.history(inst.services, ana, post.id)
    assert len(versions) == 2 and "Perceuse à prêter" in versions[0].content
    assert versions[1].content == "<p>Perceuse prêtée, merci !</p>"
    assert versions[1].created_at == datetime(2024, 5, 3, 9, 0, tzinfo=UTC)


async def test_an_update_of_a_post_we_do_not_hold_stores_nothing(inst, stub, ana, alice):
    await ana_follows(inst, stub, ana, alice)
    edit = alice.fixture(
        "mastodon/update-note.json",
        status_id="106",
        update_id="1",
        updated="2024-05-03T09:00:00Z",
        text="jamais vu",
    )

    await deliver_and_process(inst, stub, alice, edit)

    assert await post_at(inst, edit["object"]["id"]) is None


async def test_an_update_of_the_actor_refreshes_profile_and_key(inst, stub, ana, alice):
    # Given we know alice and her key
    await ana_follows(inst, stub, ana, alice)
    fetches = stub.gets(alice.uri)

    # When her server changes her name and key, and sends Update(Person) signed with the
    # key we still hold
    alice.overrides["name"] = "Alice des Lilas"
    stub.rotate_key(alice)
    update = alice.fixture(
        "mastodon/update-actor.json",
        update_id="9",
        name="Alice des Lilas",
        public_key_pem=alice.public_key_pem,
    )
    await deliver(inst, stub, alice, update, key=alice.previous_key)
    assert await process(inst) == 1

    # Then the profile was refetched from her server, with the new key
    assert stub.gets(alice.uri) == fetches + 1
    stored = await remote_actor(inst, alice.uri)
    assert stored is not None and stored.display_name == "Alice des Lilas"
    async with inst.db.read() as conn:
        key = await actor_store.get_key(conn, alice.key_id)
    assert key is not None and key.public_pem == alice.public_key_pem

    # And her next activity, signed with the new key, verifies without another fetch
    await deliver(inst, stub, alice, create_of(alice, alice.note("107")))
    assert stub.gets(alice.uri) == fetches + 1


# --- Delete ------------------------------------------------------------------------------


@pytest.mark.parametrize("software", ["mastodon", "gotosocial"])
async def test_a_delete_of_a_note_removes_our_copy(inst, stub, ana, software):
    # Given ana follows an author whose note we hold
    author = stub.add_actor("dora", software=software)
    await ana_follows(inst, stub, ana, author)
    note = author.note("108")
    await deliver_and_process(inst, stub, author, create_of(author, note))
    assert await post_at(inst, note["id"]) is not None

    # When the author deletes it (Mastodon: a Tombstone; GoToSocial: the bare id)
    stub.remove(note["id"])
    await deliver_and_process(
        inst, stub, author, author.fixture(f"{software}/delete.json", status_id="108")
    )

    # Then our copy is gone
    assert await post_at(inst, note["id"]) is None


async def test_a_replayed_create_after_a_delete_does_not_bring_the_note_back(
    inst, stub, ana, alice
):
    # Given alice's note was delivered, then deleted
    await ana_follows(inst, stub, ana, alice)
    note = alice.note("118")
    await deliver_and_process(inst, stub, alice, create_of(alice, note))
    stub.remove(note["id"])
    await deliver_and_process(
        inst, stub, alice, alice.fixture("mastodon/delete.json", status_id="118")
    )

    # When a Create of the same note arrives late, under another activity id
    late = create_of(alice, note)
    late["id"] = note["id"] + "/activity-replayed"
    await deliver_and_process(inst, stub, alice, late)

    # Then we keep only the tombstone: no content, still deleted
    async with inst.db.read() as conn:
        held = await post_store.get_post_by_uri(conn, note["id"])
    assert held is not None and held.is_deleted and held.content == ""


async def test_a_delete_by_another_actor_of_the_same_server_leaves_the_note(inst, stub, ana, alice):
    await ana_follows(inst, stub, ana, alice)
    note = alice.note("109")
    await deliver_and_process(inst, stub, alice, create_of(alice, note))
    mallory = stub.add_actor("mallory")
    delete = mallory.fixture("mastodon/delete.json", status_id="109")
    delete["object"] = alice.fixture("mastodon/delete.json", status_id="109")["object"]

    await deliver_and_process(inst, stub, mallory, delete)

    assert await post_at(inst, note["id"]) is not None


async def test_a_deleted_account_loses_its_posts_and_is_marked_gone(inst, stub, ana, alice):
    # Given ana follows alice and holds two of her notes
    await ana_follows(inst, stub, ana, alice)
    notes = [alice.note("110"), alice.note("111")]
    for note in notes:
        await deliver_and_process(inst, stub, alice, create_of(alice, note))

    # When alice's account is deleted (her server answers 410 from now on)
    alice.gone = True
    await deliver_and_process(inst, stub, alice, alice.fixture("mastodon/delete-actor.json"))

    # Then her posts and ana's follow of her are gone, and she is marked gone
    gone = await remote_actor(inst, alice.uri)
    async with inst.db.read() as conn:
        assert await follow_store.get_follow(conn, ana.id, gone.id) is None
    for note in notes:
        assert await post_at(inst, note["id"]) is None
    stored = await remote_actor(inst, alice.uri)
    assert stored is not None and stored.gone_at is not None

    # And nothing signed with her key is accepted any more
    late = await stub.deliver(alice, f"{inst.base_url}/inbox", create_of(alice, alice.note("112")))
    assert late.status_code == 401


async def test_a_deletion_of_an_account_signed_by_someone_else_removes_nothing(
    inst, stub, ana, alice
):
    # Given ana follows alice and holds a note of hers
    await ana_follows(inst, stub, ana, alice)
    note = alice.note("113")
    await deliver_and_process(inst, stub, alice, create_of(alice, note))

    # When mallory, of the same server, sends a Delete of alice's account signed by herself
    mallory = stub.add_actor("mallory")
    forged = alice.fixture("mastodon/delete-actor.json")
    response = await stub.deliver(mallory, f"{inst.base_url}/inbox", forged)

    # Then it is dropped unprocessed (signed by someone else than its actor): alice and
    # her note stay
    assert response.status_code == 202
    assert await queue_rows(inst) == []
    assert await post_at(inst, note["id"]) is not None
    stored = await remote_actor(inst, alice.uri)
    assert stored is not None and stored.gone_at is None


async def test_the_deletion_of_an_account_we_never_knew_is_acknowledged_only(inst, stub, alice):
    alice.gone = True

    response = await stub.deliver(
        alice, f"{inst.base_url}/inbox", alice.fixture("mastodon/delete-actor.json")
    )

    assert response.status_code == 202
    assert stub.gets(alice.uri) == 0  # no attempt to fetch a key that is gone
    assert await queue_rows(inst) == []
    assert await remote_actor(inst, alice.uri) is None


# --- Announce ----------------------------------------------------------------------------


def announce_of(announcer: StubActor, note: dict[str, Any], announce_id: str) -> dict[str, Any]:
    return announcer.fixture(
        "mastodon/announce.json",
        announce_id=announce_id,
        announced=note["id"],
        announced_author=note["attributedTo"],
    )


async def test_an_announced_note_is_fetched_from_its_origin(inst, stub, ana, alice):
    # Given ana follows alice, and bob (whom nobody here follows) has a public note
    await ana_follows(inst, stub, ana, alice)
    bob = stub.add_actor("bob")
    note = stub.serve(bob.note("201"))

    # When alice boosts it
    announce = announce_of(alice, note, "202")
    await deliver_and_process(inst, stub, alice, announce)

    # Then the note was fetched from bob's server with a GET signed by our instance actor
    fetches = [
        seen
        for seen in stub.requests
        if seen.method == "GET" and seen.path == "/users/bob/statuses/201"
    ]
    assert len(fetches) == 1
    assert f'keyId="{inst.base_url}/actor#main-key"' in fetches[0].headers["signature"]

    # And it is stored as bob's, with alice's boost recorded
    post = await post_at(inst, note["id"])
    assert post is not None and post.content.startswith("<p>Perceuse")
    author = await remote_actor(inst, bob.uri)
    assert author is not None and post.actor_id == author.id
    async with inst.db.read() as conn:
        boost = await announce_store.get_announce_by_uri(conn, announce["id"])
    assert boost is not None and boost.object_id == post.id


async def test_an_announced_note_that_lies_about_its_author_is_ignored(inst, stub, ana, alice):
    # The object lives on alice's server but claims an author on another server.
    await ana_follows(inst, stub, ana, alice)
    async with remote_stub() as elsewhere:
        carol = elsewhere.add_actor("carol")
        note = stub.serve(alice.note("203", attributedTo=carol.uri))

        await deliver_and_process(inst, stub, alice, announce_of(alice, note, "204"))

    assert await post_at(inst, note["id"]) is None
    assert await queue_rows(inst) == []


async def test_an_announce_from_an_actor_nobody_follows_is_ignored(inst, stub, ana, alice):
    bob = stub.add_actor("bob")
    note = stub.serve(bob.note("205"))

    await deliver_and_process(inst, stub, alice, announce_of(alice, note, "206"))

    assert await post_at(inst, note["id"]) is None
    assert stub.gets(note["id"]) == 0


async def test_a_boost_of_our_post_by_a_stranger_is_kept_and_told(inst, stub, ana, alice):
    # Given ana's public note, and alice, whom nobody here follows
    ours = await post_service.publish_note(inst.services, ana, "Fête des voisins samedi")

    # When alice boosts it from her Mastodon server
    announce = announce_of(alice, {"id": ours.uri, "attributedTo": ana.uri}, "301")
    await deliver_and_process(inst, stub, alice, announce)

    # Then the boost is counted and listed, next to no automatic share by the community
    boosters, count = await _boosts_of(inst, ana, ours.id)
    assert count == 1 and [b.actor.uri for b in boosters] == [alice.uri]
    # And ana is notified
    async with inst.db.read() as conn:
        told = await notification_store.list_for(conn, ana.id)
    assert [(n.type, n.post_id) for n in told] == [("reblog", ours.id)]

    # When she takes the boost back (Mastodon's Undo, the Announce embedded)
    undo = {
        "@context": "https://www.w3.org/ns/activitystreams",
        "id": f"{alice.uri}#announces/301/undo",
        "type": "Undo",
        "actor": alice.uri,
        "to": ["https://www.w3.org/ns/activitystreams#Public"],
        "object": announce,
    }
    await deliver_and_process(inst, stub, alice, undo)

    # Then it no longer counts nor lists
    boosters, count = await _boosts_of(inst, ana, ours.id)
    assert (boosters, count) == ([], 0)


async def test_a_boost_of_our_followers_only_post_is_ignored(inst, stub, ana, alice):
    ours = await post_service.publish_note(inst.services, ana, "Entre nous", visibility="followers")

    await deliver_and_process(
        inst, stub, alice, announce_of(alice, {"id": ours.uri, "attributedTo": ana.uri}, "302")
    )

    _boosters, count = await _boosts_of(inst, ana, ours.id)
    assert count == 0


async def _boosts_of(inst: Instance, viewer: Actor, post_id: int):
    boosters = await interactions.reblogged_by(inst.services, viewer, post_id, PageQuery())
    view = await timelines.status(inst.services, viewer, post_id)
    return [b for _i, b in boosters], view.reblogs_count


async def test_an_announce_of_a_note_that_is_gone_is_dropped_not_retried(inst, stub, ana, alice):
    await ana_follows(inst, stub, ana, alice)
    bob = stub.add_actor("bob")
    note = bob.note("207")
    stub.remove(note["id"])  # 410 Gone

    await deliver_and_process(inst, stub, alice, announce_of(alice, note, "208"))

    assert await post_at(inst, note["id"]) is None
    assert await queue_rows(inst) == []


# --- the worker --------------------------------------------------------------------------


async def test_the_same_activity_queued_twice_has_one_effect(inst, stub, ana, alice):
    # Given one Follow queued twice (a copy that got in before the inbox could see the
    # first, e.g. through another process)
    follow = alice.fixture("mastodon/follow.json", follow_id="12", target=ana.uri)
    await deliver(inst, stub, alice, follow)
    [row] = await queue_rows(inst)
    async with inst.db.inbox.write() as conn:
        await inbox_queue.enqueue(
            conn,
            body=row.body,
            activity_uri=row.activity_uri,
            actor_uri=row.actor_uri,
            key_id=row.key_id,
        )

    # When the worker takes both
    assert await process(inst) == 2

    # Then one follow and one Accept exist, and the queue is empty
    assert (await follow_between(inst, alice.uri, ana.uri)) is not None
    accepts = [row for row in await outgoing(inst) if '"type":"Accept"' in row.body]
    assert len(accepts) == 1
    assert await queue_rows(inst) == []


async def test_a_handler_crash_fails_its_item_and_spares_the_others(
    inst, stub, ana, alice, monkeypatch
):
    # Given a Follow whose handler will crash, queued before a Create that must still land
    async def crash(ctx, conn, prepared):
        raise RuntimeError("handler exploded")

    monkeypatch.setitem(verbs.HANDLERS, "Follow", verbs.Verb(crash))
    gerda = stub.add_actor("gerda", software="gotosocial")
    follow = alice.fixture("mastodon/follow.json", follow_id="13", target=ana.uri)
    create = create_note(gerda, "01J0CD", ana.uri, ana.handle)
    await deliver(inst, stub, alice, follow)
    await deliver(inst, stub, gerda, create)

    # When the worker runs
    assert await process(inst) == 2

    # Then the Follow is kept, failed, with the error; the Create took effect
    [failed] = await queue_rows(inst)
    assert failed.activity_uri == follow["id"]
    assert failed.state == "failed"
    assert "RuntimeError: handler exploded" in failed.last_error
    assert await follow_between(inst, alice.uri, ana.uri) is None
    assert await post_at(inst, create["object"]["id"]) is not None

    # And a failed item is not taken again
    assert await process(inst) == 0


async def test_a_fetch_that_fails_for_now_is_retried_until_it_works(inst, stub, ana, alice):
    # Given ana follows alice, who boosts a note of bob's while their server is down
    await ana_follows(inst, stub, ana, alice)
    bob = stub.add_actor("bob")
    note = stub.serve(bob.note("209"))
    await deliver(inst, stub, alice, announce_of(alice, note, "210"))
    stub.unavailable = True

    # When the worker tries
    assert await process(inst) == 1

    # Then the item waits for a retry, with the error recorded
    [waiting] = await queue_rows(inst)
    assert (waiting.state, waiting.attempts) == ("pending", 1)
    assert "503" in waiting.last_error
    assert waiting.next_attempt_at > waiting.received_at
    assert await post_at(inst, note["id"]) is None

    # When the server is back, the retry comes due and succeeds
    stub.unavailable = False

    async def stored() -> bool:
        await process(inst)
        return await post_at(inst, note["id"]) is not None

    await wait_for(stored, timeout=10, message="the retried Announce to store the note")
    assert await queue_rows(inst) == []
