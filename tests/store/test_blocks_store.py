"""Blocks, mutes and a resident's domain blocks in the store, on SQLite and PostgreSQL:
the one `hidden_actors` question, notifications left out, relations, and the pages."""

from __future__ import annotations

from datetime import timedelta

from fedlocal.boundary.paging import PageQuery
from fedlocal.store import blocks as store
from fedlocal.store import notification_pages
from fedlocal.store import notifications as notification_store
from fedlocal.store import unread as unread_store
from fedlocal.store.clock import utcnow

from .helpers import local_actor, remote_actor

PAGE = PageQuery(limit=40)


async def test_what_a_reader_is_not_shown(database):
    async with database.write() as conn:
        ana = await local_actor(conn, "ana")
        bea = await local_actor(conn, "bea")
        carl = await local_actor(conn, "carl")
        dora = await local_actor(conn, "dora")
        eve = await local_actor(conn, "eve")
        rob = await remote_actor(conn, "rob", "spam.example")
        sam = await remote_actor(conn, "sam", "fine.example")
        # ana blocks bea; carl blocks ana; ana mutes dora (notifications too) and eve (not),
        # and an expired mute of sam; ana hides spam.example
        await store.add_block(conn, ana.id, bea.id, "https://local.example/b/1")
        await store.add_block(conn, carl.id, ana.id, "https://local.example/b/2")
        await store.set_mute(conn, ana.id, dora.id, notifications=True, expires_at=None)
        await store.set_mute(conn, ana.id, eve.id, notifications=False, expires_at=None)
        await store.set_mute(
            conn, ana.id, sam.id, notifications=True, expires_at=utcnow() - timedelta(hours=1)
        )
        assert await store.add_domain_block(conn, ana.id, "spam.example")
        assert not await store.add_domain_block(conn, ana.id, "spam.example")
        for who in (bea, carl, dora, eve, rob, sam):
            await notification_store.add(conn, recipient_id=ana.id, type="mention", actor_id=who.id)
    everyone = [bea.id, carl.id, dora.id, eve.id, rob.id, sam.id]
    async with database.read() as conn:
        assert await store.hidden_among(conn, ana.id, everyone) == {
            bea.id,
            carl.id,
            dora.id,
            eve.id,
            rob.id,
        }
        # Notifications: eve's mute keeps them
        assert await store.hidden_among(conn, ana.id, everyone, notifications=True) == {
            bea.id,
            carl.id,
            dora.id,
            rob.id,
        }
        listed = await notification_store.list_for(conn, ana.id)
        paged = await notification_pages.page_for(conn, ana.id, PAGE)
        assert {n.actor_id for n in listed} == {n.actor_id for n in paged} == {eve.id, sam.id}
        assert await unread_store.count_unread(conn, ana.id) == 2
        relations = await store.relations(conn, ana.id, everyone)
        assert relations.blocking == {bea.id} and relations.blocked_by == {carl.id}
        assert relations.muting == {dora.id: True, eve.id: False}
        assert relations.domain_blocking == {rob.id}
        # The other way round, bea only sees that ana blocks her
        assert await store.hidden_among(conn, bea.id, [ana.id, carl.id]) == {ana.id}
        assert await store.blockers_among(conn, bea.id, [ana.id, carl.id]) == {ana.id}
        assert await store.blocked_either_way(conn, bea.id, ana.id)
        assert not await store.blocked_either_way(conn, bea.id, carl.id)
        [(_, blocked)] = await store.blocks_page(conn, ana.id, PAGE)
        assert blocked.id == bea.id
        assert [actor.id for _m, actor in await store.mutes_page(conn, ana.id, PAGE)] == [
            eve.id,
            dora.id,
        ]
        assert [d for _i, d in await store.domain_blocks_page(conn, ana.id, PAGE)] == [
            "spam.example"
        ]


async def test_undoing_and_the_block_id_reused(database):
    async with database.write() as conn:
        ana = await local_actor(conn, "ana")
        bea = await local_actor(conn, "bea")
        first = await store.add_block(conn, ana.id, bea.id, "https://x.example/b/1")
        assert await store.add_block(conn, ana.id, bea.id, "https://x.example/b/9") == first
        assert await store.get_block_by_uri(conn, first.uri) == first
        await store.delete_block(conn, first.id)
        assert await store.get_block(conn, ana.id, bea.id) is None
        await store.set_mute(conn, ana.id, bea.id, notifications=True, expires_at=None)
        assert await store.delete_mute(conn, ana.id, bea.id)
        assert not await store.delete_mute(conn, ana.id, bea.id)
        await store.add_domain_block(conn, ana.id, "spam.example")
        await store.delete_domain_block(conn, ana.id, "spam.example")
        assert await store.domain_blocks_page(conn, ana.id, PAGE) == []
