"""Wake-ups between processes sharing one PostgreSQL database: `LISTEN/NOTIFY`.

A web process that queued an inbox activity, a worker that queued deliveries, any
process that committed a post a streaming client may want: each `tell_others(channel)`,
and every other process on the database runs the callbacks it registered for that
channel (`on`) at once, instead of at its next poll. Channels are named per schema, so
instances (and test runs) sharing one database never wake each other.

On SQLite nothing is sent. A process that shares the file with another (`serve` with
`run_workers = false` beside one `fedlocal worker`: `watch_sqlite`) watches it instead
(`sqlite_watch.py`): any commit by another connection wakes its `outbox` and `writes`
callbacks and those of `changed`, a channel of SQLite alone that says only "something
was written" (no `inbox`: its callback counts a request, and the watch cannot tell an
activity queued from any other write). A commit to the inbox queue's file beside it
(`inbox_file.py`: appends, the worker's claims) wakes `changed` alone: nothing there is
for the deliveries or the streams.
Polling stays the fallback on both: a notification lost while the listening connection
was down only costs a poll interval.

Sending is coalesced: while a NOTIFY is on its way, further ones for the same channel
are folded into the next, so a burst of commits costs a few round trips, not one each.
Commits are told on the `writes` channel a moment after they happen (the store's commit
hook runs just before the commit itself).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Callable
from typing import Any

from sqlalchemy.engine import make_url

from .database import Database, inbox_file_of, sqlite_file
from .sqlite_watch import SqliteWatch

log = logging.getLogger(__name__)

CHANNELS = ("inbox", "outbox", "writes")
# What a watched SQLite file's change wakes (see the module docstring).
SQLITE_CHANNELS = ("outbox", "writes", "changed")
# The commit hook runs before the commit: tell others a moment later.
AFTER_COMMIT_SECONDS = 0.02
RECONNECT_SECONDS = 1.0
CLOSE_FLUSH_SECONDS = 2.0


def channel_name(channel: str, schema: str | None) -> str:
    """The PostgreSQL channel of `channel` for this schema (at most 63 characters)."""
    return f"fedlocal_{channel}_{schema or 'public'}"[:63]


class Signals:
    """See the module docstring. `start()` in the process's startup, `close()` at its end."""

    def __init__(self, db: Database, *, watch_sqlite: bool = False):
        self.db = db
        self.enabled = not db.is_sqlite
        self._names = {channel: channel_name(channel, db.schema) for channel in CHANNELS}
        self._channels = {name: channel for channel, name in self._names.items()}
        self._callbacks: dict[str, list[Callable[[], None]]] = {
            c: [] for c in (*CHANNELS, "changed")
        }
        store_file = sqlite_file(db.url) if watch_sqlite else None
        self._watches = (
            [] if store_file is None else [SqliteWatch(store_file, self._sqlite_changed)]
        )
        if store_file is not None and db.inbox_apart:
            inbox_file = inbox_file_of(store_file)
            self._watches.append(SqliteWatch(inbox_file, self._inbox_file_changed))
        self._conn: Any = None
        self._pid: int | None = None
        self._waiting: set[str] = set()
        self._sender: asyncio.Task[None] | None = None
        self._keeper: asyncio.Task[None] | None = None
        self._loop: asyncio.AbstractEventLoop | None = None
        self._writes_scheduled = False
        self._closing = False
        self.connected = asyncio.Event()

    @property
    def watching(self) -> bool:
        """Whether this process watches a SQLite file for the others' writes."""
        return bool(self._watches)

    def on(self, channel: str, callback: Callable[[], None]) -> None:
        """Run `callback` (on the event loop) when another process tells `channel`."""
        self._callbacks[channel].append(callback)

    def off(self, channel: str, callback: Callable[[], None]) -> None:
        with contextlib.suppress(ValueError):
            self._callbacks[channel].remove(callback)

    async def start(self) -> None:
        """Connect the listener (PostgreSQL); returns once it listens, or after a first
        failure (it keeps trying in the background: polling covers meanwhile). On SQLite,
        start watching the file if asked."""
        for watch in self._watches:
            watch.start()
        if not self.enabled:
            return
        self._loop = asyncio.get_running_loop()
        self.db.on_commit(self._on_commit)
        self._keeper = asyncio.create_task(self._keep_listening())
        with contextlib.suppress(TimeoutError):
            async with asyncio.timeout(5):
                await self.connected.wait()

    async def close(self) -> None:
        self._closing = True
        for watch in self._watches:
            await asyncio.to_thread(watch.stop)
        if not self.enabled:
            return
        self.db.off_commit(self._on_commit)
        # What was told just before closing still goes (a command-line post wakes the
        # running server's delivery workers).
        if self._sender is not None and not self._sender.done():
            with contextlib.suppress(Exception):
                async with asyncio.timeout(CLOSE_FLUSH_SECONDS):
                    await asyncio.shield(self._sender)
        for task in (self._sender, self._keeper):
            if task is not None:
                task.cancel()
                with contextlib.suppress(asyncio.CancelledError, Exception):
                    await task
        await self._disconnect()

    # --- telling ------------------------------------------------------------------------

    def tell_others(self, channel: str) -> None:
        """Wake `channel`'s callbacks in every other process on the database, soon."""
        if not self.enabled or self._closing:
            return
        self._waiting.add(channel)
        if self._sender is None or self._sender.done():
            self._sender = asyncio.get_running_loop().create_task(self._send())

    def _on_commit(self, _connection: object) -> None:
        # Called from the committing thread, just before the commit: once per window.
        loop = self._loop
        if self._writes_scheduled or loop is None or loop.is_closed():
            return
        self._writes_scheduled = True
        loop.call_soon_threadsafe(loop.call_later, AFTER_COMMIT_SECONDS, self._tell_writes)

    def _tell_writes(self) -> None:
        self._writes_scheduled = False
        self.tell_others("writes")

    async def _send(self) -> None:
        while self._waiting:
            channels = sorted(self._waiting)
            self._waiting.clear()
            conn = self._conn
            if conn is None:
                return  # not listening: the others' polls will find the work
            try:
                await conn.execute(
                    "SELECT pg_notify(name, '') FROM unnest($1::text[]) AS name",
                    [self._names[c] for c in channels],
                )
            except Exception as exc:  # the connection broke: the keeper reconnects
                log.warning("could not notify other processes: %s", exc)
                return

    # --- listening ----------------------------------------------------------------------

    async def _keep_listening(self) -> None:
        while not self._closing:
            lost = asyncio.Event()
            try:
                await self._connect(lost)
            except Exception as exc:
                log.warning("cannot listen for other processes' wake-ups: %s", exc)
                self.connected.set()  # start() need not wait longer: polling covers
                await asyncio.sleep(RECONNECT_SECONDS)
                continue
            self.connected.set()
            await lost.wait()
            await self._disconnect()
            if not self._closing:
                log.warning("listening connection lost: reconnecting")
                # Whatever was told meanwhile is not lost: wake everyone once.
                for channel in CHANNELS:
                    self._deliver(channel)
                await asyncio.sleep(RECONNECT_SECONDS)

    async def _connect(self, lost: asyncio.Event) -> None:
        import asyncpg  # type: ignore[import-untyped]

        dsn = make_url(self.db.url).set(drivername="postgresql")
        conn = await asyncpg.connect(dsn.render_as_string(hide_password=False))
        conn.add_termination_listener(lambda _conn: lost.set())
        for name in self._names.values():
            await conn.add_listener(name, self._received)
        self._pid = conn.get_server_pid()
        self._conn = conn

    async def _disconnect(self) -> None:
        conn, self._conn = self._conn, None
        if conn is not None:
            with contextlib.suppress(Exception):
                await conn.close(timeout=2)

    def _received(self, _conn: object, pid: int, name: str, _payload: object) -> None:
        if pid == self._pid:
            return  # our own: this process already woke its own workers
        channel = self._channels.get(name)
        if channel is not None:
            self._deliver(channel)

    def _sqlite_changed(self) -> None:
        if not self._closing:
            for channel in SQLITE_CHANNELS:
                self._deliver(channel)

    def _inbox_file_changed(self) -> None:
        if not self._closing:
            self._deliver("changed")

    def _deliver(self, channel: str) -> None:
        for callback in list(self._callbacks[channel]):
            try:
                callback()
            except Exception:
                log.exception("a wake-up callback for %s failed", channel)
