"""The inbox queue's own SQLite file, beside the store's (`Database.inbox`).

SQLite has one write lock per file. With the queue in the store's file, each append the
inbox makes before answering 202 waited for the inbox worker's write transaction in
progress (25–35 ms for a batch of Creates during a flood), and the worker's transactions
set the pace of accepting: 32 connections, each with one request waiting for a turn
(docs/performance.md, "The inbox queue in a file of its own, kept"). In a file of its own the
queue's lock is held only by appends and by the worker's short claims and completions;
the worker's long transactions hold the store's.

What the two files no longer share is a transaction: the worker records an activity as
received and applies it in the store, then removes its row from the queue. A worker
stopped in between leaves the row, which comes back once its lease ends and is then found
already received and dropped (the inbox is idempotent by activity id). An append checks
the store's received ids just before its transaction on the queue; an activity received
in between is queued again and dropped the same way.

PostgreSQL has no such lock (rows are locked, not the database) and keeps the queue with
everything else, as does a SQLite database that is not a file.

The file's one table is `tables.inbox_queue`, created from its definition here rather
than by a migration: a change to that table must also be made to the file (here).
"""

from __future__ import annotations

from sqlalchemy import delete, insert, select

from .database import Database
from .tables import inbox_queue

# Rows moved at once from the store's table to the file (an instance upgraded with
# activities still queued).
MOVE_BATCH = 500


async def ensure_inbox_file(database: Database) -> int:
    """Create the inbox file's table if it is missing, and move into it what an earlier
    version left queued in the store's own table; returns how many rows moved. Nothing
    to do where the queue is not apart (PostgreSQL)."""
    if not database.inbox_apart:
        return 0
    async with database.inbox.write() as conn:
        await conn.run_sync(lambda sync: inbox_queue.create(sync, checkfirst=True))
    moved = 0
    oldest = select(inbox_queue).order_by(inbox_queue.c.id).limit(MOVE_BATCH)
    async with database.read() as store:
        if (await store.execute(select(inbox_queue.c.id).limit(1))).first() is None:
            return moved  # the usual start: nothing left there, and no write turn taken
    while True:
        # In a write transaction on the store: a second process starting at the same time
        # (`serve` and `fedlocal worker`) waits for it, then finds the rows gone.
        async with database.write() as store:
            rows = (await store.execute(oldest)).mappings().all()
            if not rows:
                return moved
            # Into the file first, then out of the store: stopped in between, a row is in
            # both and is moved again; the worker drops the second copy as already
            # received.
            values = [{k: v for k, v in row.items() if k != "id"} for row in rows]
            async with database.inbox.write() as queue:
                await queue.execute(insert(inbox_queue), values)
            moved_ids = [row["id"] for row in rows]
            await store.execute(delete(inbox_queue).where(inbox_queue.c.id.in_(moved_ids)))
        moved += len(rows)
