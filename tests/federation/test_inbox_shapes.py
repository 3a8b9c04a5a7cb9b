"""The shape table (fedlocal/federation/shapes.py) and the worker's trust in it: every
handled verb has a shape, what real servers send passes it, and whatever reaches the
worker — odd-typed fields, rows queued before the inbox checked shapes — is applied or
ignored, never a crash left `failed` in the queue.

The inbox's 400s for missing fields are in test_inbox_bad_input.py.
"""

from __future__ import annotations

import json
import re
from typing import Any

import pytest
from sqlalchemy import select

from fedlocal.federation import shapes
from fedlocal.federation.inbox.verbs import HANDLERS
from fedlocal.federation.inbox_worker import InboxWorker
from fedlocal.store import inbox_queue
from fedlocal.store.tables import inbox_queue as inbox_queue_table
from tests.support.federation_steps import AS_CONTEXT, deliver, resident
from tests.support.fixtures import FIXTURES
from tests.support.remote_stub import StubActor

_PLACEHOLDER = re.compile(r"\{([a-z_]+)\}")


def test_every_handled_verb_has_a_shape_and_every_shape_a_handler():
    assert set(shapes.SHAPES) == set(HANDLERS)


def _filled(path) -> Any:
    """A fixture with every placeholder given a plausible value (URLs on one host)."""
    text = _PLACEHOLDER.sub(
        lambda m: "https://peer.example" if m[1] == "base" else f"https://peer.example/{m[1]}",
        path.read_text(encoding="utf-8"),
    )
    return json.loads(text)


ACTIVITY_FIXTURES = sorted(
    path
    for path in FIXTURES.rglob("*.json")
    if json.loads(path.read_text(encoding="utf-8")).get("type") in shapes.SHAPES
)


@pytest.mark.parametrize("path", ACTIVITY_FIXTURES, ids=lambda p: f"{p.parent.name}/{p.name}")
def test_what_real_servers_send_has_its_verbs_shape(path):
    # Mastodon, GoToSocial, Mobilizon, Gancio and Mitra shapes, as the fixtures hold them.
    assert shapes.problem(_filled(path)) is None


def test_id_less_activities_pass_only_for_verbs_nobody_refers_to_by_id():
    actor = "https://peer.example/users/alice"
    for verb, shape in shapes.SHAPES.items():
        activity = {"type": verb, "actor": actor, "object": f"{actor}/statuses/1"}
        problem = shapes.problem(activity)
        assert (problem is not None) == shape.needs_id, verb
        if problem:
            assert problem == f"a {verb} needs an id"


# --- the worker ---------------------------------------------------------------------------


async def queue_rows(inst) -> list[Any]:
    async with inst.db.inbox.read() as conn:
        return list(await conn.execute(select(inbox_queue_table)))


async def test_a_queued_row_without_its_verbs_fields_is_ignored_not_failed(inst, stub):
    # Given an id-less Like queued before the inbox checked shapes (it used to fail the
    # worker with KeyError: 'id' and stay failed)
    ana = await resident(inst, "ana")
    alice = stub.add_actor("alice")
    await deliver(inst, stub, alice, follow(alice, ana.uri, "1"))  # alice is known here
    like = {"@context": AS_CONTEXT, "type": "Like", "actor": alice.uri, "object": ana.uri}
    async with inst.db.inbox.write() as conn:
        await inbox_queue.enqueue(
            conn,
            body=json.dumps(like).encode(),
            activity_uri="urn:sha256:legacy",
            actor_uri=alice.uri,
            key_id=alice.key_id,
        )

    # When the worker runs
    assert await InboxWorker(inst.federation).run_once() == 2

    # Then nothing is left in the queue: the Follow applied, the Like ignored
    assert await queue_rows(inst) == []


def follow(actor: StubActor, target: str, n: str) -> dict[str, Any]:
    return {
        "@context": AS_CONTEXT,
        "id": f"{actor.uri}/follows/{n}",
        "type": "Follow",
        "actor": actor.uri,
        "object": target,
    }


def odd_activities(alice: StubActor, target: str) -> list[dict[str, Any]]:
    """Activities of the right shape whose other fields are not what a handler expects."""
    n = iter(range(100))

    def made(verb: str, obj: Any) -> dict[str, Any]:
        return {
            "@context": AS_CONTEXT,
            "id": f"{alice.uri}/odd/{next(n)}",
            "type": verb,
            "actor": alice.uri,
            "object": obj,
        }

    note = f"{alice.uri}/statuses/1"
    return [
        made("Announce", {"type": ["Create"], "object": note, "id": f"{note}/activity"}),
        made("Announce", {"type": {"nested": "Create"}, "object": 3}),
        made("Announce", {"type": ["Delete", 4], "object": [note]}),
        made("Accept", {"type": ["Follow"], "actor": 5, "object": {"id": []}}),
        made("Reject", {"type": ["Join", None], "id": f"{alice.uri}/joins/1"}),
        made("Undo", {"type": [["Like"]], "id": {"no": "string"}}),
        made("Undo", {"type": "Follow", "actor": [alice.uri], "object": {"type": 1}}),
        made("Offer", {"type": ["Agreement"], "stipulates": "x"}),
        made("Join", {"id": target, "type": 12}) | {"participationMessage": ["hi"]},
        made("Leave", {"id": target}),
        made("Like", {"id": target, "type": None}),
        made("Follow", {"id": f"{target}/nobody"}),
        made("Delete", {"id": note, "type": ["Tombstone"]}),
    ]


async def test_odd_typed_fields_never_fail_the_worker(inst, stub):
    # Given activities of the right shape with lists, numbers and objects where handlers
    # expect strings
    ana = await resident(inst, "ana")
    alice = stub.add_actor("alice")
    activities = odd_activities(alice, ana.uri)
    for activity in activities:
        await deliver(inst, stub, alice, activity)

    # When the worker takes them
    assert await InboxWorker(inst.federation).run_once() == len(activities)

    # Then each was applied or ignored: none is left failed (or waiting) in the queue
    left = [(row.state, row.last_error) for row in await queue_rows(inst)]
    assert left == []
