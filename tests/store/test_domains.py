import asyncio
from datetime import datetime, timedelta

import pytest
from sqlalchemy import select, text

from fedlocal.store import domains as store
from fedlocal.store.clock import utcnow
from fedlocal.store.tables import remote_domains

from .helpers import FIXED, assert_aware_utc

DOMAIN = "flaky.example"
T0 = FIXED


async def _fail(
    database,
    *,
    threshold: int = 3,
    open_for: timedelta = timedelta(minutes=1),
    error: str = "boom",
    now: datetime = T0,
):
    async with database.write() as conn:
        return await store.record_failure(
            conn, DOMAIN, error=error, threshold=threshold, open_for=open_for, now=now
        )


def _assert_open_until(health, moment: datetime) -> None:
    assert health.circuit_state == "open"
    assert health.open_until == moment
    assert_aware_utc(health.open_until)


async def test_unknown_domain_has_no_health(database):
    async with database.read() as conn:
        assert await store.get_health(conn, DOMAIN) is None


async def test_failures_below_the_threshold_keep_the_circuit_closed(database):
    first = await _fail(database, error="connect timeout")
    second = await _fail(database, error="e" * 900)
    assert (first.consecutive_failures, first.circuit_state) == (1, "closed")
    assert first.open_until is None
    assert first.last_error == "connect timeout"
    assert (second.consecutive_failures, second.circuit_state) == (2, "closed")
    assert second.last_error == "e" * 500
    async with database.read() as conn:
        assert await store.get_health(conn, DOMAIN) == second


async def test_the_circuit_opens_at_the_threshold(database):
    await _fail(database)
    await _fail(database)
    health = await _fail(database)
    assert health.consecutive_failures == 3
    _assert_open_until(health, T0 + timedelta(minutes=1))


async def test_the_open_period_runs_from_the_clock_by_default(database):
    before = utcnow()
    async with database.write() as conn:
        health = await store.record_failure(
            conn, DOMAIN, error="boom", threshold=1, open_for=timedelta(minutes=5)
        )
    assert before + timedelta(minutes=5) <= health.open_until <= utcnow() + timedelta(minutes=5)


async def test_each_further_failure_doubles_the_open_period(database):
    # Given a circuit that opened after three failures
    for _ in range(3):
        await _fail(database)

    # When the half-open attempts keep failing, each after the circuit reopened
    moments = [T0 + timedelta(hours=n) for n in range(1, 5)]
    healths = [await _fail(database, now=moment) for moment in moments]

    # Then the open period doubles each time
    for health, moment, minutes in zip(healths, moments, (2, 4, 8, 16), strict=True):
        _assert_open_until(health, moment + timedelta(minutes=minutes))


async def test_the_open_period_is_capped_at_a_day(database):
    # 1 h, 2 h, 4 h, 8 h, 16 h, then a day from there on, however long the outage
    expected = [1, 2, 4, 8, 16, 24, 24] + [24] * 12
    for n, hours in enumerate(expected):
        now = T0 + timedelta(days=n)
        health = await _fail(database, threshold=1, open_for=timedelta(hours=1), now=now)
        _assert_open_until(health, now + timedelta(hours=hours))
    assert health.consecutive_failures == len(expected)


async def test_a_long_first_period_is_capped_too(database):
    health = await _fail(database, threshold=1, open_for=timedelta(days=3))
    _assert_open_until(health, T0 + timedelta(days=1))


async def test_success_closes_the_circuit(database):
    # Given an open circuit
    for _ in range(4):
        await _fail(database)

    # When a delivery succeeds
    async with database.write() as conn:
        await store.record_success(conn, DOMAIN)
        health = await store.get_health(conn, DOMAIN)

    # Then it is closed and the count starts again
    assert (health.consecutive_failures, health.circuit_state) == (0, "closed")
    assert health.open_until is None
    again = await _fail(database)
    assert (again.consecutive_failures, again.circuit_state) == (1, "closed")
    for _ in range(2):
        again = await _fail(database)
    _assert_open_until(again, T0 + timedelta(minutes=1))


async def test_success_on_an_unknown_domain_records_it_healthy(database):
    async with database.write() as conn:
        await store.record_success(conn, "new.example")
        health = await store.get_health(conn, "new.example")
    assert (health.consecutive_failures, health.circuit_state) == (0, "closed")
    assert health.open_until is None


async def test_domains_are_counted_separately(database):
    await _fail(database, threshold=1)
    async with database.write() as conn:
        other = await store.record_failure(
            conn, "fine.example", error="once", threshold=3, open_for=timedelta(minutes=1)
        )
    assert (other.consecutive_failures, other.circuit_state) == (1, "closed")


@pytest.mark.parametrize(
    "database",
    [
        "sqlite",
        pytest.param(
            "postgres",
            marks=[pytest.mark.postgres],
        ),
    ],
    indirect=True,
)
async def test_concurrent_failures_are_all_counted(database):
    # Given a host that failed once before (so its row exists)
    await _fail(database, threshold=3)
    started = {name: asyncio.Event() for name in ("two", "three")}
    pids: dict[str, int] = {}

    async def worker(name: str) -> None:
        async with database.write() as conn:
            if not database.is_sqlite:
                pids[name] = (await conn.execute(text("SELECT pg_backend_pid()"))).scalar_one()
            started[name].set()
            await store.record_failure(
                conn, DOMAIN, error=name, threshold=3, open_for=timedelta(minutes=1)
            )

    # When two delivery workers fail against it at the same moment
    async with asyncio.timeout(10):
        if database.is_sqlite:
            await asyncio.gather(*(worker(name) for name in started))
        else:
            # Another transaction holds the row, so both workers get as far as they can
            # and wait; it lets go once both are blocked.
            async with database.write() as holder:
                await holder.execute(
                    select(remote_domains)
                    .where(remote_domains.c.domain == DOMAIN)
                    .with_for_update()
                )
                tasks = [asyncio.create_task(worker(name)) for name in started]
                for name, event in started.items():
                    await event.wait()
                    await _until_waiting_for_a_lock(database, pids[name])
            await asyncio.gather(*tasks)

    # Then both failures count, and the threshold of three opens the circuit
    async with database.read() as conn:
        health = await store.get_health(conn, DOMAIN)
    assert (health.consecutive_failures, health.circuit_state) == (3, "open")


async def _until_waiting_for_a_lock(database, pid: int) -> None:
    """Return once PostgreSQL backend `pid` is blocked on a lock."""
    query = text("SELECT wait_event_type FROM pg_stat_activity WHERE pid = :pid")
    while True:
        async with database.read() as conn:
            if (await conn.execute(query, {"pid": pid})).scalar_one_or_none() == "Lock":
                return
