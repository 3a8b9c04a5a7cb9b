import asyncio
import json
from datetime import timedelta

from sqlalchemy import select

from fedlocal.store import domains
from fedlocal.store import outbox as store
from fedlocal.store.clock import utcnow
from fedlocal.store.tables import deliveries

from .helpers import assert_aware_utc, later, local_actor

LEASE = timedelta(minutes=2)
BODY = json.dumps({"type": "Create", "object": {"content": "Grüße"}})


async def _activity(
    database, uri: str = "https://local.example/activities/1", username: str = "alice", **kwargs
):
    async with database.write() as conn:
        actor = await local_actor(conn, username)
        activity_id = await store.enqueue_activity(
            conn, uri=uri, actor_id=actor.id, body=BODY, **kwargs
        )
    return actor, activity_id


async def _add(database, activity_id: int, *inboxes: str) -> None:
    async with database.write() as conn:
        await store.add_deliveries(
            conn, activity_id, [(inbox, inbox.split("/")[2]) for inbox in inboxes]
        )


async def _claim(database, *, now, limit: int = 10) -> list[str]:
    async with database.write() as conn:
        claimed = await store.claim_deliveries(conn, limit=limit, lease=LEASE, now=now)
    return [d.inbox_url for d in claimed]


async def _delivery_rows(database) -> dict[str, object]:
    async with database.read() as conn:
        rows = (await conn.execute(select(deliveries).order_by(deliveries.c.id))).all()
    return {row.inbox_url: row for row in rows}


async def test_enqueue_activity_round_trip(database):
    # Given
    before = utcnow()
    async with database.write() as conn:
        alice = await local_actor(conn, "alice")
        activity_id = await store.enqueue_activity(
            conn,
            uri="https://local.example/activities/1",
            actor_id=alice.id,
            body=BODY,
            followers_of=alice.id,
            inboxes=[
                "https://b.example/inbox",
                "https://a.example/inbox",
                "https://b.example/inbox",
            ],
        )

    # When
    async with database.read() as conn:
        stored = await store.get_outgoing_by_uri(conn, "https://local.example/activities/1")
        missing = await store.get_outgoing_by_uri(conn, "https://local.example/activities/2")

    # Then the explicit inboxes are deduplicated and sorted
    assert stored.id == activity_id
    assert stored.actor_id == alice.id
    assert stored.body == BODY
    assert json.loads(stored.body)["object"]["content"] == "Grüße"
    assert stored.followers_of == alice.id
    assert stored.inboxes == ["https://a.example/inbox", "https://b.example/inbox"]
    assert stored.fanout_cursor is None
    assert_aware_utc(stored.created_at)
    assert before <= stored.created_at <= utcnow()
    assert missing is None


async def test_pending_fanouts_and_advance_fanout(database):
    # Given three activities
    async with database.write() as conn:
        alice = await local_actor(conn, "alice")
        ids = [
            await store.enqueue_activity(conn, uri=f"a{i}", actor_id=alice.id, body="{}")
            for i in range(3)
        ]

    # When the first is half expanded and the second done
    async with database.write() as conn:
        await store.advance_fanout(conn, ids[0], cursor="https://m.example/inbox", done=False)
        await store.advance_fanout(conn, ids[1], cursor=None, done=True)

    # Then
    async with database.read() as conn:
        pending = await store.pending_fanouts(conn, limit=10)
        first_only = await store.pending_fanouts(conn, limit=1)
    assert [a.id for a in pending] == [ids[0], ids[2]]
    assert pending[0].fanout_cursor == "https://m.example/inbox"
    assert pending[0].inboxes == []
    assert pending[0].followers_of is None
    assert [a.id for a in first_only] == [ids[0]]


async def test_add_deliveries_ignores_duplicates(database):
    # Given
    _, activity_id = await _activity(database)
    _, other_id = await _activity(database, uri="https://local.example/a/2", username="bob")
    await _add(database, activity_id, "https://a.example/inbox", "https://b.example/inbox")

    # When the fan-out (re)adds overlapping batches, e.g. after a crash
    await _add(database, activity_id, "https://a.example/inbox", "https://c.example/inbox")
    await _add(database, activity_id, "https://c.example/inbox", "https://c.example/inbox")
    await _add(database, other_id, "https://a.example/inbox")
    async with database.write() as conn:
        await store.add_deliveries(conn, activity_id, [])

    # Then each (activity, inbox) is queued once
    async with database.read() as conn:
        rows = (await conn.execute(select(deliveries.c.activity_id, deliveries.c.inbox_url))).all()
        assert await store.count_deliveries(conn) == 4
    assert sorted(rows) == sorted(
        [
            (activity_id, "https://a.example/inbox"),
            (activity_id, "https://b.example/inbox"),
            (activity_id, "https://c.example/inbox"),
            (other_id, "https://a.example/inbox"),
        ]
    )


async def test_claim_deliveries_returns_what_to_send(database):
    alice, activity_id = await _activity(database)
    await _add(database, activity_id, "https://a.example/inbox")
    async with database.write() as conn:
        [delivery] = await store.claim_deliveries(conn, limit=5, lease=LEASE, now=later(1))
    assert delivery.activity_id == activity_id
    assert delivery.inbox_url == "https://a.example/inbox"
    assert delivery.domain == "a.example"
    assert delivery.attempts == 0
    assert delivery.actor_id == alice.id
    assert delivery.body == BODY


async def test_claim_deliveries_honours_next_attempt_at(database):
    _, activity_id = await _activity(database)
    await _add(database, activity_id, "https://a.example/inbox")
    assert await _claim(database, now=later(-60)) == []
    assert await _claim(database, now=later(1)) == ["https://a.example/inbox"]


async def test_claim_deliveries_takes_the_earliest_due_first(database):
    # Given three deliveries, the first of which was pushed back a minute
    _, activity_id = await _activity(database)
    await _add(database, activity_id, *(f"https://{h}.example/inbox" for h in "abc"))
    t0 = later(1)
    async with database.write() as conn:
        [a, *_] = await store.claim_deliveries(conn, limit=1, lease=LEASE, now=t0)
        await store.retry_delivery(conn, a.id, at=t0 + timedelta(minutes=1), status=503, error="")

    # When a worker claims two, later
    claimed = await _claim(database, now=t0 + timedelta(minutes=5), limit=2)

    # Then it takes the two that were due earliest
    assert sorted(claimed) == ["https://b.example/inbox", "https://c.example/inbox"]
    assert await _claim(database, now=t0 + timedelta(minutes=5)) == ["https://a.example/inbox"]


async def test_a_leased_delivery_comes_back_only_when_the_lease_expires(database):
    _, activity_id = await _activity(database)
    await _add(database, activity_id, "https://a.example/inbox")
    t0 = later(1)
    assert await _claim(database, now=t0) == ["https://a.example/inbox"]
    assert (await _delivery_rows(database))["https://a.example/inbox"].locked_until == t0 + LEASE
    assert await _claim(database, now=t0 + LEASE - timedelta(seconds=1)) == []
    assert await _claim(database, now=t0 + LEASE + timedelta(seconds=1)) == [
        "https://a.example/inbox"
    ]


async def test_retry_delivery(database):
    # Given a claimed delivery
    _, activity_id = await _activity(database)
    await _add(database, activity_id, "https://a.example/inbox")
    t0 = later(1)
    async with database.write() as conn:
        [delivery] = await store.claim_deliveries(conn, limit=1, lease=LEASE, now=t0)

    # When it fails with a 503
    retry_at = t0 + timedelta(minutes=30)
    async with database.write() as conn:
        await store.retry_delivery(conn, delivery.id, at=retry_at, status=503, error="e" * 3000)

    # Then it waits, with the attempt counted and the lease released
    row = (await _delivery_rows(database))["https://a.example/inbox"]
    assert (row.state, row.attempts, row.locked_until) == ("pending", 1, None)
    assert row.next_attempt_at == retry_at
    assert (row.last_status, row.last_error) == (503, "e" * 2000)
    assert await _claim(database, now=retry_at - timedelta(seconds=1)) == []
    async with database.write() as conn:
        [again] = await store.claim_deliveries(conn, limit=1, lease=LEASE, now=retry_at)
    assert again.attempts == 1


async def test_retry_delivery_without_counting_the_attempt(database):
    _, activity_id = await _activity(database)
    await _add(database, activity_id, "https://a.example/inbox")
    t0 = later(1)
    async with database.write() as conn:
        [delivery] = await store.claim_deliveries(conn, limit=1, lease=LEASE, now=t0)
        await store.retry_delivery(conn, delivery.id, at=t0, status=500, error="counted")
        await store.retry_delivery(
            conn,
            delivery.id,
            at=t0 + timedelta(hours=1),
            status=None,
            error="circuit open",
            count_attempt=False,
        )
    row = (await _delivery_rows(database))["https://a.example/inbox"]
    assert row.attempts == 1
    assert row.next_attempt_at == t0 + timedelta(hours=1)
    assert (row.last_status, row.last_error, row.locked_until) == (None, "circuit open", None)


async def test_give_up_delivery(database):
    _, activity_id = await _activity(database)
    await _add(database, activity_id, "https://a.example/inbox", "https://b.example/inbox")
    t0 = later(1)
    async with database.write() as conn:
        claimed = await store.claim_deliveries(conn, limit=5, lease=LEASE, now=t0)
        await store.give_up_delivery(conn, claimed[0].id, status=410, error="Gone")
    row = (await _delivery_rows(database))["https://a.example/inbox"]
    assert (row.state, row.attempts, row.locked_until) == ("dead", 1, None)
    assert (row.last_status, row.last_error) == (410, "Gone")
    assert await _claim(database, now=t0 + timedelta(days=30)) == ["https://b.example/inbox"]
    async with database.read() as conn:
        assert await store.count_deliveries(conn, "dead") == 1
        assert await store.count_deliveries(conn) == 1


async def test_dead_deliveries_are_listed_revived_or_deleted(database):
    # Given three deliveries of one activity, two of them dead
    _, activity_id = await _activity(database)
    inboxes = [f"https://{host}.example/inbox" for host in ("a", "b", "c")]
    await _add(database, activity_id, *inboxes)
    async with database.write() as conn:
        claimed = await store.claim_deliveries(conn, limit=5, lease=LEASE, now=later(1))
        by_inbox = {d.inbox_url: d.id for d in claimed}
        await store.give_up_delivery(conn, by_inbox[inboxes[0]], status=410, error="Gone")
        await store.give_up_delivery(conn, by_inbox[inboxes[1]], status=None, error="timeout")

    # Then the dead ones are listed, newest first, with their activity
    async with database.read() as conn:
        dead = await store.dead_deliveries(conn, limit=10)
    assert [(d.inbox_url, d.last_status, d.last_error) for d in dead] == [
        (inboxes[1], None, "timeout"),
        (inboxes[0], 410, "Gone"),
    ]
    assert dead[0].activity_uri == "https://local.example/activities/1"
    assert dead[0].body == BODY and dead[0].attempts == 1

    # When one is revived and the other deleted (the live one named too)
    t0 = later(60)
    async with database.write() as conn:
        live = by_inbox[inboxes[2]]
        assert await store.revive_deliveries(conn, [by_inbox[inboxes[0]], live], now=t0) == 1
        assert await store.delete_dead_deliveries(conn, [by_inbox[inboxes[1]], live]) == 1

    # Then the revived one is pending as new, due at t0; the live one untouched
    rows = await _delivery_rows(database)
    assert set(rows) == {inboxes[0], inboxes[2]}
    revived = rows[inboxes[0]]
    assert (revived.state, revived.attempts, revived.next_attempt_at) == ("pending", 0, t0)
    assert (revived.last_status, revived.last_error) == (None, None)
    async with database.write() as conn:
        assert await store.revive_deliveries(conn, None) == 0
        assert await store.delete_dead_deliveries(conn, None) == 0


async def test_delivered_removes_the_row(database):
    _, activity_id = await _activity(database)
    await _add(database, activity_id, "https://a.example/inbox")
    async with database.write() as conn:
        [delivery] = await store.claim_deliveries(conn, limit=1, lease=LEASE, now=later(1))
        await store.delivered(conn, delivery.id)
        assert await store.count_deliveries(conn) == 0
    assert await _claim(database, now=later(3600)) == []


async def test_next_due_at(database):
    # Given nothing queued
    async with database.read() as conn:
        assert await store.next_due_at(conn) is None

    # When deliveries wait at different times, and the earliest is dead
    _, activity_id = await _activity(database)
    await _add(database, activity_id, *(f"https://{h}.example/inbox" for h in "abc"))
    t0 = later(1)
    async with database.write() as conn:
        a, b, c = await store.claim_deliveries(conn, limit=3, lease=LEASE, now=t0)
        await store.give_up_delivery(conn, a.id, status=404, error="")
        await store.retry_delivery(conn, b.id, at=t0 + timedelta(minutes=7), status=500, error="")
        await store.retry_delivery(conn, c.id, at=t0 + timedelta(minutes=3), status=500, error="")

    # Then the earliest pending one counts
    async with database.read() as conn:
        due = await store.next_due_at(conn)
    assert due == t0 + timedelta(minutes=3)
    assert_aware_utc(due)


async def test_claim_skips_hosts_whose_circuit_is_open_until_it_closes(database):
    # Given deliveries to a failing host and a healthy one
    _, activity_id = await _activity(database)
    await _add(database, activity_id, "https://down.example/inbox", "https://up.example/inbox")
    async with database.write() as conn:
        health = await domains.record_failure(
            conn, "down.example", error="timeout", threshold=1, open_for=timedelta(minutes=10)
        )
    assert health.circuit_state == "open"

    # When workers claim while the circuit is open
    during = await _claim(database, now=health.open_until - timedelta(seconds=1))

    # Then only the healthy host is served
    assert during == ["https://up.example/inbox"]

    # And after open_until the failing host gets its (half-open) attempt
    after = await _claim(database, now=health.open_until + timedelta(seconds=1))
    assert after == ["https://down.example/inbox"]


async def test_claim_serves_a_host_again_after_success(database):
    _, activity_id = await _activity(database)
    await _add(database, activity_id, "https://down.example/inbox")
    async with database.write() as conn:
        await domains.record_failure(
            conn, "down.example", error="timeout", threshold=1, open_for=timedelta(hours=1)
        )
    assert await _claim(database, now=later(1)) == []
    async with database.write() as conn:
        await domains.record_success(conn, "down.example")
    assert await _claim(database, now=later(1)) == ["https://down.example/inbox"]


async def test_concurrent_delivery_claims_take_disjoint_rows(database):
    _, activity_id = await _activity(database)
    inboxes = [f"https://h{i}.example/inbox" for i in range(4)]
    await _add(database, activity_id, *inboxes)
    now = later(1)
    first_claimed, second_done = asyncio.Event(), asyncio.Event()

    async def first_worker():
        async with database.write() as conn:
            claimed = await store.claim_deliveries(conn, limit=2, lease=LEASE, now=now)
            first_claimed.set()
            if not database.is_sqlite:
                await second_done.wait()
        return [d.inbox_url for d in claimed]

    async def second_worker():
        await first_claimed.wait()
        try:
            return await _claim(database, now=now, limit=2)
        finally:
            second_done.set()

    async with asyncio.timeout(10):
        first, second = await asyncio.gather(first_worker(), second_worker())
    assert sorted(first + second) == sorted(inboxes)
    assert not set(first) & set(second)
