"""The inbox's append path: one call that checks for duplicates and queues, durably.

On SQLite it writes through its own `sqlite3` connection, to the queue's file of its own
(`Database.inbox`), so these tests also pin that its rows read back through SQLAlchemy
exactly like rows the store writes itself.
"""

from __future__ import annotations

import asyncio
import contextlib
import sqlite3
from datetime import UTC, datetime, timedelta, timezone

import pytest
from sqlalchemy import delete

from fedlocal.store import Database, inbox_queue
from fedlocal.store import received as received_store
from fedlocal.store.inbox_append import (
    APPENDS_AT_ONCE,
    SqliteInboxAppender,
    TransactionInboxAppender,
    inbox_appender,
    sqlite_timestamp,
)
from fedlocal.store.sqlite_driver import WriterLock, writer_lock_path
from fedlocal.store.tables import inbox_queue as inbox_queue_table
from tests.support.waiting import wait_for

BODY = b'{"id":"https://remote.example/a/1","type":"Create"}'


async def append(appender, uri: str = "https://remote.example/a/1") -> bool:
    return await appender.append(
        body=BODY,
        activity_uri=uri,
        actor_uri="https://remote.example/users/alice",
        key_id="https://remote.example/users/alice#main-key",
    )


async def test_the_fast_path_is_chosen_for_sqlite_files_only(database):
    appender = inbox_appender(database)
    try:
        expected = SqliteInboxAppender if database.is_sqlite else TransactionInboxAppender
        assert isinstance(appender, expected)
    finally:
        await appender.close()


async def test_an_appended_activity_is_claimable_with_every_field(database):
    # Given an append before and after a known moment
    before = datetime.now(UTC)
    appender = inbox_appender(database)
    try:
        assert await append(appender) is True
    finally:
        await appender.close()
    after = datetime.now(UTC)

    # When the worker claims it through SQLAlchemy (from the queue's database)
    async with database.inbox.write() as conn:
        items = await inbox_queue.claim(conn, limit=10, lease=timedelta(minutes=1))

    # Then every field reads back as the store itself would have written it
    assert len(items) == 1
    item = items[0]
    assert item.body == BODY
    assert item.activity_uri == "https://remote.example/a/1"
    assert item.actor_uri == "https://remote.example/users/alice"
    assert item.key_id == "https://remote.example/users/alice#main-key"
    assert item.attempts == 0
    assert item.received_at.tzinfo is not None
    assert before - timedelta(milliseconds=1) <= item.received_at <= after


async def test_an_activity_already_queued_is_not_queued_again(database):
    appender = inbox_appender(database)
    try:
        assert await append(appender) is True
        assert await append(appender) is False
        assert await append(appender, "https://remote.example/a/2") is True
    finally:
        await appender.close()
    async with database.inbox.read() as conn:
        assert await inbox_queue.count(conn) == 2


async def test_an_activity_already_processed_is_not_queued(database):
    async with database.write() as conn:
        await received_store.mark_received(conn, "https://remote.example/a/1")
    appender = inbox_appender(database)
    try:
        assert await append(appender) is False
    finally:
        await appender.close()
    async with database.inbox.read() as conn:
        assert await inbox_queue.count(conn) == 0


async def test_an_activity_that_failed_before_can_be_queued_again(database):
    # Given a failed (not pending) row for the activity
    appender = inbox_appender(database)
    try:
        await append(appender)
        async with database.inbox.write() as conn:
            [item] = await inbox_queue.claim(conn, limit=1, lease=timedelta(minutes=1))
            await inbox_queue.fail(conn, item.id, error="boom")
        # When the sender tries again, Then it is queued afresh
        assert await append(appender) is True
    finally:
        await appender.close()


def test_sqlite_timestamps_keep_microseconds_and_utc():
    moment = datetime(2026, 11, 25, 18, 0, 0, 0, tzinfo=UTC)
    assert sqlite_timestamp(moment) == "2026-11-25 18:00:00.000000"
    paris = moment.astimezone(timezone(timedelta(hours=1)))
    assert sqlite_timestamp(paris) == "2026-11-25 18:00:00.000000"


sqlite_only = pytest.mark.parametrize("database", ["sqlite"], indirect=True)


@sqlite_only
async def test_appends_arriving_together_are_written_in_few_transactions(database):
    # Given 60 requests appending at once, while the worker holds the queue's write turn
    appender = inbox_appender(database)
    try:
        async with database.inbox.write_turn():
            appends = [
                asyncio.ensure_future(append(appender, f"https://remote.example/a/{n}"))
                for n in range(60)
            ]
            await wait_for(lambda: appender.unanswered == 60, message="every request to wait")
        # When the turn comes back
        queued = await asyncio.gather(*appends)
    finally:
        await appender.close()

    # Then each was queued, in one transaction or two rather than sixty
    assert queued == [True] * 60
    assert appender.groups_written <= 2
    async with database.inbox.read() as conn:
        assert await inbox_queue.count(conn) == 60


@sqlite_only
async def test_appends_that_arrive_while_another_process_writes_join_the_waiting_group(
    database,
):
    # Given another process holding the file's write lock (the worker's transaction)
    appender = inbox_appender(database)
    assert isinstance(appender, SqliteInboxAppender)
    other = WriterLock(writer_lock_path(appender.path) or "")
    other.acquire()
    try:
        # and an append waiting for it, its writer started
        first = asyncio.ensure_future(append(appender, "https://remote.example/a/1"))
        # (the writer has handed its work to the append thread once that thread exists)
        await wait_for(lambda: appender._executor._threads, message="the append thread")
        assert appender.unanswered == 1 and not first.done()

        # When another append arrives before the lock is given back, then it is
        second = asyncio.ensure_future(append(appender, "https://remote.example/a/2"))
        await wait_for(lambda: appender.unanswered == 2, message="the second request")
        other.release()
        queued = await asyncio.gather(first, second)
    finally:
        other.close()
        await appender.close()

    # Then both went in one transaction: the second did not wait for a turn of its own
    assert queued == [True, True]
    assert appender.groups_written == 1


async def together(database, *calls) -> tuple[list, int]:
    """Start `call(appender)` for each call at once on one appender: their results (or
    errors), and how many transactions wrote them."""
    appender = inbox_appender(database)
    try:
        results = await asyncio.gather(*(call(appender) for call in calls), return_exceptions=True)
    finally:
        await appender.close()
    return results, appender.groups_written


@sqlite_only
async def test_the_same_activity_twice_in_one_group_is_queued_once(database):
    results, groups = await together(database, append, append)
    assert sorted(results) == [False, True]
    assert groups == 1
    async with database.inbox.read() as conn:
        assert await inbox_queue.count(conn) == 1


@sqlite_only
async def test_an_append_that_fails_fails_alone_in_its_group(database):
    # Given three appends in one group, the middle one without a body (NOT NULL)
    def without_body(appender):
        return appender.append(
            body=None,
            activity_uri="https://remote.example/a/2",
            actor_uri="https://remote.example/users/alice",
            key_id="https://remote.example/users/alice#main-key",
        )

    results, groups = await together(
        database,
        lambda appender: append(appender, "https://remote.example/a/1"),
        without_body,
        lambda appender: append(appender, "https://remote.example/a/3"),
    )

    # Then that one gets the error, and the two others are queued
    assert results[0] is True and results[2] is True
    assert isinstance(results[1], sqlite3.IntegrityError)
    assert groups == 1
    async with database.inbox.write() as conn:
        items = await inbox_queue.claim(conn, limit=10, lease=timedelta(minutes=1))
    assert sorted(item.activity_uri for item in items) == [
        "https://remote.example/a/1",
        "https://remote.example/a/3",
    ]


@pytest.fixture
async def postgres_database(postgres_template):
    """The session's migrated PostgreSQL schema, its inbox queue emptied."""
    url, schema = postgres_template
    db = Database(url, schema=schema)
    async with db.write() as conn:
        await conn.execute(delete(inbox_queue_table))
    try:
        yield db
    finally:
        await db.dispose()


@pytest.mark.postgres
async def test_on_postgresql_appends_stay_within_the_connection_pool(
    postgres_database, monkeypatch
):
    database = postgres_database
    # Given an appender whose transactions are watched
    appender = TransactionInboxAppender(database)
    open_now = most_open = 0
    write = database.write

    @contextlib.asynccontextmanager
    async def watched():
        nonlocal open_now, most_open
        open_now += 1
        most_open = max(most_open, open_now)
        try:
            async with write() as conn:
                yield conn
        finally:
            open_now -= 1

    monkeypatch.setattr(database, "write", watched)

    # When 40 requests append at once (the inbox letting held requests in together)
    done = await asyncio.gather(
        *(append(appender, f"https://remote.example/a/{n}") for n in range(40))
    )

    # Then every activity is queued, never more than APPENDS_AT_ONCE transactions at a
    # time: the pool's 10 connections, not a new database backend for each extra one
    assert all(done)
    assert most_open == APPENDS_AT_ONCE
