"""What the inbox refuses, and that a refusal leaves nothing behind.

Each case posts to a real instance (workers off) from a stub of a Mastodon server. A
refused request must get its status with a JSON `{"error": …}` body, never a 500, and
leave "nothing" in the store, which here means:

- no inbox queue row (pending or failed) and no id in `received_activities`;
- no post, no follow, no outgoing activity;
- no remote actor, except the signer's, when the refusal comes after the signature
  check: fetching the key to verify a signature stores its owner, legitimately.

The key cache's refetch is covered at the end: a rotated key is accepted after one
refetch, and forged signatures cannot make us refetch more than once per interval.
"""

from __future__ import annotations

import time
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest
from sqlalchemy import func, select

from activitypub import keys as key_codec
from fedlocal.federation.inbox_worker import InboxWorker
from fedlocal.models import Actor
from fedlocal.store import actors as actor_store
from fedlocal.store.tables import (
    actors,
    follows,
    inbox_queue,
    objects,
    outgoing_activities,
    received_activities,
)
from tests.support.databases import holding
from tests.support.instance import TestInstance as Instance
from tests.support.instance import running_instance
from tests.support.remote_stub import StubActor, remote_stub

TWO_MIB = 2 * 1024 * 1024


@pytest.fixture
def ana(inst) -> Actor:
    # The community actor: a local actor with keys and a personal inbox from the start.
    return inst.federation.actors.community


@pytest.fixture
def alice(stub) -> StubActor:
    return stub.add_actor("alice")


def inbox_of(inst: Instance, actor: Actor) -> str:
    return f"{inst.base_url}/users/{actor.username}/inbox"


def follow_of(alice: StubActor, ana: Actor, follow_id: str = "1") -> dict[str, Any]:
    return alice.fixture("mastodon/follow.json", follow_id=follow_id, target=ana.uri)


async def count(inst: Instance, table) -> int:
    async with holding(inst.db, table).read() as conn:
        return (await conn.execute(select(func.count()).select_from(table))).scalar_one()


async def remote_actor_uris(inst: Instance) -> set[str]:
    async with inst.db.read() as conn:
        rows = await conn.execute(select(actors.c.uri).where(actors.c.role == "remote"))
        return {row.uri for row in rows}


async def assert_nothing_stored(inst: Instance, *, allowed_actors: set[str] = frozenset()):
    for table in (inbox_queue, received_activities, objects, follows, outgoing_activities):
        assert await count(inst, table) == 0, f"{table.name} is not empty"
    assert await remote_actor_uris(inst) <= set(allowed_actors)


def assert_json_error(response: httpx.Response, status: int) -> str:
    assert response.status_code == status, response.text
    assert response.headers["content-type"].startswith("application/json")
    error = response.json()["error"]
    assert isinstance(error, str) and error
    return error


# --- signatures --------------------------------------------------------------------------


async def test_a_post_without_signature_is_401(inst, stub, ana, alice):
    response = await stub.deliver(alice, inbox_of(inst, ana), follow_of(alice, ana), sign=False)

    assert "signature" in assert_json_error(response, 401)
    await assert_nothing_stored(inst)


async def test_a_key_the_remote_server_does_not_publish_is_401(inst, stub, ana):
    ghost = stub.add_actor("ghost", published=False)

    response = await stub.deliver(ghost, inbox_of(inst, ana), follow_of(ghost, ana))

    assert ghost.key_id in assert_json_error(response, 401)
    assert stub.gets(ghost.uri) == 1  # we did look for the key, and got a 404
    await assert_nothing_stored(inst)


async def test_a_key_id_that_is_not_an_url_is_401(inst, stub, ana, alice):
    # Refusals leave nothing behind, so the cases share one instance.
    for key_id in ("main-key", "acct:alice@elsewhere.example", "https://"):
        response = await stub.deliver(
            alice, inbox_of(inst, ana), follow_of(alice, ana), key_id=key_id
        )

        assert "keyId" in assert_json_error(response, 401), key_id
        await assert_nothing_stored(inst)


async def test_a_hostile_document_served_as_a_key_costs_milliseconds(inst, stub, ana, alice):
    # Given a keyId whose document is 32 KiB of quotes and escapes (it took 5.7 s of the
    # event loop before JSON was parsed in linear time)
    key_url = f"{stub.base_url}/keys/hostile"
    stub.serve_raw(key_url, b'"' + b'\\"' * 16_384)

    # When an activity signed "with" it arrives
    started = time.process_time()
    response = await stub.deliver(alice, inbox_of(inst, ana), follow_of(alice, ana), key_id=key_url)
    spent = time.process_time() - started

    # Then the key is not found, and the whole exchange cost little CPU
    assert key_url in assert_json_error(response, 401)
    assert stub.gets(key_url) == 1
    assert spent < 0.1, f"{spent * 1000:.0f} ms"
    await assert_nothing_stored(inst)


async def test_a_body_changed_after_signing_is_401_for_its_digest(inst, stub, ana, alice):
    response = await stub.deliver(
        alice,
        inbox_of(inst, ana),
        follow_of(alice, ana),
        tamper=lambda body: body.replace(b"#follows/1", b"#follows/2"),
    )

    assert "digest" in assert_json_error(response, 401).lower()
    assert stub.gets(alice.uri) == 0  # refused before looking for any key
    await assert_nothing_stored(inst)


async def test_a_date_two_hours_old_or_ahead_is_401(inst, stub, ana, alice):
    for offset in (timedelta(hours=-2), timedelta(hours=2)):
        response = await stub.deliver(
            alice, inbox_of(inst, ana), follow_of(alice, ana), date=datetime.now(UTC) + offset
        )

        assert "Date" in assert_json_error(response, 401), offset
        assert stub.gets(alice.uri) == 0
        await assert_nothing_stored(inst)


async def test_a_date_a_few_minutes_off_is_accepted(inst, stub, ana, alice):
    # The control for the case above: clocks drift, and Mastodon allows for it.
    response = await stub.deliver(
        alice,
        inbox_of(inst, ana),
        follow_of(alice, ana),
        date=datetime.now(UTC) - timedelta(minutes=20),
    )

    assert response.status_code == 202
    assert await count(inst, inbox_queue) == 1


# --- origins -----------------------------------------------------------------------------


async def test_a_create_of_someone_elses_object_is_403(inst, stub, ana, alice):
    for patch in (
        {"id": "https://elsewhere.example/users/alice/statuses/7"},
        {"id": "urn:uuid:5e0c7ab2-6d1b-4c8e-8d0a"},
        {"attributedTo": "https://elsewhere.example/users/mallory"},
    ):
        activity = alice.fixture(
            "mastodon/create-note.json",
            status_id="7",
            mentioned=ana.uri,
            mentioned_acct=ana.handle,
        )
        activity["object"].update(patch)

        response = await stub.deliver(alice, inbox_of(inst, ana), activity)

        assert_json_error(response, 403)
        await assert_nothing_stored(inst, allowed_actors={alice.uri})


async def test_an_activity_id_on_another_host_is_403(inst, stub, ana, alice):
    for activity_id in ("https://elsewhere.example/follows/1", "urn:uuid:8e1f1a54-4e6b-4a6d"):
        activity = follow_of(alice, ana) | {"id": activity_id}

        response = await stub.deliver(alice, inbox_of(inst, ana), activity)

        assert "activity id" in assert_json_error(response, 403), activity_id
        await assert_nothing_stored(inst, allowed_actors={alice.uri})


async def test_an_activity_signed_by_someone_else_is_accepted_and_dropped(inst, stub, ana, alice):
    # Mastodon's rule: without an LD signature we cannot tell a relayed activity from a
    # forged one, so it is acknowledged (the sender must not retry) and never queued.
    bob = stub.add_actor("bob")
    activity = alice.fixture(
        "mastodon/create-note.json", status_id="8", mentioned=ana.uri, mentioned_acct=ana.handle
    )

    response = await stub.deliver(bob, inbox_of(inst, ana), activity)

    assert response.status_code == 202
    await assert_nothing_stored(inst, allowed_actors={bob.uri})


# --- bodies ------------------------------------------------------------------------------


async def test_malformed_json_is_400(inst, stub, ana, alice):
    for body in (b'{"type": "Follow", "actor": ', b"\xff\xfe not utf-8", b"NaN", b""):
        response = await stub.deliver(alice, inbox_of(inst, ana), body)

        assert "malformed JSON" in assert_json_error(response, 400), body
        await assert_nothing_stored(inst)


WRONG_SHAPES: list[Any] = [
    ["not", "an", "object"],
    {"actor": "{actor}", "object": "{target}"},
    {"type": "Follow", "object": "{target}"},
    {"type": "Follow", "actor": "mailto:alice@example.org", "object": "{target}"},
    {"type": "Follow", "actor": "https://", "object": "{target}"},
    {"type": "Follow", "actor": "https://host.example:99999/x", "object": "{target}"},
    {"type": "Follow", "actor": "{actor}", "object": "{target}", "id": 42},
]


async def test_an_activity_of_the_wrong_shape_is_400(inst, stub, ana, alice):
    for shape in WRONG_SHAPES:
        activity = shape
        if isinstance(shape, dict):
            activity = {
                key: value.format(actor=alice.uri, target=ana.uri)
                if isinstance(value, str)
                else value
                for key, value in shape.items()
            }

        response = await stub.deliver(alice, inbox_of(inst, ana), activity)

        assert_json_error(response, 400)
        await assert_nothing_stored(inst)


def verb_shapes(alice: StubActor, ana: Actor) -> list[tuple[dict[str, Any], str]]:
    """(activity, a word its refusal must name): each lacks something its verb needs."""
    base = {"@context": "https://www.w3.org/ns/activitystreams", "actor": alice.uri}
    note = f"{alice.uri}/statuses/9"

    def made(verb: str, n: int, **fields: Any) -> dict[str, Any]:
        return base | {"type": verb, "id": f"{alice.uri}/activities/{n}"} | fields

    def without_id(activity: dict[str, Any]) -> dict[str, Any]:
        return {key: value for key, value in activity.items() if key != "id"}

    return [
        (without_id(made("Like", 1, object=ana.uri)), "id"),
        (made("Like", 2), "object"),
        (made("Like", 3, object={"type": "Note"}), "object"),
        (without_id(follow_of(alice, ana)), "id"),
        (follow_of(alice, ana) | {"object": 42}, "object"),
        (without_id(made("Announce", 4, object=note)), "id"),
        (made("Announce", 5, object=["a", "b"]), "object"),
        (without_id(made("Join", 6, object=f"{ana.uri}/events/1")), "id"),
        (without_id(made("Offer", 7, object={"type": "Agreement"})), "id"),
        (made("Create", 8, object={"type": "Note", "content": "sans id"}), "object"),
        (made("Create", 9, object=""), "object"),
        (made("Update", 10), "object"),
        (made("Delete", 11, object=None), "object"),
        (made("Undo", 12), "object"),
        (made("Accept", 13, object=7), "object"),
        (made("Reject", 14, object=True), "object"),
        (made("Leave", 15, object=[]), "object"),
    ]


async def test_an_activity_without_what_its_verb_needs_is_400_naming_it(inst, stub, ana, alice):
    # Before, a Like without an id got its 202 and then failed in the worker (KeyError),
    # stuck where nobody looked.
    for activity, missing in verb_shapes(alice, ana):
        response = await stub.deliver(alice, inbox_of(inst, ana), activity)

        error = assert_json_error(response, 400)
        assert activity["type"] in error and missing in error, (activity, error)
        await assert_nothing_stored(inst, allowed_actors={alice.uri})


async def test_unsigned_junk_gets_its_401_before_any_shape_check(inst, stub, ana, alice):
    like = {"type": "Like", "actor": alice.uri, "object": ana.uri}

    response = await stub.deliver(alice, inbox_of(inst, ana), like, sign=False)

    assert_json_error(response, 401)
    await assert_nothing_stored(inst)


async def test_id_less_answers_and_undos_are_accepted(inst, stub, ana, alice):
    # Nothing of ours refers to an Accept's, a Reject's or an Undo's own id, and laxer
    # peers leave it out: they are queued (keyed by a hash of their body).
    follow = follow_of(alice, ana)
    embedded = {key: value for key, value in follow.items() if key != "@context"}
    for verb, obj in (("Accept", follow["id"]), ("Reject", embedded), ("Undo", embedded)):
        activity = {"type": verb, "actor": alice.uri, "object": obj}

        response = await stub.deliver(alice, inbox_of(inst, ana), activity)

        assert response.status_code == 202, (verb, response.text)
    assert await count(inst, inbox_queue) == 3


async def test_a_two_mib_body_is_413_by_its_content_length(inst, stub, ana, alice):
    body = padded_follow(alice, ana, TWO_MIB)

    response = await stub.deliver(alice, inbox_of(inst, ana), body)

    assert_json_error(response, 413)
    await assert_nothing_stored(inst)


async def test_a_two_mib_body_streamed_without_content_length_is_413(inst, stub, ana, alice):
    body = padded_follow(alice, ana, TWO_MIB)

    response = await stub.deliver(alice, inbox_of(inst, ana), body, chunked=True)

    assert "content-length" not in response.request.headers
    assert response.request.headers["transfer-encoding"] == "chunked"
    assert_json_error(response, 413)
    await assert_nothing_stored(inst)


def padded_follow(alice: StubActor, ana: Actor, size: int) -> bytes:
    """A valid, signed-able Follow made `size` bytes long by an ignored extra field."""
    activity = follow_of(alice, ana) | {"padding": ""}
    skeleton = len(httpx.Request("POST", "http://x", json=activity).content)
    activity["padding"] = "x" * (size - skeleton)
    return httpx.Request("POST", "http://x", json=activity).content


def nested(depth: int, leaf: Any = "deep") -> Any:
    value = leaf
    for _ in range(depth):
        value = [value]
    return value


async def test_ten_thousand_nested_arrays_are_400(inst, stub, ana, alice):
    body = b"[" * 10_000 + b"]" * 10_000

    response = await stub.deliver(alice, inbox_of(inst, ana), body)

    assert "nested" in assert_json_error(response, 400)
    await assert_nothing_stored(inst)


async def test_an_activity_nested_beyond_the_depth_cap_is_400(inst, stub, ana, alice):
    activity = follow_of(alice, ana) | {"context": nested(50)}

    response = await stub.deliver(alice, inbox_of(inst, ana), activity)

    assert "nested" in assert_json_error(response, 400)
    await assert_nothing_stored(inst)


async def test_an_activity_nested_within_the_depth_cap_is_accepted(inst, stub, ana, alice):
    # The activity object is level 1, so 30 arrays inside it stay under the cap of 32.
    activity = follow_of(alice, ana) | {"context": nested(30)}

    response = await stub.deliver(alice, inbox_of(inst, ana), activity)

    assert response.status_code == 202
    assert await count(inst, inbox_queue) == 1


async def test_a_body_that_is_not_json_is_415(inst, stub, ana, alice):
    for content_type in ("text/plain", "application/x-www-form-urlencoded", "text/html"):
        response = await stub.deliver(
            alice, inbox_of(inst, ana), follow_of(alice, ana), content_type=content_type
        )

        assert_json_error(response, 415)
        await assert_nothing_stored(inst)


async def test_every_json_flavour_is_accepted(inst, stub, ana, alice):
    # Content-Type is signed, so it reaches us exactly as the sender chose it.
    flavours = (
        "application/json",
        'application/ld+json; profile="https://www.w3.org/ns/activitystreams"',
        "application/activity+json; charset=utf-8",
    )
    for n, content_type in enumerate(flavours):
        response = await stub.deliver(
            alice, inbox_of(inst, ana), follow_of(alice, ana, str(n)), content_type=content_type
        )

        assert response.status_code == 202, content_type
    assert await count(inst, inbox_queue) == len(flavours)


# --- addressees and domains --------------------------------------------------------------


async def test_the_inbox_of_an_unknown_user_is_404(inst, stub, ana, alice):
    response = await stub.deliver(
        alice, f"{inst.base_url}/users/nobody/inbox", follow_of(alice, ana)
    )

    assert_json_error(response, 404)
    assert stub.gets(alice.uri) == 0
    await assert_nothing_stored(inst)


async def test_a_blocked_domain_is_403(tmp_path, stub):
    alice = stub.add_actor("alice")
    async with running_instance(tmp_path, run_workers=False, blocked_domains=[stub.host]) as inst:
        ana = inst.federation.actors.community

        response = await stub.deliver(alice, inbox_of(inst, ana), follow_of(alice, ana))

        assert_json_error(response, 403)
        assert stub.gets(alice.uri) == 0  # no key fetch from a blocked domain
        await assert_nothing_stored(inst)


# --- duplicates --------------------------------------------------------------------------


async def test_the_same_activity_twice_is_queued_once_and_applied_once(inst, stub, ana, alice):
    # Given a Follow delivered twice before the worker ran (personal then shared inbox)
    follow = follow_of(alice, ana)
    first = await stub.deliver(alice, inbox_of(inst, ana), follow)
    second = await stub.deliver(alice, f"{inst.base_url}/inbox", follow)

    # Then both are acknowledged, but one row is queued
    assert (first.status_code, second.status_code) == (202, 202)
    assert await count(inst, inbox_queue) == 1

    # When the worker runs, and the same Follow arrives once more afterwards
    await InboxWorker(inst.federation).run_once()
    third = await stub.deliver(alice, inbox_of(inst, ana), follow)

    # Then it had one effect, and the late copy is not queued again
    assert third.status_code == 202
    assert await count(inst, inbox_queue) == 0
    assert await count(inst, follows) == 1
    assert await count(inst, outgoing_activities) == 1  # one Accept


# --- the key cache -----------------------------------------------------------------------


async def test_a_rotated_key_is_accepted_after_one_refetch(inst, stub, ana, alice):
    # Given alice's key is cached from an earlier delivery
    first = await stub.deliver(alice, inbox_of(inst, ana), follow_of(alice, ana, "1"))
    assert first.status_code == 202
    assert stub.gets(alice.uri) == 1

    # When alice's server rotates her key and she signs with the new one
    stub.rotate_key(alice)
    response = await stub.deliver(alice, inbox_of(inst, ana), follow_of(alice, ana, "2"))

    # Then the signature is accepted after exactly one refetch, and the new key is stored
    assert response.status_code == 202
    assert stub.gets(alice.uri) == 2
    async with inst.db.read() as conn:
        stored = await actor_store.get_key(conn, alice.key_id)
    assert stored is not None and stored.public_pem == alice.public_key_pem


async def test_forged_signatures_refetch_the_key_once_per_interval(inst, stub, ana, alice):
    # Given alice's key is cached
    first = await stub.deliver(alice, inbox_of(inst, ana), follow_of(alice, ana, "1"))
    assert first.status_code == 202
    forger_key = key_codec.generate_rsa_key()

    # When two requests signed with the wrong key claim to be alice's
    responses = [
        await stub.deliver(
            alice, inbox_of(inst, ana), follow_of(alice, ana, str(n)), key=forger_key
        )
        for n in (2, 3)
    ]

    # Then both are refused, and only the first made us fetch her key again
    for response in responses:
        assert "does not verify" in assert_json_error(response, 401)
    assert stub.gets(alice.uri) == 2
    assert await count(inst, inbox_queue) == 1  # only the genuine Follow


async def test_a_gotosocial_key_at_its_own_url_is_found_through_its_owner(inst, stub, ana):
    # GoToSocial's keyId is `…/main-key`, serving a stub actor; the owner must list the key.
    gts = stub.add_actor("gerda", software="gotosocial")
    follow = gts.fixture("gotosocial/follow.json", follow_id="01HZX5", target=ana.uri)

    response = await stub.deliver(gts, inbox_of(inst, ana), follow)

    assert response.status_code == 202
    assert stub.gets(gts.key_id) == 1
    assert stub.gets(gts.uri) == 1
    assert await count(inst, inbox_queue) == 1


async def test_a_key_whose_owner_does_not_list_it_is_refused(inst, stub, ana):
    # The key document names gerda as owner, but gerda's actor lists another key.
    gts = stub.add_actor("gerda", software="gotosocial")
    gts.overrides["publicKey"] = {
        "id": f"{gts.uri}/other-key",
        "owner": gts.uri,
        "publicKeyPem": gts.public_key_pem,
    }
    follow = gts.fixture("gotosocial/follow.json", follow_id="01HZX6", target=ana.uri)

    response = await stub.deliver(gts, inbox_of(inst, ana), follow)

    assert_json_error(response, 401)
    assert await count(inst, inbox_queue) == 0


async def test_a_key_naming_an_owner_on_another_host_is_refused_unfetched(inst, stub, ana, alice):
    # A key document may name its owner, but only an owner on its own host.
    async with remote_stub() as elsewhere:
        victim = elsewhere.add_actor("victim")
        key_id = f"{stub.base_url}/keys/1"
        stub.serve(
            {
                "@context": "https://w3id.org/security/v1",
                "id": key_id,
                "owner": victim.uri,
                "publicKeyPem": alice.public_key_pem,
            }
        )

        response = await stub.deliver(
            alice, inbox_of(inst, ana), follow_of(alice, ana), key_id=key_id
        )

        assert_json_error(response, 401)
        assert elsewhere.gets(victim.uri) == 0
    await assert_nothing_stored(inst)
