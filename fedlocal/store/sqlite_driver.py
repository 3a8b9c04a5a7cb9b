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
"""

from __future__ import annotations

import collections
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


def _run(
    connection: sqlite3.Connection, operation: str, parameters: Any, many: bool
) -> tuple[Any, int, int | None, list[Any] | None]:
    """In the driver's thread: (description, rowcount, lastrowid, rows or None)."""
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
        async with self._adapt_connection._execute_mutex:
            description, rowcount, lastrowid, rows = await self._connection._execute(
                _run, self._connection._conn, operation, parameters, many
            )
        self._result_description = description
        self._result_rowcount = rowcount
        self._result_lastrowid = lastrowid
        if rows is not None:
            self._rows = collections.deque(rows)

    def nextset(self) -> None:
        return None  # SQLite has a single result set


class OneCallConnection(AsyncAdapt_aiosqlite_connection):
    __slots__ = ()
    _cursor_cls = OneCallCursor


class OneCallDBAPI(AsyncAdapt_aiosqlite_dbapi):
    """SQLAlchemy's aiosqlite DBAPI module, handing out OneCallConnection."""

    def connect(self, *arg: Any, **kw: Any) -> OneCallConnection:
        connection = self.aiosqlite.connect(*arg, **kw)
        connection._thread.daemon = True  # as SQLAlchemy's own connect() does
        return OneCallConnection(self, await_(connection))


def aiosqlite_dbapi() -> OneCallDBAPI:
    """The `module` to give create_async_engine for an SQLite URL."""
    return OneCallDBAPI(aiosqlite, sqlite3)
