"""SQLite only: the single-writer design must turn contention into waiting, never into
"database is locked", within one process and across two."""

import asyncio
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import func, select, text

from fedlocal.store import Database
from fedlocal.store import domains as domain_store
from fedlocal.store import received as received_store
from fedlocal.store.database import SQLITE_BUSY_TIMEOUT_MS
from fedlocal.store.tables import received_activities
from tests.support.databases import fresh_database

COUNTER = "counter.example"


@pytest.fixture
async def sqlite_database(tmp_path):
    async with fresh_database("sqlite", tmp_path) as db:
        yield db


async def received_count(conn) -> int:
    return (await conn.execute(select(func.count()).select_from(received_activities))).scalar_one()


async def _pragma(conn, name: str):
    return (await conn.execute(text(f"PRAGMA {name}"))).scalar_one()


async def test_the_file_is_in_wal_mode(sqlite_database):
    async with sqlite_database.read() as conn:
        assert await _pragma(conn, "journal_mode") == "wal"
    # WAL is recorded in the file itself: header bytes 18 and 19 are 2 (1 is rollback).
    path = Path(sqlite_database.url.split("///", 1)[1])
    header = (await asyncio.to_thread(path.read_bytes))[:20]
    assert header[:16] == b"SQLite format 3\x00"
    assert (header[18], header[19]) == (2, 2)


async def test_every_connection_syncs_fully(sqlite_database):
    # Given the writer and every pooled reader connection, all open at once
    async def reader_settings(entered: asyncio.Barrier):
        async with sqlite_database.read() as conn:
            await entered.wait()
            return await _settings(conn)

    async def _settings(conn):
        return (
            await _pragma(conn, "synchronous"),
            await _pragma(conn, "busy_timeout"),
            await _pragma(conn, "foreign_keys"),
        )

    # When
    barrier = asyncio.Barrier(4)
    async with asyncio.timeout(10):
        readers = await asyncio.gather(*(reader_settings(barrier) for _ in range(4)))
    async with sqlite_database.write() as conn:
        writer = await _settings(conn)

    # Then: synchronous=FULL (2), so a committed transaction survives power loss
    assert writer == (2, SQLITE_BUSY_TIMEOUT_MS, 1)
    assert readers == [(2, SQLITE_BUSY_TIMEOUT_MS, 1)] * 4


async def test_concurrent_writers_readers_and_a_second_process(sqlite_database):
    # Given a second Database on the same file, as another process would open it
    other = Database(sqlite_database.url)
    seen_inconsistent: list[tuple[int, int]] = []

    async def writer(db: Database, name: str, transactions: int) -> None:
        for i in range(transactions):
            uri = f"https://r.example/{name}/{i}"
            async with db.write() as conn:
                # Read first, then write, as the inbox worker does: with a deferred BEGIN
                # the read takes a snapshot that another process's commit makes stale, and
                # the write then fails at once with "database is locked".
                assert not await received_store.was_received(conn, uri)
                # A read-modify-write: loses updates unless writers are serialised.
                await domain_store.record_failure(
                    conn, COUNTER, error=name, threshold=10**9, open_for=timedelta(seconds=1)
                )
                assert await received_store.mark_received(conn, uri)

    async def reader(reads: int) -> list[int]:
        seen = []
        for _ in range(reads):
            async with sqlite_database.read() as conn:
                health = await domain_store.get_health(conn, COUNTER)
                failures = health.consecutive_failures if health else 0
                received = await received_count(conn)
            # One snapshot: both were written in the same transactions.
            if failures != received:
                seen_inconsistent.append((failures, received))
            seen.append(failures)
        return seen

    # When 50 writers, 10 writers through the second Database and 10 readers run at once
    try:
        async with asyncio.timeout(60):
            results = await asyncio.gather(
                *(writer(sqlite_database, f"w{n}", 4) for n in range(50)),
                *(writer(other, f"other{n}", 4) for n in range(10)),
                *(reader(10) for _ in range(10)),
            )
    finally:
        await other.dispose()

    # Then every transaction committed, none was lost, and readers saw whole transactions
    expected = (50 + 10) * 4
    async with sqlite_database.read() as conn:
        assert (await domain_store.get_health(conn, COUNTER)).consecutive_failures == expected
        assert await received_count(conn) == expected
    assert seen_inconsistent == []
    for seen in results[60:]:
        assert seen == sorted(seen)
