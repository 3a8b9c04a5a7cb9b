"""A remote post belongs to its author, and only a newer version of it replaces our copy:
through a Create, an Update, or an object an Announce made us fetch from its origin.

A stub Mastodon server signs and POSTs to a real instance (workers off); each test drives
`InboxWorker.run_once()` and reads what the store holds. The rule itself lives in the
store (`posts.save_remote_post`, tested in tests/store/test_posts.py); these tests show
every way in reaches it.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest
from sqlalchemy import select

from fedlocal.federation.inbox_worker import InboxWorker
from fedlocal.models import Actor, Post
from fedlocal.services import follows as follow_service
from fedlocal.store import actors as actor_store
from fedlocal.store import announces as announce_store
from fedlocal.store import posts as post_store
from fedlocal.store.tables import inbox_queue
from tests.support.federation_steps import (
    accept_of,
    announce_of,
    deliver,
    deliver_and_process,
    resident,
)
from tests.support.remote_stub import StubActor


@pytest.fixture
async def ana(inst) -> Actor:
    return await resident(inst, "ana")


@pytest.fixture
def alice(stub) -> StubActor:
    return stub.add_actor("alice")


@pytest.fixture
def mallory(stub) -> StubActor:
    # On alice's server: the origin checks alone cannot tell them apart.
    return stub.add_actor("mallory")


def note_to(author: StubActor, status_id: str, ana: Actor, **fields: Any) -> dict[str, Any]:
    """A public note of `author` addressed to ana (so we keep it without a follow)."""
    return author.note(status_id, cc=[author.followers_url, ana.uri], **fields)


def create_of(actor: StubActor, note: dict[str, Any], suffix: str = "activity"):
    return {
        "@context": "https://www.w3.org/ns/activitystreams",
        "id": f"{note['id']}/{suffix}",
        "type": "Create",
        "actor": actor.uri,
        "to": note["to"],
        "cc": note["cc"],
        "object": note,
    }


def update_of(actor: StubActor, note: dict[str, Any], n: str):
    return create_of(actor, note, f"updates/{n}") | {"type": "Update"}


async def held(inst, uri: str) -> Post:
    async with inst.db.read() as conn:
        post = await post_store.get_post_by_uri(conn, uri)
    assert post is not None
    return post


async def actor_id(inst, uri: str) -> int:
    async with inst.db.read() as conn:
        actor = await actor_store.get_actor_by_uri(conn, uri)
    assert actor is not None
    return actor.id


async def queue_left(inst) -> list[Any]:
    async with inst.db.inbox.read() as conn:
        return list(await conn.execute(select(inbox_queue.c.state, inbox_queue.c.last_error)))


# --- another author ----------------------------------------------------------------------


@pytest.mark.parametrize("verb", ["Create", "Update"])
async def test_another_actor_cannot_take_over_a_note_by_its_id(
    inst, stub, ana, alice, mallory, verb
):
    # Given we hold alice's note
    note = note_to(alice, "301", ana, content="<p>Perceuse à prêter</p>")
    await deliver_and_process(inst, stub, alice, create_of(alice, note))

    # When mallory, on the same server, sends a newer version of it as his own
    forged = note | {
        "attributedTo": mallory.uri,
        "content": "<p>Virement urgent : 500 €</p>",
        "updated": "2024-05-04T10:00:00Z",
    }
    activity = create_of(mallory, forged, "forged")
    activity = activity | {"type": verb, "actor": mallory.uri}
    await deliver_and_process(inst, stub, mallory, activity)

    # Then our copy is alice's note as she wrote it; the forgery was ignored, not failed
    post = await held(inst, note["id"])
    assert post.content == "<p>Perceuse à prêter</p>"
    assert post.actor_id == await actor_id(inst, alice.uri)
    assert post.edited_at is None
    assert await queue_left(inst) == []


async def test_an_announced_copy_claiming_another_author_does_not_replace_ours(
    inst, stub, ana, alice, mallory
):
    # Given ana follows bob, and alice's server serves her note as if mallory wrote it
    bob = stub.add_actor("bob")
    pending = await follow_service.follow(inst.services, ana, bob.uri)
    await deliver_and_process(inst, stub, bob, accept_of(bob, pending.uri, "1"))
    note = note_to(alice, "302", ana, content="<p>Perceuse à prêter</p>")
    stub.serve(note | {"attributedTo": mallory.uri, "content": "<p>Virement urgent</p>"})

    # When alice's Create and bob's boost of the note arrive in one batch: the boost's
    # copy is fetched before the Create is stored, and lands after it
    await deliver(inst, stub, alice, create_of(alice, note))
    await deliver(inst, stub, bob, announce_of(bob, note["id"], "303", alice.uri))
    assert await InboxWorker(inst.federation).run_once() == 2

    # Then our copy is alice's, unchanged, and the boost was ignored (not failed)
    post = await held(inst, note["id"])
    assert post.content == "<p>Perceuse à prêter</p>"
    assert post.actor_id == await actor_id(inst, alice.uri)
    assert stub.gets(note["id"]) == 1
    async with inst.db.read() as conn:
        assert (
            await announce_store.get_announce(conn, await actor_id(inst, bob.uri), note["id"])
            is None
        )
    assert await queue_left(inst) == []


# --- older versions ----------------------------------------------------------------------


async def test_a_replayed_create_after_an_update_keeps_the_edit(inst, stub, ana, alice):
    # Given alice's note, then her edit of it
    note = note_to(alice, "311", ana, content="<p>Perceuse à prêter</p>")
    await deliver_and_process(inst, stub, alice, create_of(alice, note))
    edited = note | {"content": "<p>Perceuse prêtée, merci</p>", "updated": "2024-05-03T09:00:00Z"}
    await deliver_and_process(inst, stub, alice, update_of(alice, edited, "1"))

    # When the original Create arrives again, under another activity id
    await deliver_and_process(inst, stub, alice, create_of(alice, note, "activity-again"))

    # Then the edit stands
    post = await held(inst, note["id"])
    assert post.content == "<p>Perceuse prêtée, merci</p>"
    assert post.edited_at == datetime(2024, 5, 3, 9, 0, tzinfo=UTC)
    assert await queue_left(inst) == []


async def test_a_create_of_a_held_note_is_an_edit_only_when_newer(inst, stub, ana, alice):
    # Given alice's note
    note = note_to(alice, "312", ana, content="<p>v1</p>")
    await deliver_and_process(inst, stub, alice, create_of(alice, note))

    # When Creates of it come again: without any date, then with the same date
    undated = {k: v for k, v in note.items() if k != "published"} | {"content": "<p>x</p>"}
    await deliver_and_process(inst, stub, alice, create_of(alice, undated, "undated"))
    await deliver_and_process(
        inst, stub, alice, create_of(alice, note | {"content": "<p>y</p>"}, "same")
    )

    # Then neither is an edit
    assert (await held(inst, note["id"])).content == "<p>v1</p>"

    # When one says it was updated later
    newer = note | {"content": "<p>v2</p>", "updated": "2024-05-03T10:00:00Z"}
    await deliver_and_process(inst, stub, alice, create_of(alice, newer, "newer"))

    # Then it is the note's new version
    post = await held(inst, note["id"])
    assert post.content == "<p>v2</p>"
    assert post.edited_at == datetime(2024, 5, 3, 10, 0, tzinfo=UTC)
