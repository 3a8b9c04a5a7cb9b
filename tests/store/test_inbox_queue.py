import asyncio
from datetime import timedelta

from sqlalchemy import select

from fedlocal.federation.workers import release_previous_leases
from fedlocal.store import inbox_queue as store
from fedlocal.store.clock import utcnow
from fedlocal.store.tables import inbox_queue

from .helpers import assert_aware_utc, later

# The queue is where the workers find it: `database.inbox`, a file of its own on SQLite.
LEASE = timedelta(minutes=1)


async def _enqueue(database, count: int) -> list[int]:
    async with database.inbox.write() as conn:
        return [
            await store.enqueue(
                conn,
                body=f'{{"n": {i}}}'.encode(),
                activity_uri=f"https://remote.example/activities/{i}",
                actor_uri="https://remote.example/users/bob",
                key_id="https://remote.example/users/bob#main-key",
            )
            for i in range(count)
        ]


async def _claim(database, *, now, limit: int = 10, lease: timedelta = LEASE) -> list[int]:
    async with database.inbox.write() as conn:
        return [item.id for item in await store.claim(conn, limit=limit, lease=lease, now=now)]


async def _row(database, item_id: int):
    async with database.inbox.read() as conn:
        return (await conn.execute(select(inbox_queue).where(inbox_queue.c.id == item_id))).one()


async def test_enqueue_and_claim_round_trip(database):
    # Given a body that is not valid UTF-8 (it is stored exactly as received)
    body = b'\x00\xff{"type": "Create"}\xc3\x28'
    before = utcnow()
    async with database.inbox.write() as conn:
        item_id = await store.enqueue(
            conn, body=body, activity_uri="https://r.example/a/1", actor_uri=None, key_id="k#1"
        )

    # When
    async with database.inbox.write() as conn:
        [item] = await store.claim(conn, limit=5, lease=LEASE, now=later(1))

    # Then
    assert item.id == item_id
    assert item.body == body
    assert item.activity_uri == "https://r.example/a/1"
    assert item.actor_uri is None
    assert item.key_id == "k#1"
    assert item.attempts == 0
    assert_aware_utc(item.received_at)
    assert before <= item.received_at <= utcnow()
    async with database.inbox.read() as conn:
        assert await store.count(conn) == 1


async def test_claim_honours_next_attempt_at(database):
    [item_id] = await _enqueue(database, 1)
    assert await _claim(database, now=later(-60)) == []
    assert await _claim(database, now=later(1)) == [item_id]


async def test_claim_takes_the_oldest_first_up_to_the_limit(database):
    ids = await _enqueue(database, 5)
    now = later(1)
    assert await _claim(database, now=now, limit=2) == ids[0:2]
    assert await _claim(database, now=now, limit=2) == ids[2:4]
    assert await _claim(database, now=now, limit=2) == ids[4:5]
    assert await _claim(database, now=now, limit=2) == []


async def test_claim_takes_items_in_the_order_they_come_due(database):
    # Given three items, the first of which was put back to be retried after the others
    first, second, third = await _enqueue(database, 3)
    async with database.inbox.write() as conn:
        await store.retry_later(conn, first, error="its author's server was down", at=later(5))

    # When the worker claims two, then one, once all three are due
    claimed = [await _claim(database, now=later(6), limit=limit) for limit in (2, 1)]

    # Then the others come first, as they arrived, and the retried one after them
    assert claimed == [[second, third], [first]]


async def test_on_sqlite_the_claim_reads_the_due_range_in_order_without_sorting_it(database):
    # Given the claim SQLite runs (PostgreSQL plans its own way)
    if not database.is_sqlite:
        return
    async with database.inbox.read() as conn:
        claim = store._CLAIM.compile(dialect=conn.dialect)
        # When SQLite plans it (the values do not change the plan)
        plan = await conn.exec_driver_sql(
            "EXPLAIN QUERY PLAN " + claim.string, tuple("x" for _ in claim.positiontup or ())
        )
        steps = [row[-1] for row in plan]

    # Then it walks the (state, next_attempt_at) index, stopping at the limit, rather than
    # reading every due row into a temporary B-tree to sort them (1.4 ms for 1,000 queued)
    assert any("ix_inbox_queue_state_next_attempt_at" in step for step in steps), steps
    assert not any("TEMP B-TREE" in step for step in steps), steps


async def test_a_leased_item_comes_back_only_when_the_lease_expires(database):
    # Given an item claimed at t0 for a minute
    [item_id] = await _enqueue(database, 1)
    t0 = later(1)
    assert await _claim(database, now=t0) == [item_id]
    assert (await _row(database, item_id)).locked_until == t0 + LEASE

    # Then no other worker gets it during the lease
    assert await _claim(database, now=t0 + timedelta(seconds=30)) == []
    assert await _claim(database, now=t0 + LEASE - timedelta(seconds=1)) == []

    # But once a worker crashed and the lease expired, it comes back, unspent
    async with database.inbox.write() as conn:
        [again] = await store.claim(conn, limit=1, lease=LEASE, now=t0 + LEASE + timedelta(1))
    assert again.id == item_id
    assert again.attempts == 0


async def test_complete_removes_the_item(database):
    ids = await _enqueue(database, 2)
    async with database.inbox.write() as conn:
        await store.complete(conn, ids[0])
        assert await store.count(conn) == 1
    assert await _claim(database, now=later(120)) == [ids[1]]


async def test_retry_later(database):
    # Given a claimed item
    [item_id] = await _enqueue(database, 1)
    t0 = later(1)
    await _claim(database, now=t0)

    # When processing fails with a long error
    retry_at = t0 + timedelta(minutes=10)
    async with database.inbox.write() as conn:
        await store.retry_later(conn, item_id, error="x" * 5000, at=retry_at)

    # Then it waits until `at`, lease or no lease, and counts the attempt
    row = await _row(database, item_id)
    assert row.attempts == 1
    assert row.state == "pending"
    assert row.locked_until is None
    assert row.next_attempt_at == retry_at
    assert row.last_error == "x" * 2000
    assert await _claim(database, now=t0 + timedelta(minutes=5)) == []
    async with database.inbox.write() as conn:
        [item] = await store.claim(conn, limit=1, lease=LEASE, now=retry_at)
    assert item.id == item_id
    assert item.attempts == 1


async def test_retry_later_releases_the_lease(database):
    [item_id] = await _enqueue(database, 1)
    t0 = later(1)
    await _claim(database, now=t0)
    async with database.inbox.write() as conn:
        await store.retry_later(conn, item_id, error="soon", at=t0)
    assert await _claim(database, now=t0 + timedelta(seconds=1)) == [item_id]


async def test_fail_keeps_the_item_out_of_the_queue(database):
    # Given two items, one of which fails for good
    ids = await _enqueue(database, 3)
    t0 = later(1)
    await _claim(database, now=t0)
    async with database.inbox.write() as conn:
        await store.fail(conn, ids[0], error="invalid signature")
        await store.fail(conn, ids[2], error="x" * 3000)
        await store.retry_later(conn, ids[1], error="later", at=t0)

    # Then it is never claimed again, but visible to an admin
    assert await _claim(database, now=t0 + timedelta(days=365)) == [ids[1]]
    row = await _row(database, ids[0])
    assert (row.state, row.attempts, row.locked_until) == ("failed", 1, None)
    async with database.inbox.read() as conn:
        assert await store.count(conn, "failed") == 2
        assert await store.count(conn) == 1
        failures = await store.failed_items(conn, limit=50)
        assert await store.failed_items(conn, limit=1) == failures[:1]
    assert [(f.id, f.activity_uri, f.last_error, f.attempts) for f in failures] == [
        (ids[2], "https://remote.example/activities/2", "x" * 2000, 1),
        (ids[0], "https://remote.example/activities/0", "invalid signature", 1),
    ]
    assert failures[0].body == b'{"n": 2}'
    assert failures[0].actor_uri == "https://remote.example/users/bob"


async def test_failed_items_are_requeued_or_deleted_and_pending_ones_never(database):
    # Given three failed items and one pending
    ids = await _enqueue(database, 4)
    async with database.inbox.write() as conn:
        for item_id in ids[:3]:
            await store.fail(conn, item_id, error="boom")

    # When one is requeued by id (a pending one named too), then one deleted by id
    t0 = later(5)
    async with database.inbox.write() as conn:
        assert await store.requeue_failed(conn, [ids[0], ids[3]], now=t0) == 1
        assert await store.delete_failed(conn, [ids[1], ids[3]]) == 1

    # Then the requeued one is due at t0 as new, the pending one untouched
    row = await _row(database, ids[0])
    assert (row.state, row.attempts, row.next_attempt_at, row.last_error) == (
        "pending",
        0,
        t0,
        None,
    )
    assert (await _row(database, ids[3])).state == "pending"
    assert await _claim(database, now=t0) == [ids[0], ids[3]]

    # And "all" means every failed item, and only those
    async with database.inbox.write() as conn:
        assert await store.delete_failed(conn, None) == 1
        assert await store.requeue_failed(conn, None) == 0
        assert await store.count(conn, "failed") == 0
        assert await store.count(conn) == 2


async def test_concurrent_claims_take_disjoint_items(database):
    # Given four due items and two workers
    ids = await _enqueue(database, 4)
    now = later(1)
    first_claimed, second_done = asyncio.Event(), asyncio.Event()

    async def first_worker():
        async with database.inbox.write() as conn:
            items = await store.claim(conn, limit=2, lease=LEASE, now=now)
            first_claimed.set()
            if not database.is_sqlite:
                # Hold the row locks while the second claims (SKIP LOCKED must pass them).
                await second_done.wait()
        return [item.id for item in items]

    async def second_worker():
        await first_claimed.wait()
        try:
            return await _claim(database, now=now, limit=2)
        finally:
            second_done.set()

    # When both claim at once
    async with asyncio.timeout(10):
        first, second = await asyncio.gather(first_worker(), second_worker())

    # Then no item is leased twice
    assert first == ids[0:2]
    assert second == ids[2:4]


async def test_a_restarted_sqlite_instance_takes_back_what_its_dead_run_had_leased(database):
    # Given an item leased for an hour by a run that then died (kill -9)
    [item_id] = await _enqueue(database, 1)
    now = later(1)
    assert await _claim(database, now=now, lease=timedelta(hours=1)) == [item_id]

    # When the serving process starts its workers again
    await release_previous_leases(database)

    # Then on SQLite, where that process is the only worker, the item is due at once;
    # on PostgreSQL another live process may hold it: it waits out its lease
    claimed_again = await _claim(database, now=now + timedelta(seconds=1))
    assert claimed_again == ([item_id] if database.is_sqlite else [])


async def test_due_up_to_counts_what_waits_now_and_stops_at_its_limit(database):
    # Given five queued activities, one of them put off for a retry and one failed
    ids = await _enqueue(database, 5)
    async with database.inbox.write() as conn:
        await store.retry_later(conn, ids[0], error="timeout", at=later(3600))
        await store.fail(conn, ids[1], error="gave up")

    # When counted with room to spare, and with a limit below what waits
    async with database.inbox.read() as conn:
        everything = await store.due_up_to(conn, 100, now=later(1))
        limited = await store.due_up_to(conn, 2, now=later(1))
        after_the_retry = await store.due_up_to(conn, 100, now=later(7200))

    # Then only the three due now count, and never more than the limit
    assert everything == 3
    assert limited == 2
    assert after_the_retry == 4
