"""Erasing an account and queueing data downloads, on SQLite and PostgreSQL: every row of
the account goes, what moderators hold stays, the actor is claimed once; a download
requested twice is one job."""

from __future__ import annotations

from sqlalchemy import func, select

from fedlocal.store import accounts as account_store
from fedlocal.store import data_exports as export_store
from fedlocal.store import erasure
from fedlocal.store.clock import utcnow
from fedlocal.store.tables import accounts, actors, follows, objects, reports
from tests.store.helpers import local_actor, remote_actor


async def _count(conn, table, where) -> int:
    return (await conn.execute(select(func.count()).select_from(table).where(where))).scalar()


async def test_erasing_an_account_keeps_its_actor_key_and_the_reports_about_it(database):
    async with database.write() as conn:
        lea = await local_actor(conn, "lea")
        account = await account_store.insert_account(
            conn, actor_id=lea.id, username="lea", password_hash="x"
        )
        tom = await remote_actor(conn, "tom")
        now = utcnow()
        await conn.execute(
            follows.insert().values(
                uri="https://remote.example/f/1",
                follower_id=tom.id,
                followed_id=lea.id,
                state="accepted",
                created_at=now,
                updated_at=now,
            )
        )
        await conn.execute(
            reports.insert().values(
                target_id=lea.id,
                post_ids=[],
                category="other",
                comment="",
                snapshot={"account": "lea"},
                created_at=now,
                updated_at=now,
            )
        )
        await export_store.request(conn, account.id)

    async with database.write() as conn:
        assert await erasure.claim_actor(conn, lea.id)
        assert not await erasure.claim_actor(conn, lea.id)
        assert await erasure.remote_inboxes(conn, lea.id) == [tom.delivery_inbox]
        await erasure.erase_account_rows(conn, lea.id, account.id)

    async with database.read() as conn:
        assert await _count(conn, accounts, accounts.c.id == account.id) == 0
        assert await _count(conn, follows, follows.c.followed_id == lea.id) == 0
        assert await _count(conn, objects, objects.c.actor_id == lea.id) == 0
        assert await _count(conn, reports, reports.c.target_id == lea.id) == 1
        assert await _count(conn, actors, actors.c.id == lea.id) == 1
        assert await export_store.of_account(conn, account.id) is None


async def test_a_download_requested_twice_is_one_job(database):
    async with database.write() as conn:
        lea = await local_actor(conn, "lea")
        account = await account_store.insert_account(
            conn, actor_id=lea.id, username="lea", password_hash="x"
        )
        first, _ = await export_store.request(conn, account.id)
        second, _ = await export_store.request(conn, account.id)
    assert first.id == second.id and second.state == "pending"
