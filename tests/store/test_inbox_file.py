"""The inbox queue's own SQLite file (store/inbox_file.py): appends that do not wait for
the store's writers, and the rows an earlier version left in the store moved into it."""

from __future__ import annotations

import asyncio
import sqlite3

from sqlalchemy import func, select

from fedlocal.store import inbox_queue, migrate
from fedlocal.store.database import inbox_file_of, sqlite_file
from fedlocal.store.inbox_append import inbox_appender
from fedlocal.store.tables import inbox_queue as inbox_queue_table
from tests.support.databases import fresh_database

ACTOR = "https://remote.example/users/alice"
# Far longer than an append takes, far shorter than SQLite's busy timeout (30 s), which
# an append waiting for the store's lock would reach.
DEADLINE_SECONDS = 10


async def test_an_append_does_not_wait_for_a_write_transaction_on_the_store(tmp_path):
    async with fresh_database("sqlite", tmp_path) as db:
        appender = inbox_appender(db)
        store_file = sqlite_file(db.url)
        assert store_file is not None
        # Given another connection in the middle of a write transaction on the store (the
        # inbox worker storing a batch)
        writer = sqlite3.connect(store_file, isolation_level=None)
        writer.execute("BEGIN IMMEDIATE")
        writer.execute(
            "INSERT INTO received_activities (uri, received_at) VALUES ('x', '2026-12-05')"
        )
        try:
            # When the inbox appends an activity meanwhile
            queued = await asyncio.wait_for(
                appender.append(
                    body=b"{}",
                    activity_uri="https://remote.example/a/1",
                    actor_uri=ACTOR,
                    key_id=f"{ACTOR}#main-key",
                ),
                DEADLINE_SECONDS,
            )
        finally:
            writer.execute("ROLLBACK")
            writer.close()
            await appender.close()
        # Then it was queued without waiting for that transaction to end
        assert queued is True
        async with db.inbox.read() as conn:
            assert await inbox_queue.count(conn) == 1


async def test_rows_left_in_the_stores_own_table_move_to_the_file_at_migration(tmp_path):
    async with fresh_database("sqlite", tmp_path) as db:
        # Given two activities an earlier version queued in the store's own table
        async with db.write() as conn:
            for number in (1, 2):
                await inbox_queue.enqueue(
                    conn,
                    body=f'{{"n": {number}}}'.encode(),
                    activity_uri=f"https://remote.example/a/{number}",
                    actor_uri=ACTOR,
                    key_id=f"{ACTOR}#main-key",
                )
        # When the store is migrated (every start does it)
        await migrate(db)
        # Then they wait in the queue's file, in their order, and the store's table is empty
        async with db.inbox.read() as conn:
            rows = (
                await conn.execute(
                    select(inbox_queue_table.c.activity_uri, inbox_queue_table.c.body).order_by(
                        inbox_queue_table.c.id
                    )
                )
            ).all()
        assert rows == [
            ("https://remote.example/a/1", b'{"n": 1}'),
            ("https://remote.example/a/2", b'{"n": 2}'),
        ]
        async with db.read() as conn:
            left = (
                await conn.execute(select(func.count()).select_from(inbox_queue_table))
            ).scalar_one()
        assert left == 0
        assert db.inbox.url.endswith(inbox_file_of("store.sqlite3"))


async def test_on_postgresql_the_queue_is_the_stores(tmp_path):
    async with fresh_database("postgres", tmp_path) as db:
        assert db.inbox is db and not db.inbox_apart
