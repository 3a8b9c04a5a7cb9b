"""Another process's commits to a SQLite file, seen without a query of the workers.

On SQLite an instance may be two processes: `fedlocal serve` with `run_workers = false`
beside one `fedlocal worker` (docs/operations.md#several-processes). PostgreSQL tells
such processes of each other's work with `LISTEN/NOTIFY` (`signals.py`); SQLite has no
such thing, but `PRAGMA data_version` on a connection changes when another connection has
committed since that connection last asked. A thread asks every `WATCH_SECONDS` on a
connection of its own, and when the answer changes, calls back on the event loop: the
worker process wakes for an activity the web process queued, and the web process's
streams for a post the worker stored, within `WATCH_SECONDS` rather than at the next
poll. The thread costs one tiny read per interval and nothing on the event loop while no
one writes.

Its own process's commits come from other connections too: they also call back, at most
once an interval, which costs a wake-up that finds nothing new (callers must only wake).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import sqlite3
import threading
from collections.abc import Callable

log = logging.getLogger(__name__)

WATCH_SECONDS = 0.05
STOP_SECONDS = 2.0


class SqliteWatch:
    """See the module docstring. `start()` on the event loop that gets the callbacks."""

    def __init__(self, path: str, changed: Callable[[], None], *, every: float = WATCH_SECONDS):
        self.path = path
        self.changed = changed
        self.every = every
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self._loop: asyncio.AbstractEventLoop | None = None
        self.looks = 0  # how many times it asked (for tests)

    def start(self) -> None:
        """Take the file's version now, then watch from a thread: a commit made as soon
        as this returns is seen (taken in the thread, the first version could come after
        it, and that commit would wait for the next poll)."""
        self._loop = asyncio.get_running_loop()
        try:
            connection = sqlite3.connect(self.path, check_same_thread=False)
        except sqlite3.Error as exc:
            log.warning("cannot watch %s for other processes' writes: %s", self.path, exc)
            return
        first = self._version(connection)
        self._thread = threading.Thread(
            target=self._watch, args=(connection, first), name="sqlite-watch", daemon=True
        )
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(STOP_SECONDS)

    def _watch(self, connection: sqlite3.Connection, last: int | None) -> None:
        with contextlib.closing(connection):
            while not self._stop.wait(self.every):
                version = self._version(connection)
                self.looks += 1
                if version is not None and version != last:
                    last = version
                    self._call_back()

    @staticmethod
    def _version(connection: sqlite3.Connection) -> int | None:
        try:
            (version,) = connection.execute("PRAGMA data_version").fetchone()
        except sqlite3.Error:  # busy or locked for a moment: ask again next time
            return None
        return int(version)

    def _call_back(self) -> None:
        loop = self._loop
        if loop is None or loop.is_closed():
            return
        with contextlib.suppress(RuntimeError):  # the loop closed meanwhile
            loop.call_soon_threadsafe(self.changed)
