"""The trust store on SQLite and PostgreSQL: vouches recorded once, counted from active
residents only, named with consent; and the recent posts a new account's limit counts."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import update

from fedlocal.store import accounts as account_store
from fedlocal.store import posts as post_store
from fedlocal.store import recent_posts
from fedlocal.store import vouches as store
from fedlocal.store.clock import utcnow
from fedlocal.store.tables import accounts
from tests.store.helpers import assert_aware_utc, local_actor


async def _resident(conn, name: str, *, approved: bool = True, shows: bool = False):
    actor = await local_actor(conn, name)
    account = await account_store.insert_account(
        conn, actor_id=actor.id, username=name, password_hash="x", is_approved=approved
    )
    if shows:
        await store.set_shows_vouches(conn, account.id, True)
    return account, actor


async def test_vouches_count_once_and_only_from_active_residents(database):
    now = utcnow()
    async with database.write() as conn:
        ana, ana_actor = await _resident(conn, "ana", shows=True)
        bea, _ = await _resident(conn, "bea")
        nina, _ = await _resident(conn, "nina", approved=False)
        await store.set_presentation(conn, nina.id, "Nina du 3 rue de Dinan")
        assert await store.add(conn, voucher_id=ana.id, vouchee_id=nina.id, now=now)
        assert not await store.add(conn, voucher_id=ana.id, vouchee_id=nina.id, now=now)
        assert await store.add(conn, voucher_id=bea.id, vouchee_id=nina.id, now=now)
        await conn.execute(update(accounts).where(accounts.c.id == bea.id).values(is_disabled=True))

    async with database.read() as conn:
        assert await store.count_active_vouchers(conn, nina.id) == 1
        assert [a.id for a in await store.shown_vouchers(conn, nina.id)] == [ana_actor.id]
        [waiting] = await store.waiting(conn, ana.id)
        assert (waiting.account.id, waiting.presentation, waiting.vouches) == (
            nina.id,
            "Nina du 3 rue de Dinan",
            1,
        )
        assert waiting.vouched_by_viewer
        assert await store.exists(conn, voucher_id=ana.id, vouchee_id=nina.id)

    async with database.write() as conn:
        locked = await store.lock_account(conn, nina.id)
        assert locked is not None and locked.username == "nina"
        assert await store.remove(conn, voucher_id=ana.id, vouchee_id=nina.id)
        assert not await store.remove(conn, voucher_id=ana.id, vouchee_id=nina.id)


async def test_recent_posts_count_posts_and_messages_apart(database):
    async with database.write() as conn:
        _, ana = await _resident(conn, "ana")
        for n, visibility in enumerate(("public", "local", "direct", "followers")):
            await post_store.insert_local_post(
                conn,
                actor_id=ana.id,
                uri_for=lambda i: f"https://local.example/objects/{i}",
                visibility=visibility,
                content=f"{n}",
            )
        assert (await store.lock_account_of_actor(conn, ana.id)) is not None

    async with database.read() as conn:
        since = utcnow() - timedelta(hours=24)
        posts, oldest = await recent_posts.count_since(conn, ana.id, since=since, direct=False)
        messages, _ = await recent_posts.count_since(conn, ana.id, since=since, direct=True)
        later, none = await recent_posts.count_since(
            conn, ana.id, since=utcnow() + timedelta(seconds=1), direct=False
        )
    assert (posts, messages, later, none) == (3, 1, 0, None)
    assert_aware_utc(oldest)
