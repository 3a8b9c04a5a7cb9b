"""What the workers gave up on, as an admin sees it (`services.queues`): listed with what
and why, put back in its queue as new, or dropped — and nothing else touched."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from fedlocal.federation.inbox_worker import InboxWorker
from fedlocal.services import queues
from fedlocal.services.errors import InvalidInput
from fedlocal.store import inbox_queue as inbox_store
from fedlocal.store.clock import utcnow
from fedlocal.store.tables import deliveries, inbox_queue
from tests.support.databases import holding
from tests.support.queue_failures import (
    PEER,
    dead_delivery,
    failed_inbox_item,
    pending_delivery,
)

Ref = queues.FailureRef


async def rows(world, table) -> dict[int, tuple[str, int]]:
    """{row id: (state, attempts)} of `table`."""
    async with holding(world.db, table).read() as conn:
        result = await conn.execute(select(table.c.id, table.c.state, table.c.attempts))
        return {row.id: (row.state, row.attempts) for row in result}


async def test_failures_of_both_queues_are_listed_with_what_and_why(world):
    # Given a failed inbox item, a dead delivery, and work still being tried
    sender = world.community.id
    item = await failed_inbox_item(world.db, 1, verb="Like", error="KeyError: 'id'")
    dead = await dead_delivery(world.db, sender, 2, status=410, error="Gone")
    await pending_delivery(world.db, sender, 3)
    async with world.db.inbox.write() as conn:
        await inbox_store.enqueue(
            conn, body=b"{}", activity_uri="urn:x", actor_uri=None, key_id=None
        )

    # When an admin lists the failures
    found = await queues.failures(world.services)

    # Then the two failures are there, each with what it was and why it failed
    assert [str(f.ref) for f in found] == [f"inbox:{item}", f"delivery:{dead}"]
    inbox, delivery = found
    assert (inbox.verb, inbox.activity_uri) == ("Like", f"{PEER}/activities/1")
    assert (inbox.party, inbox.attempts, inbox.error) == (
        f"{PEER}/users/alice",
        1,
        "KeyError: 'id'",
    )
    assert (delivery.verb, delivery.activity_uri) == (
        "Create",
        "https://local.example/posts/2/activity",
    )
    assert (delivery.party, delivery.attempts) == (f"{PEER}/inbox", 1)
    assert (delivery.status, delivery.error) == (410, "Gone")
    assert all(abs((utcnow() - f.at).total_seconds()) < 60 for f in found)

    # And one queue at a time
    assert [f.kind for f in await queues.failures(world.services, kind="delivery")] == ["delivery"]


async def test_an_inbox_item_that_is_not_json_is_listed_without_a_verb(world):
    async with world.db.inbox.write() as conn:
        item = await inbox_store.enqueue(
            conn, body=b"\xff not json", activity_uri=None, actor_uri=None, key_id=None
        )
        await inbox_store.fail(conn, item, error="malformed JSON")

    [failure] = await queues.failures(world.services)

    assert (failure.ref, failure.verb, failure.activity_uri) == (Ref("inbox", item), None, None)


async def test_retry_puts_the_named_failures_back_as_new(world):
    # Given two failed inbox items and two dead deliveries
    sender = world.community.id
    items = [await failed_inbox_item(world.db, n) for n in (1, 2)]
    dead = [await dead_delivery(world.db, sender, n) for n in (3, 4)]
    before = utcnow()

    # When the admin retries one of each (and names one that is no failure)
    count = await queues.retry(
        world.services, [Ref("inbox", items[0]), Ref("delivery", dead[1]), Ref("inbox", 999)]
    )

    # Then those two are pending again, due now, with no attempt spent; the others wait
    assert count == 2
    assert await rows(world, inbox_queue) == {items[0]: ("pending", 0), items[1]: ("failed", 1)}
    assert await rows(world, deliveries) == {dead[0]: ("dead", 1), dead[1]: ("pending", 0)}
    async with world.db.inbox.read() as conn:
        retried = (
            await conn.execute(select(inbox_queue).where(inbox_queue.c.id == items[0]))
        ).one()
    assert retried.next_attempt_at <= utcnow() and retried.next_attempt_at >= before
    assert retried.last_error is None

    # And the inbox worker takes the retried item at once
    assert await InboxWorker(world.federation).run_once() == 1


async def test_retry_all_of_one_kind_leaves_the_other_queue(world):
    sender = world.community.id
    item = await failed_inbox_item(world.db, 1)
    dead = [await dead_delivery(world.db, sender, n) for n in (2, 3)]

    assert await queues.retry(world.services, None, kind="delivery") == 2

    assert await rows(world, inbox_queue) == {item: ("failed", 1)}
    assert await rows(world, deliveries) == {d: ("pending", 0) for d in dead}


async def test_drop_forgets_failures_and_never_work_in_progress(world):
    # Given failures of both kinds and a delivery still being tried
    sender = world.community.id
    items = [await failed_inbox_item(world.db, n) for n in (1, 2)]
    dead = await dead_delivery(world.db, sender, 3)
    pending = await pending_delivery(world.db, sender, 4)

    # When one is dropped by name, a pending one named too, then all the rest
    assert (
        await queues.drop(world.services, [Ref("inbox", items[0]), Ref("delivery", pending)]) == 1
    )
    assert await rows(world, inbox_queue) == {items[1]: ("failed", 1)}
    assert await queues.drop(world.services, None) == 2

    # Then no failure is left, and the pending delivery is untouched
    assert await queues.failures(world.services) == []
    assert await rows(world, deliveries) == {pending: ("pending", 0)}
    assert dead not in await rows(world, deliveries)


@pytest.mark.parametrize(
    ("text", "kind", "expected"),
    [
        ("inbox:12", None, Ref("inbox", 12)),
        (" delivery:7 ", None, Ref("delivery", 7)),
        ("7", "delivery", Ref("delivery", 7)),
        ("inbox:3", "inbox", Ref("inbox", 3)),
    ],
)
def test_failures_are_named_by_queue_and_id(text, kind, expected):
    assert queues.parse_ref(text, kind=kind) == expected


@pytest.mark.parametrize(
    ("text", "kind"),
    [
        ("12", None),
        ("outbox:3", None),
        ("inbox:", None),
        ("inbox:-1", None),
        ("inbox:x", None),
        ("inbox:3", "delivery"),
        ("inbox:" + "9" * 30, None),
    ],
)
def test_a_name_that_is_no_failure_is_refused_clearly(text, kind):
    with pytest.raises(InvalidInput):
        queues.parse_ref(text, kind=kind)


async def test_an_unknown_kind_is_refused(world):
    with pytest.raises(InvalidInput):
        await queues.failures(world.services, kind="outbox")
    with pytest.raises(InvalidInput):
        await queues.drop(world.services, None, kind="outbox")
