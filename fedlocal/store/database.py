"""Connections to the store: SQLite (default) or PostgreSQL, chosen by the database URL.

SQLite allows one writer at a time. Rather than let concurrent transactions collide and
fail with "database is locked", every write goes through a single pooled connection that
opens its transaction with `BEGIN IMMEDIATE` (so the lock is taken up front and other
processes wait on `busy_timeout`), while reads use a separate pool in WAL mode and never
block or get blocked. Within a process, writers also queue on `write_turn()`, a FIFO
gate, so they wait their turn on the event loop instead of in SQLite's busy handler,
which sleeps in growing steps. Statements go through aiosqlite with one hand-off to its
thread each (store/sqlite_driver.py). PostgreSQL uses one pool for both and needs no gate;
a pooled PostgreSQL connection that sat idle is checked before use (`_ping_after_idle`).

On SQLite the inbox queue has a file of its own beside the store (`Database.inbox`,
`inbox_file.py`): SQLite's write lock is a file's, and the inbox's appends, which a 202
waits for, would otherwise wait for every transaction of the inbox worker's as well.
"""

from __future__ import annotations

import asyncio
import hashlib
import re
import time
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

from sqlalchemy import Connection, event, func, select
from sqlalchemy.engine import make_url
from sqlalchemy.exc import DisconnectionError
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine, create_async_engine

from .sqlite_driver import aiosqlite_dbapi

SQLITE_BUSY_TIMEOUT_MS = 30_000
# A pooled PostgreSQL connection idle for longer than this is pinged before it is used.
IDLE_PING_SECONDS = 10.0
_SCHEMA_NAME = re.compile(r"^[a-z_][a-z0-9_]{0,62}$")
# The inbox queue's file on SQLite: the store's file name and this, as SQLite names its
# own companions (`-wal`, `-shm`), so that one glob takes them all.
INBOX_FILE_SUFFIX = "-inbox"


def sqlite_file(url: str) -> str | None:
    """The file of a SQLite URL; None for PostgreSQL or a database in memory."""
    parsed = make_url(url)
    if parsed.get_backend_name() != "sqlite":
        return None
    database = parsed.database
    if not database or database == ":memory:" or database.startswith("file:"):
        return None
    return database


def inbox_file_of(store_file: str) -> str:
    """Where the inbox queue of the SQLite store at `store_file` is kept."""
    return store_file + INBOX_FILE_SUFFIX


def normalise_url(url: str) -> str:
    """Map plain `sqlite://` and `postgresql://` URLs to their async drivers."""
    parsed = make_url(url)
    backend = parsed.get_backend_name()
    if backend == "sqlite":
        return str(parsed.set(drivername="sqlite+aiosqlite"))
    if backend in ("postgresql", "postgres"):
        return parsed.set(drivername="postgresql+asyncpg").render_as_string(hide_password=False)
    raise ValueError(f"unsupported database URL scheme: {parsed.drivername}")


class Database:
    """The store's connections. Use `write()` for transactions that change data and
    `read()` for everything else."""

    def __init__(
        self,
        url: str,
        *,
        schema: str | None = None,
        reader_pool_size: int = 4,
        holds_inbox_only: bool = False,
    ):
        self.url = normalise_url(url)
        self.dialect = make_url(self.url).get_backend_name()
        self.schema = schema
        # The database that holds the inbox queue: this one, except for a SQLite file.
        self.inbox: Database = self
        store_file = None if holds_inbox_only else sqlite_file(self.url)
        if store_file is not None:
            self.inbox = Database(
                f"sqlite+aiosqlite:///{inbox_file_of(store_file)}",
                reader_pool_size=2,
                holds_inbox_only=True,
            )
        self._write_gate = asyncio.Lock() if self.dialect == "sqlite" else None
        if self.dialect == "sqlite":
            self._prepare_sqlite_file()
            self.writer = self._sqlite_engine(pool_size=1, begin="BEGIN IMMEDIATE")
            self.reader = self._sqlite_engine(pool_size=reader_pool_size, begin="BEGIN")
        else:
            if schema is not None and not _SCHEMA_NAME.match(schema):
                raise ValueError(f"invalid schema name {schema!r}")
            settings = {"search_path": schema} if schema else {}
            self.writer = create_async_engine(
                self.url,
                pool_size=10,
                max_overflow=10,
                connect_args={"server_settings": settings} if settings else {},
            )
            _ping_after_idle(self.writer)
            self.reader = self.writer

    @property
    def is_sqlite(self) -> bool:
        return self.dialect == "sqlite"

    def _prepare_sqlite_file(self) -> None:
        database = make_url(self.url).database
        if database and database != ":memory:":
            Path(database).parent.mkdir(parents=True, exist_ok=True)

    def _sqlite_engine(self, *, pool_size: int, begin: str) -> AsyncEngine:
        engine = create_async_engine(
            self.url,
            pool_size=pool_size,
            max_overflow=0,
            pool_timeout=SQLITE_BUSY_TIMEOUT_MS / 1000,
            connect_args={"timeout": SQLITE_BUSY_TIMEOUT_MS / 1000},
            module=aiosqlite_dbapi(),
        )

        @event.listens_for(engine.sync_engine, "connect")
        def _on_connect(dbapi_connection: Any, _record: Any) -> None:
            # Let SQLAlchemy's "begin" event, not the driver, decide how transactions open.
            dbapi_connection.isolation_level = None
            cursor = dbapi_connection.cursor()
            cursor.execute("PRAGMA journal_mode=WAL")
            cursor.execute(f"PRAGMA busy_timeout={SQLITE_BUSY_TIMEOUT_MS}")
            # FULL: a committed transaction survives power loss, which is what a 202 promises.
            cursor.execute("PRAGMA synchronous=FULL")
            cursor.execute("PRAGMA foreign_keys=ON")
            cursor.close()

        @event.listens_for(engine.sync_engine, "begin")
        def _on_begin(connection: Connection) -> None:
            connection.exec_driver_sql(begin)

        return engine

    @asynccontextmanager
    async def write_turn(self) -> AsyncIterator[None]:
        """Hold this process's turn to write (SQLite); a no-op on PostgreSQL."""
        if self._write_gate is None:
            yield
            return
        async with self._write_gate:
            yield

    @asynccontextmanager
    async def write(self) -> AsyncIterator[AsyncConnection]:
        """A transaction that may write; committed on success, rolled back on error."""
        async with self.write_turn(), self.writer.begin() as connection:
            yield connection

    @asynccontextmanager
    async def read(self) -> AsyncIterator[AsyncConnection]:
        """A read-only snapshot."""
        async with self.reader.connect() as connection, connection.begin():
            yield connection

    @asynccontextmanager
    async def exclusive(self, name: str) -> AsyncIterator[None]:
        """Do `name` alone among every process on the database, across several of this
        process's own transactions (a client's retry of one request landing on another
        web process). PostgreSQL: an advisory lock held by a connection of its own for
        the duration. SQLite: nothing (one process writes; in-process callers keep their
        own lock), since holding the single writer would stall the transactions inside."""
        if self.is_sqlite:
            yield
            return
        async with self.writer.connect() as connection, connection.begin():
            await serialise(connection, name)
            yield

    def on_commit(self, callback: Callable[[object], None]) -> None:
        """Call `callback` (from the committing thread) just before each write commits."""
        event.listen(self.writer.sync_engine, "commit", callback)

    def off_commit(self, callback: Callable[[object], None]) -> None:
        if event.contains(self.writer.sync_engine, "commit", callback):
            event.remove(self.writer.sync_engine, "commit", callback)

    @property
    def inbox_apart(self) -> bool:
        """Whether the inbox queue is in a database of its own (a SQLite file)."""
        return self.inbox is not self

    async def dispose(self) -> None:
        await self.writer.dispose()
        if self.reader is not self.writer:
            await self.reader.dispose()
        if self.inbox_apart:
            await self.inbox.dispose()


# The first half of PostgreSQL's two-part advisory lock key for `serialise`.
_SERIALISE_SPACE = 0x666C63  # "flc"


def lock_number(name: str) -> int:
    """A stable signed 32-bit number for `name` (advisory lock keys)."""
    return int.from_bytes(hashlib.sha256(name.encode()).digest()[:4], "big", signed=True)


async def serialise(conn: AsyncConnection, name: str) -> None:
    """Hold, until this write transaction ends, the right to do `name` (a first start's
    actors, a migration) alone among every process on the database: on PostgreSQL an
    advisory transaction lock; on SQLite the write transaction already is the only one."""
    if conn.dialect.name == "postgresql":
        await conn.execute(select(func.pg_advisory_xact_lock(_SERIALISE_SPACE, lock_number(name))))


def _ping_after_idle(engine: AsyncEngine) -> None:
    """Check a pooled connection before use only when it sat idle for IDLE_PING_SECONDS.

    SQLAlchemy's `pool_pre_ping` checks every checkout, and on asyncpg its check is three
    round trips (BEGIN, an empty query, ROLLBACK): under load, more than a short request's
    own statements. A connection in steady use has just proved itself; one that sat idle
    may have been closed by a restart of the server or a proxy's idle timeout. One that
    fails its check is discarded and the pool hands out another (DisconnectionError)."""

    @event.listens_for(engine.sync_engine, "checkin")
    def _checked_in(_dbapi_connection: Any, record: Any) -> None:
        record.info["checked_in_at"] = time.monotonic()

    @event.listens_for(engine.sync_engine, "checkout")
    def _checked_out(dbapi_connection: Any, record: Any, _proxy: Any) -> None:
        idle_since = record.info.get("checked_in_at")
        if idle_since is None or time.monotonic() - idle_since < IDLE_PING_SECONDS:
            return
        try:
            dbapi_connection.ping()
        except Exception as exc:
            raise DisconnectionError("a pooled connection failed its check") from exc
