"""Appending to the inbox queue: the inbox's only write, on its hot path.

On SQLite the queue is a file of its own (`inbox_file.py`), so an append waits only for
other appends and the inbox worker's short claims, not for its long transactions. The
received ids it checks are read from the store's file, which takes no lock.

Through SQLAlchemy an append is five statements (BEGIN, two checks, the INSERT, COMMIT),
each a hand-off between the event loop and the driver's thread (store/sqlite_driver.py).
On SQLite the appender therefore owns a plain `sqlite3` connection in a thread of its own
and does the whole append — the duplicate checks, the INSERT, the COMMIT — in one call.
It takes the queue file's write lock with `BEGIN IMMEDIATE` like every other writer, so it
waits on `busy_timeout` rather than failing, and it commits with the same
`synchronous=FULL` before the inbox answers 202.

Appends that arrive while one transaction is being written go together in the next
(group commit): one write turn, one hand-off and one fsync for all of them, each in its
own savepoint so that one failing append fails alone. A group is taken once the write
lock is held, not before waiting for it: appends that arrive while another process's
transaction holds the lock (the inbox worker's claim) go in as soon as it ends, rather
than after the group ahead of them and the next turn of the worker's.

On PostgreSQL the same steps run as one SQLAlchemy transaction per append.
"""

from __future__ import annotations

import asyncio
import sqlite3
import threading
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Protocol

from . import inbox_queue
from . import received as received_store
from .clock import utcnow
from .database import SQLITE_BUSY_TIMEOUT_MS, Database, inbox_file_of, sqlite_file
from .sqlite_driver import WriterLock, writer_lock_path


class InboxAppender(Protocol):
    async def append(self, *, body: bytes, activity_uri: str, actor_uri: str, key_id: str) -> bool:
        """Queue an activity; False when it was already received or is already queued."""
        ...

    async def close(self) -> None: ...


def inbox_appender(database: Database) -> InboxAppender:
    """The fastest correct appender for this database."""
    store_file = sqlite_file(database.url)
    if database.inbox_apart and store_file is not None:
        return SqliteInboxAppender(database, store_file, inbox_file_of(store_file))
    return TransactionInboxAppender(database)


# Appends in flight at once on PostgreSQL. The pool keeps 10 connections and opens up to
# 10 more for a moment, each a new PostgreSQL backend (a fork and its caches) closed on
# return: 32 appends at once, as when the inbox lets held requests in together
# (federation/admission.py), made the database fork backends all the time, 0.4 of a core
# (docs/performance.md, "A bounded backlog"). Eight keep them within the pool with room
# for the workers, and still write thousands a second.
APPENDS_AT_ONCE = 8


class TransactionInboxAppender:
    """Checks and INSERT in one SQLAlchemy write transaction (PostgreSQL, where the queue
    is in the store's database)."""

    def __init__(self, database: Database):
        self.database = database
        self._at_once = asyncio.Semaphore(APPENDS_AT_ONCE)

    async def append(self, *, body: bytes, activity_uri: str, actor_uri: str, key_id: str) -> bool:
        async with self._at_once, self.database.write() as conn:
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
# `?` for each of the group's ids (at most MAX_GROUP, far below SQLite's limit).
_RECEIVED_SQL = "SELECT uri FROM received_activities WHERE uri IN ({})"
_PENDING_SQL = "SELECT 1 FROM inbox_queue WHERE activity_uri = ? AND state = 'pending' LIMIT 1"


# The most appends written in one transaction: bounds how long a group holds the turn.
MAX_GROUP = 128


@dataclass
class _Append:
    body: bytes
    activity_uri: str
    actor_uri: str
    key_id: str
    queued: asyncio.Future[bool] = field(repr=False)


class SqliteInboxAppender:
    """The SQLite appender: one connection, one thread, appends written in groups."""

    def __init__(self, database: Database, store_path: str, path: str):
        self.database = database
        self.store_path = store_path
        self.path = path  # the queue's file
        self._executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix="inbox-append")
        self._local = threading.local()
        # Queued behind other processes' writers as every writer here is (sqlite_driver).
        lock_path = writer_lock_path(path)
        self._writer_lock = WriterLock(lock_path) if lock_path else None
        # Filled by the event loop, taken by the append thread once it holds the lock.
        self._waiting: list[_Append] = []
        self._waiting_lock = threading.Lock()
        self._taken: list[_Append] = []  # the group the thread took last
        self._writer: asyncio.Task[None] | None = None
        self._unanswered = 0
        self.groups_written = 0  # for tests and benchmarks

    @property
    def unanswered(self) -> int:
        """Appends received and not yet answered (waiting, or being written)."""
        return self._unanswered

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

    def _store_connection(self) -> sqlite3.Connection:
        """A connection that reads the store's received ids: in WAL mode a read takes no
        lock and waits for no writer."""
        connection = getattr(self._local, "store", None)
        if connection is None:
            connection = sqlite3.connect(
                self.store_path, timeout=SQLITE_BUSY_TIMEOUT_MS / 1000, isolation_level=None
            )
            connection.execute("PRAGMA query_only=1")
            self._local.store = connection
        return connection

    def _received_among(self, group: list[_Append]) -> set[str]:
        uris = list({append.activity_uri for append in group})
        if not uris:
            return set()
        query = _RECEIVED_SQL.format(", ".join("?" * len(uris)))
        return {row[0] for row in self._store_connection().execute(query, uris)}

    def _write_group(self) -> tuple[list[_Append], list[bool | BaseException]]:
        """In the append thread: take the lock, then what is waiting (up to MAX_GROUP),
        and write it in one transaction; the group, and each append's outcome (queued or
        not) or the error that failed it alone. If the transaction fails as a whole, the
        error is each append's."""
        connection = self._connection()
        outcomes: list[bool | BaseException] = []
        if self._writer_lock is not None:
            self._writer_lock.acquire()
        try:
            with self._waiting_lock:
                group, self._waiting = self._waiting[:MAX_GROUP], self._waiting[MAX_GROUP:]
                self._taken = group
            try:
                return group, self._write_group_locked(connection, group, outcomes)
            except Exception as exc:
                return group, [exc] * len(group)
        finally:
            if self._writer_lock is not None:
                self._writer_lock.release()

    def _write_group_locked(
        self,
        connection: sqlite3.Connection,
        group: list[_Append],
        outcomes: list[bool | BaseException],
    ) -> list[bool | BaseException]:
        received = self._received_among(group)
        connection.execute("BEGIN IMMEDIATE")
        try:
            now = sqlite_timestamp(utcnow())
            for append in group:
                connection.execute("SAVEPOINT inbox_append")
                try:
                    outcomes.append(self._append_one(connection, append, now, received))
                    connection.execute("RELEASE inbox_append")
                except sqlite3.Error as exc:
                    connection.execute("ROLLBACK TO inbox_append")
                    connection.execute("RELEASE inbox_append")
                    outcomes.append(exc)
            connection.execute("COMMIT")
        except BaseException:
            connection.execute("ROLLBACK")
            raise
        return outcomes

    @staticmethod
    def _append_one(
        connection: sqlite3.Connection, append: _Append, now: str, received: set[str]
    ) -> bool:
        uri = append.activity_uri
        duplicate = (
            uri in received or connection.execute(_PENDING_SQL, (uri,)).fetchone() is not None
        )
        if not duplicate:
            values = (now, append.body, uri, append.actor_uri, append.key_id, now)
            connection.execute(_APPEND_SQL, values)
        return not duplicate

    async def append(self, *, body: bytes, activity_uri: str, actor_uri: str, key_id: str) -> bool:
        queued = asyncio.get_running_loop().create_future()
        request = _Append(body, activity_uri, actor_uri, key_id, queued)
        with self._waiting_lock:
            self._waiting.append(request)
        self._unanswered += 1
        queued.add_done_callback(self._answered)
        if self._writer is None:
            self._writer = asyncio.create_task(self._write_waiting())
        # Shielded: a request whose client went away still gets its row written and
        # answered to no one, rather than leaving the writer's future cancelled.
        return await asyncio.shield(request.queued)

    def _answered(self, _queued: asyncio.Future[bool]) -> None:
        self._unanswered -= 1

    async def _write_waiting(self) -> None:
        """Write what is waiting, group after group, until nothing is."""
        loop = asyncio.get_running_loop()
        try:
            while self._waiting:
                try:
                    async with self.database.inbox.write_turn():
                        group, outcomes = await loop.run_in_executor(
                            self._executor, self._write_group
                        )
                except Exception as exc:  # no transaction (the lock, the connection)
                    with self._waiting_lock:
                        group, self._waiting = self._waiting, []
                    outcomes = [exc] * len(group)
                self.groups_written += 1
                for append, outcome in zip(group, outcomes, strict=True):
                    if append.queued.done():
                        continue
                    if isinstance(outcome, BaseException):
                        append.queued.set_exception(outcome)
                    else:
                        append.queued.set_result(outcome)
        finally:
            self._writer = None
            # Cancelled (shutdown): what was not answered gets no answer (a group the
            # thread took may still be written).
            with self._waiting_lock:
                left, self._waiting, self._taken = self._taken + self._waiting, [], []
            for append in left:
                if not append.queued.done():
                    append.queued.cancel()

    async def close(self) -> None:
        if self._writer is not None:
            await asyncio.gather(self._writer, return_exceptions=True)

        def close_connection() -> None:
            for name in ("connection", "store"):
                connection = getattr(self._local, name, None)
                if connection is not None:
                    connection.close()
                    setattr(self._local, name, None)
            if self._writer_lock is not None:
                self._writer_lock.close()

        loop = asyncio.get_running_loop()
        await loop.run_in_executor(self._executor, close_connection)
        self._executor.shutdown(wait=True)
