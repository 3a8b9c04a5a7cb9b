"""What several processes share through the database: leases on periodic jobs, sliding
window rate limits, and wake-ups (LISTEN/NOTIFY on PostgreSQL; nothing on SQLite)."""

from __future__ import annotations

import asyncio
from datetime import timedelta

from sqlalchemy import text

from fedlocal.store import Database, job_leases, rate_events
from fedlocal.store.clock import utcnow
from fedlocal.store.signals import Signals
from tests.support.waiting import wait_for

LEASE = timedelta(minutes=10)
EVERY = timedelta(seconds=54)


async def take(database, holder: str, now, *, every=EVERY) -> bool:
    async with database.write() as conn:
        return await job_leases.take(
            conn, "maintenance", holder=holder, now=now, lease=LEASE, every=every
        )


async def test_a_job_is_held_by_one_process_and_runs_once_per_interval(database):
    now = utcnow()
    # One process takes the round; another asking at the same moment does not get it
    assert await take(database, "a", now)
    assert not await take(database, "b", now)
    # Once the round ends, it is not due again before the interval
    async with database.write() as conn:
        await job_leases.release(conn, "maintenance", holder="a", began_at=now)
    assert not await take(database, "b", now + timedelta(seconds=10))
    # After the interval, any process may take the next round
    assert await take(database, "b", now + EVERY)


async def test_a_lease_whose_holder_died_is_taken_over_when_it_ends(database):
    now = utcnow()
    assert await take(database, "killed", now)
    # The holder never releases: nobody takes it while the lease runs...
    assert not await take(database, "b", now + LEASE - timedelta(seconds=1), every=timedelta(0))
    # ...and another process takes it once the lease is over
    assert await take(database, "b", now + LEASE + timedelta(seconds=1), every=timedelta(0))
    # The dead holder's late release changes nothing
    async with database.write() as conn:
        await job_leases.release(conn, "maintenance", holder="killed", began_at=now)
    assert not await take(database, "c", now + LEASE + timedelta(seconds=2), every=timedelta(0))


async def test_two_processes_racing_for_a_round_get_it_once(database):
    now = utcnow()
    results = await asyncio.gather(*(take(database, f"p{n}", now) for n in range(6)))
    assert sorted(results) == [False] * 5 + [True]


async def test_rate_events_are_counted_in_the_window_and_purged(database):
    now = utcnow()
    async with database.write() as conn:
        for seconds in (90, 40, 20):
            await rate_events.add(conn, "sign-up", "k1", at=now - timedelta(seconds=seconds))
        await rate_events.add(conn, "sign-up", "k2", at=now)
        await rate_events.add(conn, "lookup", "k1", at=now)
    async with database.read() as conn:
        count, oldest = await rate_events.recent(
            conn, "sign-up", "k1", since=now - timedelta(minutes=1)
        )
    assert count == 2
    assert oldest == now - timedelta(seconds=40)
    async with database.write() as conn:
        assert await rate_events.purge(conn, before=now - timedelta(minutes=1)) == 1


async def test_a_wake_up_told_by_one_process_reaches_the_others_not_itself(database, tmp_path):
    # Two processes' listeners, on the same database and schema
    first, second = Signals(database), Signals(database)
    heard: dict[str, list[str]] = {"first": [], "second": []}
    first.on("inbox", lambda: heard["first"].append("inbox"))
    second.on("inbox", lambda: heard["second"].append("inbox"))
    await first.start()
    await second.start()
    try:
        # When the first tells of new inbox work
        first.tell_others("inbox")
        if database.is_sqlite:
            # Then on SQLite nothing is sent (one process; the others poll)
            assert not first.enabled and heard == {"first": [], "second": []}
            return
        # Then the second process hears it, and the first does not hear itself
        await wait_for(lambda: heard["second"], message="the other process to be woken")
        assert heard["first"] == []
        # A commit is told too, on the `writes` channel
        writes: list[int] = []
        second.on("writes", lambda: writes.append(1))
        async with database.write() as conn:
            await rate_events.add(conn, "lookup", "k", at=utcnow())
        await wait_for(lambda: writes, message="a commit to be told")
    finally:
        await first.close()
        await second.close()


async def test_another_schema_is_not_woken(database):
    if database.is_sqlite:
        return
    # An instance in another schema of the same database
    other = Database(database.url, schema=f"{database.schema}_x")
    mine, theirs = Signals(database), Signals(other)
    heard: list[str] = []
    theirs.on("inbox", lambda: heard.append("inbox"))
    mine_heard: list[str] = []
    probe = Signals(database)
    probe.on("inbox", lambda: mine_heard.append("inbox"))
    for signals in (mine, theirs, probe):
        await signals.start()
    try:
        mine.tell_others("inbox")
        await wait_for(lambda: mine_heard, message="this schema's process to be woken")
        assert heard == []
    finally:
        for signals in (mine, theirs, probe):
            await signals.close()
        await other.dispose()


async def test_exclusive_work_waits_for_the_holder_in_another_process(database):
    if database.is_sqlite:
        return  # one process writes: nothing to wait for
    # A second process's connections (its own pool)
    other = Database(database.url, schema=database.schema)
    entered: list[str] = []
    release = asyncio.Event()

    async def first() -> None:
        async with database.exclusive("idempotency:1:key"):
            entered.append("first")
            await release.wait()

    async def second() -> None:
        async with other.exclusive("idempotency:1:key"):
            entered.append("second")

    async def waiting_for_lock() -> bool:
        async with database.read() as conn:
            rows = await conn.execute(
                text("SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND NOT granted")
            )
            return rows.scalar_one() > 0

    holder = asyncio.create_task(first())
    await wait_for(lambda: entered == ["first"], message="the first holder")
    # When another process asks for the same work, it waits
    waiter = asyncio.create_task(second())
    try:
        await wait_for(waiting_for_lock, message="the second to wait on the lock")
        assert entered == ["first"]
        # Then it goes in once the first is done
        release.set()
        await asyncio.gather(holder, waiter)
        assert entered == ["first", "second"]
    finally:
        release.set()
        await other.dispose()


async def test_a_wake_up_told_just_before_closing_still_goes(database):
    if database.is_sqlite:
        return
    # A command-line process that queued deliveries, and a running server's worker
    command, server = Signals(database), Signals(database)
    heard: list[str] = []
    server.on("outbox", lambda: heard.append("outbox"))
    await command.start()
    await server.start()
    try:
        # When the command tells of its deliveries and ends at once
        command.tell_others("outbox")
        await command.close()
        # Then the server's worker is woken all the same
        await wait_for(lambda: heard, message="the server to be woken")
    finally:
        await server.close()
