"""The SQLite driver (store/sqlite_driver.py): one hand-off to aiosqlite's thread per
statement, with the same results SQLAlchemy's own cursor gives."""

from __future__ import annotations

import aiosqlite
import pytest
from sqlalchemy import Column, Integer, MetaData, Table, Text, func, insert, select, update
from sqlalchemy.exc import IntegrityError

from fedlocal.store.database import Database
from fedlocal.store.sqlite_driver import OneCallCursor

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
