"""Failed logins: counted per address hash and per login hash, forgotten one by one, per
login, or by age; and counted one transaction at a time per key."""

from __future__ import annotations

import asyncio
from datetime import timedelta

import pytest
from sqlalchemy import text

from fedlocal.store import login_attempts as store
from fedlocal.store.clock import utcnow
from tests.support.waiting import wait_for

from .helpers import assert_aware_utc


async def _failures(database, **key) -> int:
    async with database.read() as conn:
        count, _ = await store.failures_since(conn, since=utcnow() - timedelta(hours=1), **key)
    return count


async def test_failures_are_counted_per_address_and_per_login(database):
    now = utcnow()
    async with database.write() as conn:
        for seconds in (30, 20, 10):
            await store.record_failure(
                conn, address_hash="a1", login_hash="l1", now=now - timedelta(seconds=seconds)
            )
        await store.record_failure(conn, address_hash="a2", login_hash="l2", now=now)
        old = await store.record_failure(
            conn, address_hash="a1", login_hash="l3", now=now - timedelta(hours=2)
        )

    async with database.read() as conn:
        count, oldest = await store.failures_since(
            conn, since=now - timedelta(seconds=25), login_hash="l1"
        )
        assert count == 2
        assert_aware_utc(oldest)
        assert abs((oldest - (now - timedelta(seconds=20))).total_seconds()) < 1
        nothing = await store.failures_since(conn, since=now, login_hash="l9")
        assert nothing == (0, None)
    assert await _failures(database, address_hash="a1") == 3
    assert await _failures(database, address_hash="a2") == 1
    async with database.write() as conn:
        await store.clear(conn, login_hash="l1")
        await store.forget(conn, old)
    assert await _failures(database, address_hash="a1") == 0
    async with database.write() as conn:
        assert await store.purge(conn, before=now) == 0
        assert await store.purge(conn, before=now + timedelta(seconds=1)) == 1
    assert await _failures(database) == 0


# PostgreSQL only: SQLite's write transactions already run one at a time.
@pytest.mark.postgres
@pytest.mark.parametrize("database", ["postgres"], indirect=True)
async def test_a_second_check_of_the_same_key_waits_for_the_first(database):
    async def count_then_record() -> int:
        async with database.write() as conn:
            await store.lock(conn, ["l1", "a2"])
            count, _ = await store.failures_since(
                conn, since=utcnow() - timedelta(hours=1), login_hash="l1"
            )
            await store.record_failure(conn, address_hash="a2", login_hash="l1", now=utcnow())
        return count

    async def waiting_locks() -> int:
        async with database.read() as conn:
            query = "SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND NOT granted"
            return (await conn.execute(text(query))).scalar_one()

    # Given a check of login l1 under way (counted nothing yet, about to record a failure)
    async with database.write() as conn:
        await store.lock(conn, ["a1", "l1"])
        # When another check of l1 starts meanwhile
        second = asyncio.create_task(count_then_record())
        await wait_for(waiting_locks, message="the second check waiting")
        await store.record_failure(conn, address_hash="a1", login_hash="l1", now=utcnow())

    # Then it counted only once the first had recorded its failure
    assert await second == 1
