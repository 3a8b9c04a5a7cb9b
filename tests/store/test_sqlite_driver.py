"""The SQLite driver (store/sqlite_driver.py): one hand-off to aiosqlite's thread per
statement, with the same results SQLAlchemy's own cursor gives; and writers queued across
processes on one file (`WriterLock`): a writer holds the lock for its transaction only,
waits for another process's writer in the kernel rather than in SQLite's busy handler,
takes turns with it, and is never held up by a killed one. The other process in those
tests is a real one."""

from __future__ import annotations

import asyncio
import fcntl
import os
import sys
import threading

import aiosqlite
import pytest
from sqlalchemy import Column, Integer, MetaData, Table, Text, func, insert, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.util import greenlet_spawn

from fedlocal.store.database import Database, inbox_file_of
from fedlocal.store.inbox_append import SqliteInboxAppender
from fedlocal.store.sqlite_driver import OneCallCursor, WriterLock, writer_lock_path
from tests.support.waiting import wait_for

metadata = MetaData()
things = Table(
    "things",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("name", Text, nullable=False, unique=True),
)


@pytest.fixture
async def db(tmp_path):
    database = Database(f"sqlite:///{tmp_path / 'driver.sqlite3'}")
    async with database.write() as conn:
        await conn.run_sync(metadata.create_all)
    try:
        yield database
    finally:
        await database.dispose()


@pytest.fixture
def hand_offs(monkeypatch) -> list[str]:
    """The name of every function aiosqlite runs in its thread, in order."""
    calls: list[str] = []
    original = aiosqlite.Connection._execute

    async def counting(self, fn, *args, **kwargs):
        calls.append(getattr(fn, "__name__", repr(fn)))
        return await original(self, fn, *args, **kwargs)

    monkeypatch.setattr(aiosqlite.Connection, "_execute", counting)
    return calls


async def test_a_statement_is_one_hand_off(db, hand_offs):
    async with db.read() as conn:
        hand_offs.clear()  # (the connection's BEGIN)
        rows = (await conn.execute(select(func.count()).select_from(things))).all()
        assert hand_offs == ["_run"]
        raw = await conn.get_raw_connection()
        assert isinstance(raw.driver_connection, aiosqlite.Connection)
        assert isinstance(raw.dbapi_connection.cursor(), OneCallCursor)
    assert rows == [(0,)]


async def test_rows_counts_and_ids_read_back_as_sqlalchemy_gives_them(db):
    async with db.write() as conn:
        # lastrowid, and several rows in one executemany
        first = await conn.execute(insert(things).values(name="drill"))
        assert first.inserted_primary_key == (1,)
        await conn.execute(insert(things), [{"name": "ladder"}, {"name": "saw"}])
        # RETURNING: rows from a statement that writes
        returned = await conn.execute(insert(things).values(name="tent").returning(things.c.id))
        assert returned.scalar_one() == 4
        # rowcount
        changed = await conn.execute(
            update(things).where(things.c.id > 2).values(name=things.c.name + "!")
        )
        assert changed.rowcount == 2

    async with db.read() as conn:
        result = await conn.execute(select(things).order_by(things.c.id))
        assert list(result.keys()) == ["id", "name"]
        assert result.fetchmany(2) == [(1, "drill"), (2, "ladder")]
        assert result.fetchall() == [(3, "saw!"), (4, "tent!")]


async def test_a_failing_statement_raises_the_usual_error_and_rolls_back(db):
    with pytest.raises(IntegrityError):
        async with db.write() as conn:
            await conn.execute(insert(things).values(name="drill"))
            await conn.execute(insert(things).values(name="drill"))
    async with db.read() as conn:
        assert (await conn.execute(select(func.count()).select_from(things))).scalar() == 0


# A second process: takes the writers' lock of the file given, says so, lets go when
# told (a line on its stdin), then exits.
HOLDER = """
import sys
from fedlocal.store.sqlite_driver import WriterLock
lock = WriterLock(sys.argv[1])
lock.acquire()
print("held", flush=True)
sys.stdin.readline()
lock.release()
"""


def lock_path(database: Database) -> str:
    path = writer_lock_path(database.writer.url.database or "")
    assert path is not None
    return path


def taken(path: str) -> bool:
    """Whether some writer holds the flock at `path` (asked without waiting)."""
    fd = os.open(path, os.O_RDWR | os.O_CREAT)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        return True
    finally:
        os.close(fd)
    return False


async def count_things(database: Database) -> int:
    async with database.read() as conn:
        return (await conn.execute(select(func.count()).select_from(things))).scalar_one()


async def holder_process(path: str) -> asyncio.subprocess.Process:
    process = await asyncio.create_subprocess_exec(
        sys.executable,
        "-c",
        HOLDER,
        path,
        stdin=asyncio.subprocess.PIPE,
        stdout=asyncio.subprocess.PIPE,
    )
    assert process.stdout is not None
    assert await asyncio.wait_for(process.stdout.readline(), 15) == b"held\n"
    return process


async def test_a_writer_holds_the_lock_for_its_transaction_only(db):
    path = lock_path(db)
    # Given a write transaction under way, the lock is held
    async with db.write() as conn:
        await conn.execute(insert(things).values(name="a"))
        assert taken(path)
    # Then given back at its commit
    assert not taken(path)
    # And at a rollback
    with pytest.raises(RuntimeError):
        async with db.write() as conn:
            await conn.execute(insert(things).values(name="b"))
            assert taken(path)
            raise RuntimeError("the transaction fails")
    assert not taken(path)
    # And a reader never takes it
    async with db.read() as conn:
        await conn.execute(select(things))
        assert not taken(path)
    assert await count_things(db) == 1


async def test_a_writer_waits_for_another_process_then_goes(db):
    path = lock_path(db)
    # Given another process holding the writers' lock
    holder = await holder_process(path)
    assert holder.stdin is not None

    # When a writer here starts
    async def write() -> None:
        async with db.write() as conn:
            await conn.execute(insert(things).values(name="a"))

    writing = asyncio.create_task(write())
    # Then it waits at the lock: it holds the turnstile, which it passes only once it has
    # the lock, so the other process's writer would come after it
    await wait_for(lambda: taken(WriterLock(path).queue_path), message="the writer queued")
    assert not writing.done()
    # And goes as soon as the other lets go
    holder.stdin.write(b"go\n")
    await holder.stdin.drain()
    await asyncio.wait_for(writing, 15)
    assert await count_things(db) == 1
    assert await holder.wait() == 0


async def test_the_inbox_appender_queues_with_the_other_writers(db):
    # (the writers of the queue's file of its own: the inbox worker's claims and removals)
    path = lock_path(db.inbox)
    await _create_inbox_queue(db)
    store_path = db.writer.url.database or ""
    appender = SqliteInboxAppender(db, store_path, inbox_file_of(store_path))
    holder = await holder_process(path)
    assert holder.stdin is not None
    try:
        # Given another process holding the lock, an append waits for it
        appending = asyncio.create_task(
            appender.append(
                body=b"{}", activity_uri="https://x.example/1", actor_uri="a", key_id="k"
            )
        )
        await wait_for(lambda: taken(WriterLock(path).queue_path), message="the append queued")
        assert not appending.done()
        # And is written once the other lets go
        holder.stdin.write(b"go\n")
        await holder.stdin.drain()
        assert await asyncio.wait_for(appending, 15) is True
        assert not taken(path)
    finally:
        await appender.close()
    assert await holder.wait() == 0


async def _create_inbox_queue(db: Database) -> None:
    """The queue in its file, and the received ids an append checks in the store."""
    from fedlocal.store.tables import inbox_queue, received_activities

    async with db.inbox.write() as conn:
        await conn.run_sync(inbox_queue.create)
    async with db.write() as conn:
        await conn.run_sync(received_activities.create)


async def test_a_killed_writer_holds_nothing(db):
    # Given another process killed while it held the lock
    holder = await holder_process(lock_path(db))
    holder.kill()
    await holder.wait()
    # Then a writer here goes at once
    async with db.write() as conn:
        await conn.execute(insert(things).values(name="a"))
    assert await count_things(db) == 1


def test_writers_take_turns_rather_than_one_taking_it_back(tmp_path):
    path = str(tmp_path / "file.sqlite3-writer")
    first, second = WriterLock(path), WriterLock(path)  # two processes' locks, in effect
    first.acquire()
    second_got_it = threading.Event()
    first_again = threading.Event()
    done = threading.Event()

    def second_writer() -> None:
        second.acquire()
        second_got_it.set()
        done.wait(15)
        second.release()

    def first_writer_again() -> None:
        first.acquire()
        first_again.set()

    # Given a second writer waiting while the first holds the lock
    waiter = threading.Thread(target=second_writer)
    waiter.start()
    asyncio.run(wait_for(lambda: taken(second.queue_path), message="the second waits"))
    # When the first lets go and asks again at once
    first.release()
    again = threading.Thread(target=first_writer_again)
    again.start()
    # Then the one waiting has it first, and the first only after it let go
    assert second_got_it.wait(15)
    assert not first_again.is_set()
    done.set()
    assert first_again.wait(15)
    waiter.join(15)
    again.join(15)
    first.release()
    first.close()
    second.close()


async def test_an_invalidated_writer_gives_the_lock_back(db):
    path = lock_path(db)
    # Given a writer inside its transaction, whose connection is then invalidated (a
    # cancelled request, a lost connection: SQLAlchemy terminates it)
    async with db.writer.connect() as conn:
        await conn.begin()
        await conn.execute(insert(things).values(name="lost"))
        assert taken(path)
        await conn.invalidate()
    # Then the lock went with it, and the next writer goes
    assert not taken(path)
    async with db.write() as conn:
        await conn.execute(insert(things).values(name="next"))
    assert await count_things(db) == 1


async def test_a_close_racing_a_forced_close_ends(db, hand_offs):
    # Given a writer inside its transaction, whose graceful close has been handed to the
    # driver's thread
    async with db.writer.connect() as conn:
        await conn.begin()
        await conn.execute(insert(things).values(name="lost"))
        driver = (await conn.get_raw_connection()).dbapi_connection
        # (the thread held busy meanwhile, so that what follows is queued behind)
        busy = threading.Event()
        holding = asyncio.ensure_future(driver._connection._execute(busy.wait))
        graceful = asyncio.ensure_future(driver._terminate_graceful_close())
        await wait_for(lambda: "close" in hand_offs, message="the close handed over")
        # When SQLAlchemy forces the close meanwhile (it does when the graceful close is
        # cancelled: a worker process stopped in the middle of a transaction)
        driver._terminate_force_close()
        busy.set()
        await holding

        # Then the graceful close ends all the same (aiosqlite's own waited for ever on a
        # thread that had stopped, and the process never exited), and so does a later one
        async with asyncio.timeout(10):
            await graceful
            await greenlet_spawn(driver.close)
        await conn.invalidate()
    # And the writer's lock went with the connection
    assert not taken(lock_path(db))
    async with db.write() as conn:
        await conn.execute(insert(things).values(name="next"))
    assert await count_things(db) == 1
