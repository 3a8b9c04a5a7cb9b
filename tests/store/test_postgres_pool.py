"""PostgreSQL's pool (store/database.py): a connection that sat idle is checked before use
and replaced when the server closed it; one in steady use is not checked again."""

from __future__ import annotations

import pytest
from sqlalchemy import text

from fedlocal.store import database as database_module
from fedlocal.store.database import Database
from tests.support.waiting import wait_for

pytestmark = [
    pytest.mark.postgres,
    pytest.mark.parametrize("database", ["postgres"], indirect=True),
]


async def backend_pid(db) -> int:
    async with db.read() as conn:
        return (await conn.execute(text("SELECT pg_backend_pid()"))).scalar_one()


async def close_from_the_server(db, pid: int) -> None:
    """Terminate the backend `pid` from a connection of another pool, and wait until it
    has gone (pg_terminate_backend only signals it)."""
    other = Database(db.url, schema=db.schema)

    async def gone() -> bool:
        async with other.read() as conn:
            alive = await conn.execute(
                text("SELECT 1 FROM pg_stat_activity WHERE pid = :pid"), {"pid": pid}
            )
            return alive.first() is None

    try:
        async with other.write() as conn:
            await conn.execute(text("SELECT pg_terminate_backend(:pid)"), {"pid": pid})
        await wait_for(gone, message=f"backend {pid} to end")
    finally:
        await other.dispose()


async def test_an_idle_connection_the_server_closed_is_replaced(database, monkeypatch):
    # Given a pooled connection that the server closed while it sat idle (as a restart of
    # PostgreSQL or a proxy's idle timeout does)
    first = await backend_pid(database)
    await close_from_the_server(database, first)
    monkeypatch.setattr(database_module, "IDLE_PING_SECONDS", 0.0)

    # When a request reads
    second = await backend_pid(database)

    # Then it got a working connection, another one
    assert second != first


async def test_a_connection_in_steady_use_is_not_checked_again(database, monkeypatch):
    # Given a pooled connection used a moment ago, then closed by the server
    first = await backend_pid(database)
    await close_from_the_server(database, first)
    monkeypatch.setattr(database_module, "IDLE_PING_SECONDS", 3600.0)

    # When a request reads, the connection is handed out unchecked: the failure is the
    # request's (what pinging every checkout would have spared, at three round trips each)
    with pytest.raises(Exception):  # noqa: B017 - the driver's disconnection error
        await backend_pid(database)

    # And the pool then replaces it
    assert await backend_pid(database) != first
