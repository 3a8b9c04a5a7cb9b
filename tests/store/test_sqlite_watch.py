"""Watching a SQLite file for the writes of other connections (store/sqlite_watch.py) and
what a change wakes in `Signals` on SQLite (store/signals.py)."""

from __future__ import annotations

import contextlib
import sqlite3
import threading
from collections.abc import AsyncIterator
from pathlib import Path

from fedlocal.store import Database, sqlite_watch
from fedlocal.store.database import inbox_file_of
from fedlocal.store.signals import Signals
from fedlocal.store.sqlite_watch import SqliteWatch
from tests.support.waiting import wait_for

QUICK = 0.01


def sqlite_file(tmp_path: Path) -> Path:
    return sqlite_file_at(tmp_path / "watched.sqlite3")


def sqlite_file_at(path: Path) -> Path:
    with sqlite3.connect(path) as connection:
        connection.execute("PRAGMA journal_mode=WAL")
        connection.execute("CREATE TABLE notes (text TEXT)")
    return path


def write_elsewhere(path: Path) -> None:
    """A commit by another connection, as another process would make it."""
    with sqlite3.connect(path) as connection:
        connection.execute("INSERT INTO notes VALUES ('bonjour')")


async def test_a_commit_by_another_connection_calls_back_and_no_write_does_not(tmp_path):
    path = sqlite_file(tmp_path)
    calls: list[int] = []
    watch = SqliteWatch(str(path), lambda: calls.append(1), every=QUICK)
    watch.start()
    try:
        # Given a watch that has looked several times while nobody wrote
        await wait_for(lambda: watch.looks >= 5, message="the watch to look five times")
        assert calls == []

        # When another connection commits
        write_elsewhere(path)

        # Then the watch calls back, once for that commit
        await wait_for(lambda: calls == [1], message="the commit to be seen")
        seen = watch.looks
        await wait_for(lambda: watch.looks >= seen + 5, message="five more looks")
        assert calls == [1]
    finally:
        watch.stop()


@contextlib.asynccontextmanager
async def watching(path: Path) -> AsyncIterator[tuple[Signals, list[str]]]:
    """A process's `Signals` watching the SQLite store at `path` (and its inbox queue's
    file), and the channels woken so far, in order."""
    db = Database(f"sqlite+aiosqlite:///{path}")
    signals = Signals(db, watch_sqlite=True)
    woken: list[str] = []
    for channel in ("inbox", "outbox", "writes", "changed"):
        signals.on(channel, lambda channel=channel: woken.append(channel))
    await signals.start()
    try:
        yield signals, woken
    finally:
        await signals.close()
        await db.dispose()


async def test_on_sqlite_a_watched_change_wakes_outbox_writes_and_changed_not_inbox(tmp_path):
    path = sqlite_file(tmp_path)
    async with watching(path) as (_, woken):
        # When another process commits to the file
        write_elsewhere(path)

        # Then what only wakes is woken; `inbox`, whose callback counts a request for the
        # worker's pacing, is not (a watch cannot tell an activity from another write)
        await wait_for(lambda: sorted(woken) == ["changed", "outbox", "writes"])


async def test_a_commit_to_the_inbox_queues_file_wakes_changed_alone(tmp_path):
    # Given a process watching the store and the inbox queue's file beside it
    path = sqlite_file(tmp_path)
    queue_file = Path(inbox_file_of(str(path)))
    sqlite_file_at(queue_file)
    async with watching(path) as (signals, woken):
        # When another process commits to the queue's file (an append, a claim)
        write_elsewhere(queue_file)

        # Then the inbox worker's wake-up is woken, and not the deliveries' or the streams'
        await wait_for(lambda: woken == ["changed"], message="the queue's commit to be seen")
        seen = [watch.looks for watch in signals._watches]
        await wait_for(
            lambda: all(w.looks >= n + 3 for w, n in zip(signals._watches, seen, strict=True)),
            message="three more looks at both files",
        )
        assert woken == ["changed"]


async def test_a_process_not_beside_others_does_not_watch(tmp_path):
    path = sqlite_file(tmp_path)
    db = Database(f"sqlite+aiosqlite:///{path}")
    signals = Signals(db)
    await signals.start()
    try:
        assert not signals.watching
    finally:
        await signals.close()
        await db.dispose()


async def test_a_commit_right_after_start_is_seen_however_late_the_thread_runs(
    tmp_path, monkeypatch
):
    # Given a watch whose thread does not run until the test lets it
    path = sqlite_file(tmp_path)
    held: list[threading.Thread] = []
    really_start = threading.Thread.start

    class HeldThread(threading.Thread):
        def start(self) -> None:
            held.append(self)

    monkeypatch.setattr(sqlite_watch.threading, "Thread", HeldThread)
    calls: list[int] = []
    watch = SqliteWatch(str(path), lambda: calls.append(1), every=QUICK)
    watch.start()
    try:
        # When another connection commits before the thread has run at all
        write_elsewhere(path)
        [thread] = held
        really_start(thread)

        # Then the commit is seen: the version it is compared with was taken at start
        await wait_for(lambda: calls == [1], message="the commit to be seen")
    finally:
        watch.stop()
