"""Appending to the inbox queue: the inbox's only write, on its hot path.

Through SQLAlchemy and aiosqlite one append costs about twenty hand-offs between the event
loop and the driver's thread (docs/performance.md). On SQLite the appender therefore owns a
plain `sqlite3` connection in a thread of its own and does the whole append — the duplicate
checks, the INSERT, the COMMIT — in one call: one hand-off per request. It takes SQLite's
write lock with `BEGIN IMMEDIATE` like every other writer, so it waits on `busy_timeout`
rather than failing, and it commits with the same `synchronous=FULL` before the inbox
answers 202. On PostgreSQL the same steps run as one SQLAlchemy transaction.
"""

from __future__ import annotations

import asyncio
import sqlite3
import threading
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime
from typing import Protocol

from sqlalchemy.engine import make_url

from . import inbox_queue
from . import received as received_store
from .clock import utcnow
from .database import SQLITE_BUSY_TIMEOUT_MS, Database


class InboxAppender(Protocol):
    async def append(self, *, body: bytes, activity_uri: str, actor_uri: str, key_id: str) -> bool:
        """Queue an activity; False when it was already received or is already queued."""
        ...

    async def close(self) -> None: ...


def inbox_appender(database: Database) -> InboxAppender:
    """The fastest correct appender for this database."""
    if database.is_sqlite:
        path = make_url(database.url).database
        if path and path != ":memory:":
            return SqliteInboxAppender(database, path)
    return TransactionInboxAppender(database)


class TransactionInboxAppender:
    """Checks and INSERT in one SQLAlchemy write transaction (PostgreSQL)."""

    def __init__(self, database: Database):
        self.database = database

    async def append(self, *, body: bytes, activity_uri: str, actor_uri: str, key_id: str) -> bool:
        async with self.database.write() as conn:
            if await received_store.was_received(conn, activity_uri):
                return False
            if await inbox_queue.is_pending(conn, activity_uri):
                return False
            await inbox_queue.enqueue(
                conn, body=body, activity_uri=activity_uri, actor_uri=actor_uri, key_id=key_id
            )
        return True

    async def close(self) -> None:
        pass


def sqlite_timestamp(moment: datetime) -> str:
    """An aware datetime as `UTCDateTime` stores it in SQLite (naive UTC, microseconds),
    so rows written here read back exactly like rows written through SQLAlchemy."""
    return moment.astimezone(UTC).strftime("%Y-%m-%d %H:%M:%S.%f")


_APPEND_SQL = (
    "INSERT INTO inbox_queue (received_at, body, activity_uri, actor_uri, key_id, state,"
    " attempts, next_attempt_at) VALUES (?, ?, ?, ?, ?, 'pending', 0, ?)"
)
_RECEIVED_SQL = "SELECT 1 FROM received_activities WHERE uri = ?"
_PENDING_SQL = "SELECT 1 FROM inbox_queue WHERE activity_uri = ? AND state = 'pending' LIMIT 1"


class SqliteInboxAppender:
    """The SQLite appender: one connection, one thread, one hand-off per append."""

    def __init__(self, database: Database, path: str):
        self.database = database
        self.path = path
        self._executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix="inbox-append")
        self._local = threading.local()

    def _connection(self) -> sqlite3.Connection:
        connection = getattr(self._local, "connection", None)
        if connection is None:
            # isolation_level=None: transactions are opened explicitly with BEGIN IMMEDIATE.
            connection = sqlite3.connect(
                self.path, timeout=SQLITE_BUSY_TIMEOUT_MS / 1000, isolation_level=None
            )
            connection.execute("PRAGMA journal_mode=WAL")
            connection.execute(f"PRAGMA busy_timeout={SQLITE_BUSY_TIMEOUT_MS}")
            connection.execute("PRAGMA synchronous=FULL")
            self._local.connection = connection
        return connection

    def _append(self, body: bytes, activity_uri: str, actor_uri: str, key_id: str) -> bool:
        connection = self._connection()
        connection.execute("BEGIN IMMEDIATE")
        try:
            duplicate = (
                connection.execute(_RECEIVED_SQL, (activity_uri,)).fetchone() is not None
                or connection.execute(_PENDING_SQL, (activity_uri,)).fetchone() is not None
            )
            if not duplicate:
                now = sqlite_timestamp(utcnow())
                connection.execute(_APPEND_SQL, (now, body, activity_uri, actor_uri, key_id, now))
            connection.execute("COMMIT")
        except BaseException:
            connection.execute("ROLLBACK")
            raise
        return not duplicate

    async def append(self, *, body: bytes, activity_uri: str, actor_uri: str, key_id: str) -> bool:
        loop = asyncio.get_running_loop()
        async with self.database.write_turn():
            return await loop.run_in_executor(
                self._executor, self._append, body, activity_uri, actor_uri, key_id
            )

    async def close(self) -> None:
        def close_connection() -> None:
            connection = getattr(self._local, "connection", None)
            if connection is not None:
                connection.close()
                self._local.connection = None

        loop = asyncio.get_running_loop()
        await loop.run_in_executor(self._executor, close_connection)
        self._executor.shutdown(wait=True)
