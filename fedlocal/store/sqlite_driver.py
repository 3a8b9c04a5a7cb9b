"""SQLAlchemy's aiosqlite driver, with one hand-off to the driver's thread per statement.

aiosqlite runs every call on an SQLite connection in a thread of its own, and each call is
a hand-off: a queue put, the thread woken, the answer sent back to the event loop through
its self-pipe. SQLAlchemy's adapter makes three or four calls per statement (open a
cursor, execute, fetch the rows, close the cursor), and the hand-offs cost more CPU than
SQLite's work for the short statements a request or the inbox worker sends
(docs/performance.md, "Inbox processing cost"). The cursor here does the four in one call:
it opens an `sqlite3` cursor in the driver's thread, executes, fetches every row, keeps
the description, row count and last row id, and closes it. Rows were fetched in full at
execute time before too; server-side (streaming) cursors keep SQLAlchemy's own class.

Plugged in with `create_async_engine(…, module=aiosqlite_dbapi())`: the URL, the dialect
and everything else stay SQLAlchemy's. It relies on the adapter's internals, so
pyproject.toml bounds SQLAlchemy and aiosqlite to the versions it was tested with;
tests/store/test_sqlite_driver.py is the check to run when raising them.

It also queues writers across processes. An instance on SQLite may be two processes on one
file (`fedlocal serve` beside `fedlocal worker`); within a process writers queue on
`Database.write_turn()`, but between processes only SQLite's busy handler stood, which
polls in growing sleeps (1, 2, 5 … 100 ms) and queues nobody, so a process could wait
tens of milliseconds after the lock was free, or lose it again and again to the other
(docs/performance.md, "Workers in a second process on SQLite"). A writer connection
(`BEGIN IMMEDIATE`) now takes an exclusive `flock` on `<database>-writer` first, in the
driver's thread, and gives it back when its transaction ends: a waiter sleeps in the
kernel and is woken as the holder lets go, and a turnstile (`<database>-writer-queue`)
makes the processes take turns. The lock goes with its file descriptor, so a
killed process holds nothing; a process that does not take it (the `sqlite3` shell, an
older fedlocal) still meets SQLite's own lock and its busy handler, as before.
"""

from __future__ import annotations

import collections
import fcntl
import os
import sqlite3
from typing import Any

import aiosqlite
from sqlalchemy.dialects.sqlite.aiosqlite import (
    AsyncAdapt_aiosqlite_connection,
    AsyncAdapt_aiosqlite_cursor,
    AsyncAdapt_aiosqlite_dbapi,
)
from sqlalchemy.util import EMPTY_DICT
from sqlalchemy.util.concurrency import await_

# sqlite3's own default, which SQLAlchemy reads for fetchmany() without a size.
_ARRAYSIZE = 1
# The statement that opens a writer's transaction (store/database.py), and no other.
_WRITER_BEGIN = "BEGIN IMMEDIATE"
WRITER_LOCK_SUFFIX = "-writer"
WRITER_QUEUE_SUFFIX = "-writer-queue"


class WriterLock:
    """The exclusive `flock` a writer holds across processes for one transaction. Taken
    and given back only in the connection's driver thread, so a blocking wait never holds
    up the event loop; the GIL is released while it waits.

    A bare lock is unfair: the holder that lets go and asks again at once (the inbox
    worker, chunk after chunk) takes it back before the woken waiter has run, and the
    other process starves. So a writer passes a turnstile first, a second lock held
    while waiting for the first: whoever lets go and asks again waits at the turnstile
    behind the one already waiting, and the two take turns."""

    __slots__ = ("path", "queue_path", "_fds", "held")

    def __init__(self, path: str):
        self.path = path
        self.queue_path = path.removesuffix(WRITER_LOCK_SUFFIX) + WRITER_QUEUE_SUFFIX
        self._fds: tuple[int, int] | None = None
        self.held = False

    def acquire(self) -> None:
        if self._fds is None:
            self._fds = (_open_lock_file(self.path), _open_lock_file(self.queue_path))
        lock, turnstile = self._fds
        fcntl.flock(turnstile, fcntl.LOCK_EX)
        try:
            fcntl.flock(lock, fcntl.LOCK_EX)
        finally:
            fcntl.flock(turnstile, fcntl.LOCK_UN)
        self.held = True

    def release(self) -> None:
        if self.held and self._fds is not None:
            self.held = False
            fcntl.flock(self._fds[0], fcntl.LOCK_UN)

    def close(self) -> None:
        if self._fds is not None:
            for fd in self._fds:
                os.close(fd)  # gives the lock back if it was still held
            self._fds, self.held = None, False


def _open_lock_file(path: str) -> int:
    return os.open(path, os.O_RDWR | os.O_CREAT | os.O_CLOEXEC, 0o600)


def writer_lock_path(database: str) -> str | None:
    """Where the writers of an SQLite file queue; None for a database in memory."""
    if not database or database == ":memory:" or database.startswith("file:"):
        return None
    return database + WRITER_LOCK_SUFFIX


def _run(
    connection: sqlite3.Connection,
    operation: str,
    parameters: Any,
    many: bool,
    lock: WriterLock | None = None,
) -> tuple[Any, int, int | None, list[Any] | None]:
    """In the driver's thread: (description, rowcount, lastrowid, rows or None). `lock`,
    for a writer's `BEGIN IMMEDIATE`: taken before, and given back if it fails."""
    if lock is not None:
        lock.acquire()
        try:
            connection.execute(operation)
        except BaseException:
            lock.release()
            raise
        return None, -1, None, None
    cursor = connection.cursor()
    try:
        if many:
            cursor.executemany(operation, parameters)
        elif parameters is None:
            cursor.execute(operation)
        else:
            cursor.execute(operation, parameters)
        description = cursor.description
        rows = cursor.fetchall() if description else None
        return description, cursor.rowcount, cursor.lastrowid, rows
    finally:
        cursor.close()


class OneCallCursor(AsyncAdapt_aiosqlite_cursor):
    """A cursor that holds its results, not an open driver cursor."""

    __slots__ = ("_result_description", "_result_rowcount", "_result_lastrowid")
    _adapt_connection: OneCallConnection

    def __init__(self, adapt_connection: Any):
        # No driver cursor is opened here (that was one hand-off); see _run.
        self._adapt_connection = adapt_connection
        self._connection = adapt_connection._connection
        self._cursor = None  # type: ignore[assignment]
        self._soft_closed_memoized = EMPTY_DICT
        self._rows = collections.deque()
        self._result_description: Any = None
        self._result_rowcount = -1
        self._result_lastrowid: int | None = None

    @property
    def description(self) -> Any:
        return self._result_description

    @property
    def rowcount(self) -> int:
        return self._result_rowcount

    @property
    def lastrowid(self) -> int:
        return self._result_lastrowid  # type: ignore[return-value]

    @property
    def arraysize(self) -> int:
        return _ARRAYSIZE

    @arraysize.setter
    def arraysize(self, value: int) -> None:
        pass

    async def _async_soft_close(self) -> None:
        pass  # nothing is open in the driver

    def close(self) -> None:
        self._rows.clear()

    async def _execute_async(self, operation: Any, parameters: Any) -> Any:
        return await self._run(operation, parameters, many=False)

    async def _executemany_async(self, operation: Any, seq_of_parameters: Any) -> Any:
        return await self._run(operation, seq_of_parameters, many=True)

    async def _run(self, operation: Any, parameters: Any, *, many: bool) -> None:
        lock = self._adapt_connection._writer_lock if operation == _WRITER_BEGIN else None
        async with self._adapt_connection._execute_mutex:
            description, rowcount, lastrowid, rows = await self._connection._execute(
                _run, self._connection._conn, operation, parameters, many, lock
            )
        self._result_description = description
        self._result_rowcount = rowcount
        self._result_lastrowid = lastrowid
        if rows is not None:
            self._rows = collections.deque(rows)

    def nextset(self) -> None:
        return None  # SQLite has a single result set


def _ending(end: Any, lock: WriterLock | None) -> None:
    """In the driver's thread: COMMIT or ROLLBACK, then the writer's lock given back."""
    try:
        end()
    finally:
        if lock is not None:
            lock.release()


class OneCallConnection(AsyncAdapt_aiosqlite_connection):
    __slots__ = ("_writer_lock",)
    _cursor_cls = OneCallCursor

    def __init__(self, dbapi: Any, connection: Any, writer_lock: WriterLock | None = None):
        super().__init__(dbapi, connection)
        self._writer_lock = writer_lock

    def commit(self) -> None:
        self._end("commit")

    def rollback(self) -> None:
        self._end("rollback")

    def _end(self, how: str) -> None:
        if not self._connection._connection:
            return  # closed: nothing to end, and close() gave the lock back
        conn = self._connection._conn
        try:
            await_(self._connection._execute(_ending, getattr(conn, how), self._writer_lock))
        except Exception as error:
            self._handle_exception(error)

    def close(self) -> None:
        try:
            await_(self._close_thread())
        except Exception as error:
            self._handle_exception(error)
        finally:
            self._close_writer_lock()

    # An invalidated connection (a cancelled transaction, a lost connection) is
    # terminated rather than closed: its lock must go too, or every writer of every
    # process would wait for it forever.
    async def _terminate_graceful_close(self) -> None:
        try:
            await self._close_thread()
        finally:
            self._close_writer_lock()

    async def _close_thread(self) -> None:
        """aiosqlite's `close()`, less its hang. SQLAlchemy forces a close (aiosqlite's
        `stop()`) when a graceful one is cancelled, a worker process stopped inside a
        transaction for one. aiosqlite's close, ending after that, stopped the thread
        again and waited for an answer from a thread that had already ended: for ever,
        and the process never exited. Here a close stops only a thread still running."""
        connection = self._connection
        if not connection._running or connection._connection is None:
            return  # closed, or stopping: its thread closes the file as it ends
        try:
            await connection._execute(connection._conn.close)
        finally:
            connection._connection = None
            if connection._running:
                stopped = connection.stop()
                if stopped is not None:
                    await stopped

    def _terminate_force_close(self) -> None:
        try:
            super()._terminate_force_close()
        finally:
            self._close_writer_lock()

    def _close_writer_lock(self) -> None:
        if self._writer_lock is not None:
            self._writer_lock.close()


class OneCallDBAPI(AsyncAdapt_aiosqlite_dbapi):
    """SQLAlchemy's aiosqlite DBAPI module, handing out OneCallConnection."""

    def connect(self, *arg: Any, **kw: Any) -> OneCallConnection:
        database = arg[0] if arg else kw.get("database", "")
        lock_path = writer_lock_path(str(database))
        connection = self.aiosqlite.connect(*arg, **kw)
        connection._thread.daemon = True  # as SQLAlchemy's own connect() does
        return OneCallConnection(
            self, await_(connection), WriterLock(lock_path) if lock_path else None
        )


def aiosqlite_dbapi() -> OneCallDBAPI:
    """The `module` to give create_async_engine for an SQLite URL."""
    return OneCallDBAPI(aiosqlite, sqlite3)
