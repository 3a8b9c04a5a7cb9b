"""Moderation in the store, on SQLite and PostgreSQL: limits and suspensions left out of
public lists, the admin API's account filters, domain blocks, the audit log."""

from __future__ import annotations

from fedlocal.boundary.paging import PageQuery
from fedlocal.store import accounts as account_store
from fedlocal.store import domain_blocks as block_store
from fedlocal.store import follows as follow_store
from fedlocal.store import moderation as store
from fedlocal.store import posts as post_store
from fedlocal.store import timelines as timeline_store
from fedlocal.store.moderation import AccountFilter

from .helpers import local_actor, remote_actor

HASH = "$argon2id$v=19$m=65536,t=3,p=4$c2FsdA$aGFzaA"


async def _post(conn, actor, text):
    return await post_store.insert_local_post(
        conn,
        actor_id=actor.id,
        uri_for=lambda i: f"https://local.example/objects/{i}",
        content=text,
        visibility="public",
    )


async def _public(conn, viewer_id, silenced=()):  # silenced: exact hosts
    found = await timeline_store.public(
        conn, PageQuery(limit=40), hidden_authors=store.hidden_authors(viewer_id, silenced)
    )
    return {p.id for p in found}


async def test_limited_and_suspended_authors_leave_public_lists(database):
    async with database.write() as conn:
        lea = await local_actor(conn, "lea")
        fan = await local_actor(conn, "fan")
        sam = await local_actor(conn, "sam")
        troll = await remote_actor(conn, "troll", "loud.example")
        await follow_store.upsert_follow(
            conn, follower_id=fan.id, followed_id=lea.id, uri="urn:f:1", state="accepted"
        )
        by_lea = await _post(conn, lea, "Bonjour")
        by_sam = await _post(conn, sam, "Salut")
        assert await store.set_flag(conn, lea.id, "limited_at", True)
        assert not await store.set_flag(conn, lea.id, "limited_at", True)
        assert await store.set_flag(conn, sam.id, "suspended_at", True)

    async with database.read() as conn:
        assert await _public(conn, None) == set()
        assert await _public(conn, fan.id) == {by_lea.id}
        assert await _public(conn, lea.id) == {by_lea.id}
        states = await store.states(conn, [lea.id, sam.id, fan.id])
        assert set(states) == {lea.id, sam.id}
        assert await store.is_limited(conn, lea.id)
        assert not await store.is_limited(conn, troll.id)
        assert await store.remote_domains(conn) == ["loud.example"]

    async with database.write() as conn:
        assert await store.set_flag(conn, lea.id, "limited_at", False)
        assert await store.set_flag(conn, sam.id, "suspended_at", False)
    async with database.read() as conn:
        assert await _public(conn, None) == {by_lea.id, by_sam.id}
        assert await store.states(conn, [lea.id, sam.id]) == {}


async def test_admin_account_filters(database):
    async with database.write() as conn:
        lea = await local_actor(conn, "lea")
        modo = await local_actor(conn, "modo")
        troll = await remote_actor(conn, "troll", "spam.example")
        await account_store.insert_account(
            conn, actor_id=lea.id, username="lea", password_hash=HASH, email="lea@x.example"
        )
        account = await account_store.insert_account(
            conn, actor_id=modo.id, username="modo", password_hash=HASH
        )
        await store.set_role(conn, account.id, admin=False, moderator=True)
        await store.set_flag(conn, troll.id, "suspended_at", True)

    async with database.read() as conn:
        local = await store.admin_account_ids(conn, AccountFilter())
        assert local == [modo.id, lea.id]
        assert await store.admin_account_ids(conn, AccountFilter(staff=True)) == [modo.id]
        assert await store.admin_account_ids(
            conn, AccountFilter(origin="remote", status="suspended")
        ) == [troll.id]
        assert await store.admin_account_ids(conn, AccountFilter(origin=None, status=None)) == [
            troll.id,
            modo.id,
            lea.id,
        ]
        assert await store.admin_account_ids(conn, AccountFilter(email="LEA@")) == [lea.id]
        assert await store.admin_account_ids(
            conn, AccountFilter(origin=None, status=None), min_id=lea.id, limit=1
        ) == [modo.id]


async def test_a_domain_is_blocked_once_and_the_audit_log_pages(database):
    async with database.write() as conn:
        first = await block_store.add_block(
            conn,
            domain="spam.example",
            severity="suspend",
            public_comment="",
            private_comment="",
            created_by=None,
        )
        again = await block_store.add_block(
            conn,
            domain="spam.example",
            severity="silence",
            public_comment="",
            private_comment="",
            created_by=None,
        )
        for n in range(3):
            await store.add_audit(
                conn, account_id=None, action="block_domain", target=f"domain:{n}", note=""
            )
    assert first is not None and again is None
    async with database.read() as conn:
        assert [b.severity for b in await block_store.list_blocks(conn)] == ["suspend"]
        newest = await store.audit_page(conn, limit=2)
        older = await store.audit_page(conn, max_id=newest[-1].id, limit=2)
    assert [e.target for e in newest + older] == ["domain:2", "domain:1", "domain:0"]
