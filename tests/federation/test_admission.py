"""A bounded inbox backlog (`federation/admission.py`): from the pacing mark (three
quarters of `inbox_backlog_limit`) a verified POST is held (not written, not answered),
and held POSTs go in first come first served at a pace, none while the backlog is at the
limit; then each is queued and answered 202. Never refused, never held past
`inbox_hold_seconds`, never more than `max_held` held at once."""

from __future__ import annotations

import asyncio
from datetime import timedelta

import pytest

from fedlocal.federation.admission import InboxAdmission
from fedlocal.federation.inbox_worker import InboxWorker
from fedlocal.store import inbox_queue
from fedlocal.store.clock import utcnow
from tests.support.instance import instance_on_database
from tests.support.remote_stub import RemoteStub, StubActor
from tests.support.waiting import wait_for

# No wall-clock upper bounds: a hold that must not end is an hour long, so a wrong release
# shows as the test's own deadline passing.
HOUR = 3600.0


async def queue_activities(db, count: int, *, first: int = 0) -> list[int]:
    """`count` activities waiting in the queue, as the inbox leaves them."""
    async with db.inbox.write() as conn:
        return [
            await inbox_queue.enqueue(
                conn,
                body=b'{"type": "Create"}',
                activity_uri=f"https://remote.example/activities/{n}",
                actor_uri="https://remote.example/users/zoe",
                key_id="https://remote.example/users/zoe#main-key",
            )
            for n in range(first, first + count)
        ]


async def make_room(db, ids: list[int]) -> None:
    """What the worker does once it has applied activities: their rows go."""
    async with db.inbox.write() as conn:
        await inbox_queue.complete_many(conn, ids)


def counting(admission: InboxAdmission, monkeypatch) -> list[int]:
    """One entry per count of the backlog the admission makes from now on."""
    counts: list[int] = []
    real = inbox_queue.due_up_to

    async def counted(conn, limit, now=None):
        found = await real(conn, limit, now)
        counts.append(found)
        return found

    monkeypatch.setattr(inbox_queue, "due_up_to", counted)
    return counts


def create_note(actor: StubActor, status_id: str) -> dict:
    return actor.fixture(
        "mastodon/create-note.json",
        status_id=status_id,
        mentioned="https://elsewhere.example/users/x",
        mentioned_acct="x@elsewhere.example",
    )


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
async def limited(request, tmp_path):
    """An instance (workers off: the test is the worker) whose backlog limit is 3."""
    async with instance_on_database(
        request.param,
        tmp_path,
        run_workers=False,
        inbox_backlog_limit=3,
        inbox_hold_seconds=HOUR,
    ) as inst:
        yield inst


async def test_a_post_waits_for_room_in_the_backlog_and_is_then_queued(limited, stub: RemoteStub):
    inst, alice = limited, stub.add_actor("alice")
    # Given a backlog at its limit
    await queue_activities(inst.db, 3)
    create = create_note(alice, "9001")

    # When alice's server delivers one more
    delivery = asyncio.create_task(stub.deliver(alice, f"{inst.base_url}/inbox", create))
    admission = inst.federation.inbox_admission
    await wait_for(lambda: admission.held == 1, message="the delivery to be held")

    # Then it is neither answered nor written while nothing is processed, and the
    # worker knows a request waits for it (it will not step aside for it)
    assert not delivery.done()
    assert inst.federation.inbox_pressure.waiting_on_worker()
    async with inst.db.inbox.read() as conn:
        assert not await inbox_queue.is_pending(conn, create["id"])

    # When the worker processes the backlog
    await InboxWorker(inst.federation).run_once()

    # Then the delivery is queued and answered 202
    response = await asyncio.wait_for(delivery, 30)
    assert response.status_code == 202
    async with inst.db.inbox.read() as conn:
        assert await inbox_queue.is_pending(conn, create["id"])
    assert admission.outcomes["released"] == 1


async def test_held_requests_go_in_first_come_first_served_as_room_is_made(limited, monkeypatch):
    inst = limited
    admission = inst.federation.inbox_admission
    backlog = await queue_activities(inst.db, 3)
    counts = counting(admission, monkeypatch)
    order: list[str] = []

    async def arrive(name: str, n: int) -> None:
        await admission.admit()
        order.append(name)
        await queue_activities(inst.db, 1, first=100 + n)  # as the inbox appends it

    # Given three requests held in the order they came
    arrivals = []
    for n, name in enumerate(["first", "second", "third"]):
        arrivals.append(asyncio.create_task(arrive(name, n)))
        await wait_for(lambda n=n: admission.held == n + 1, message=f"{name} to be held")

    # When the worker makes room for one
    await make_room(inst.db, backlog[:1])

    # Then the first goes in, and its append fills the room again: the others stay held
    # for two more counts of the backlog
    await wait_for(lambda: order == ["first"], message="the first to go in")
    seen = len(counts)
    await wait_for(lambda: len(counts) >= seen + 2, message="two more counts")
    assert order == ["first"]
    assert admission.held == 2

    # When there is room for both, Then both go in, in order
    await make_room(inst.db, backlog[1:])
    await asyncio.wait_for(asyncio.gather(*arrivals), 30)
    assert order == ["first", "second", "third"]


async def test_activities_waiting_for_a_retry_do_not_count(limited):
    inst = limited
    # Given three activities put off for a retry (a post whose author's server is down)
    ids = await queue_activities(inst.db, 3)
    async with inst.db.inbox.write() as conn:
        for item_id in ids:
            await inbox_queue.retry_later(
                conn, item_id, error="timeout", at=utcnow() + timedelta(hours=1)
            )

    # When a request arrives, Then it goes in at once
    await asyncio.wait_for(inst.federation.inbox_admission.admit(), 30)
    assert inst.federation.inbox_admission.outcomes == {
        "released": 0,
        "timed_out": 0,
        "over_max_held": 0,
    }


async def test_a_request_is_never_held_past_the_hold(limited):
    inst = limited
    # Given a backlog at its limit that nothing processes, and a short hold
    await queue_activities(inst.db, 3)
    admission = InboxAdmission(inst.db, limit=3, hold_seconds=0.2)
    try:
        # When a request arrives, Then it goes in once the hold is over
        await asyncio.wait_for(admission.admit(), 30)
        assert admission.outcomes["timed_out"] == 1
        assert admission.held == 0
    finally:
        await admission.close()


async def test_past_max_held_requests_go_in_at_once(limited):
    inst = limited
    await queue_activities(inst.db, 3)
    admission = InboxAdmission(inst.db, limit=3, hold_seconds=HOUR, max_held=2)
    try:
        # Given two requests held
        held = [asyncio.create_task(admission.admit()) for _ in range(2)]
        await wait_for(lambda: admission.held == 2, message="two requests held")

        # When a third arrives, Then it goes in at once (memory stays bounded)
        await asyncio.wait_for(admission.admit(), 30)
        assert admission.outcomes["over_max_held"] == 1
        assert not any(task.done() for task in held)
    finally:
        # And stopping the process lets the held ones in
        await admission.close()
        await asyncio.wait_for(asyncio.gather(*held), 30)


async def test_without_a_limit_nothing_is_counted_or_held(limited, monkeypatch):
    inst = limited
    await queue_activities(inst.db, 5)
    admission = InboxAdmission(inst.db, limit=0, hold_seconds=HOUR)
    counts = counting(admission, monkeypatch)

    await asyncio.wait_for(admission.admit(), 30)

    assert counts == []
    assert admission.held == 0


async def test_a_request_dropped_while_held_leaves_no_trace(limited):
    inst = limited
    admission = inst.federation.inbox_admission
    backlog = await queue_activities(inst.db, 3)
    # Given a held request whose sender hangs up
    task = asyncio.create_task(admission.admit())
    await wait_for(lambda: admission.held == 1, message="the request to be held")
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task

    # Then it is no longer held, and the next request, once there is room, goes in
    assert admission.held == 0
    await make_room(inst.db, backlog)
    await asyncio.wait_for(admission.admit(), 30)
    assert admission.held == 0


async def test_over_the_mark_held_requests_go_in_at_a_pace_not_all_at_once(limited):
    inst = limited
    # Given a backlog at its limit of 100 and twenty requests held in the order they came
    admission = InboxAdmission(inst.db, limit=100, hold_seconds=HOUR)
    backlog = await queue_activities(inst.db, 100)
    went_in: list[tuple[int, int]] = []  # (arrival, requests still held when it went in)

    async def arrive(n: int) -> None:
        await admission.admit()
        went_in.append((n, admission.held))

    try:
        arrivals = []
        for n in range(20):
            arrivals.append(asyncio.create_task(arrive(n)))
            await wait_for(lambda n=n: admission.held == n + 1, message=f"request {n} held")

        # When the worker takes twenty activities out at once, as it does a batch at a time
        # (the backlog stays over the pacing mark, three quarters of the limit)
        await make_room(inst.db, backlog[:20])

        # Then the held requests go in first come first served, and not in one burst:
        # most were still held when the first went in
        await asyncio.wait_for(asyncio.gather(*arrivals), 30)
        assert [n for n, _ in went_in] == list(range(20))
        first_still_held = went_in[0][1]
        assert first_still_held >= 5, f"{20 - first_still_held} went in at once"
        assert admission.outcomes["released"] == 20
    finally:
        await admission.close()


async def test_a_request_under_the_mark_does_not_wait_for_a_count(limited, monkeypatch):
    inst = limited
    # Given an admission that counts the backlog before every request (nothing is queued)
    admission = InboxAdmission(inst.db, limit=100, hold_seconds=HOUR, check_every=0.0)
    await asyncio.wait_for(admission.admit(), 30)
    counting_started, finish_counting = asyncio.Event(), asyncio.Event()
    real = inbox_queue.due_up_to

    async def slow_count(conn, limit, now=None):
        counting_started.set()
        await finish_counting.wait()
        return await real(conn, limit, now)

    monkeypatch.setattr(inbox_queue, "due_up_to", slow_count)
    try:
        # When the next request comes while its count takes long (a busy database thread)
        request = asyncio.create_task(admission.admit())
        await asyncio.wait_for(counting_started.wait(), 30)

        # Then it goes in on what the last count said, without waiting for this one
        await wait_for(request.done, message="the request to go in during the count")
        assert admission.held == 0
    finally:
        finish_counting.set()
        await admission.close()


async def test_under_the_mark_held_requests_go_in_at_once(limited):
    inst = limited
    # Given a backlog at its limit of 100 and twenty requests held
    admission = InboxAdmission(inst.db, limit=100, hold_seconds=HOUR)
    backlog = await queue_activities(inst.db, 100)
    went_in: list[int] = []  # requests still held when each went in

    async def arrive() -> None:
        await admission.admit()
        went_in.append(admission.held)

    try:
        arrivals = []
        for n in range(20):
            arrivals.append(asyncio.create_task(arrive()))
            await wait_for(lambda n=n: admission.held == n + 1, message=f"request {n} held")

        # When the worker empties the queue (it is faster than the pace)
        await make_room(inst.db, backlog)

        # Then the twenty fit under the mark and go in together, not at the pace
        await asyncio.wait_for(asyncio.gather(*arrivals), 30)
        assert went_in[0] == 0
    finally:
        await admission.close()
